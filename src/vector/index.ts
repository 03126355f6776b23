export { dot, dotRow, normalize } from './dot';
export { quantizeRows, dequantizeRows, type Int8Rows } from './quantize';
export { topK } from './top-k';
