export { dot, dotRow, normalize } from './dot';
export { quantizeRows, dequantizeRows } from './quantize';
export { roundHalfUp } from './round';
export { dotInt8Row, readInt8Row, type Int8RowsAllocator } from './int8-rows';
export { topK } from './top-k';
export { createJsKernel } from './js-kernel';
export { loadVectorKernel } from './wasm-kernel';
export { quantizeQuery } from './query';
export { fitPca, projectRows, sampleRows, type PcaFit, type PcaOptions, type Projection } from './pca';
export {
  KERNEL_KINDS,
  type Int8Rows,
  type KernelKind,
  type LoadVectorKernelOptions,
  type KernelScan,
  type ScanQuery,
  type ScoredRows,
  type TopKResult,
  type VectorKernel,
} from './types';
