export { DEVICES, TRANSFORMERS_DTYPES, type Device, type TextEncoder, type TransformersDtype, type TransformersModel } from './types';
export { countLexicalFeatures, createLexicalCounter, createLexicalEncoder, embedLexicalInt8Rows, fitLexicalModel, lexicalModelFromCounts, type LexicalCounter, type LexicalCounts, type LexicalModel } from './lexical-encoder';
export { tokenize } from './tokenize';
export { createProjectedEncoder } from './projected-encoder';
export { isCovered, isLanguage, LANGUAGE_SCRIPTS, type Language, type LanguageCoverage } from './languages';
export { createSentencePieceTokenizer, type SentencePieceTokenizer, type Vocabulary } from './sentencepiece';
export { createOnnxEncoder, type OnnxEncoder, type OnnxEncoderOptions, type OnnxEncoderSource } from './onnx-encoder';
export {
  createTransformersEncoder,
  HUB_HOST,
  type TransformersEncoder,
  type TransformersEncoderOptions,
  type TransformersLibrary,
  transformersEncoderId,
} from './transformers-encoder';
export { loadEncoder, MODEL_CACHE_NAME, type EncoderChoice, type EncoderConfig, type LoadedEncoder, type ModelProgress } from './load-encoder';
