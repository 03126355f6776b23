export { dot, dotRow, normalize } from './dot';
export { quantizeRows, dequantizeRows, type Int8Rows } from './quantize';
export { allocateInt8Rows, dotInt8Row, readInt8Row, type Int8RowsAllocator } from './int8-rows';
export { topK } from './top-k';
