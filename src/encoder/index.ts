export { DEVICES, type Device, type TextEncoder } from './types';
export {
  createLexicalEncoder,
  fitLexicalModel,
  tokenize,
  type LexicalModel,
} from './lexical-encoder';
export { createSentencePieceTokenizer, type SentencePieceTokenizer, type Vocabulary } from './sentencepiece';
export { createOnnxEncoder, type OnnxEncoder, type OnnxEncoderOptions, type OnnxEncoderSource } from './onnx-encoder';
export { loadEncoder, type EncoderChoice, type EncoderConfig, type LoadedEncoder, type ModelProgress } from './load-encoder';
