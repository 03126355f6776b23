export { dot, dotRow, normalize, addScaledRow, scoreAll } from './dot';
export { quantizeRows, dequantizeRows, type Int8Rows } from './quantize';
export { topK } from './top-k';
