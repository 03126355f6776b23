export { buildModel, convertUseLite, sourceDir, SOURCE_PACKAGE, type ModelManifest } from './build-model';
export { loadNodeEncoder, loadNodeEncoderWithVocabulary, loadNodeOrt } from './node-encoder';
