export { DEVICES, type Device, type TextEncoder } from './types';
export {
  createLexicalEncoder,
  embedLexical,
  fitLexicalModel,
  tokenize,
  LEXICAL_DEFAULT_DIM,
  type LexicalModel,
} from './lexical-encoder';
