export { DEVICES, type Device, type TextEncoder } from './types';
export {
  createLexicalEncoder,
  fitLexicalModel,
  tokenize,
  type LexicalModel,
} from './lexical-encoder';
