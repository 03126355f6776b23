import type { Int8Rows } from './types';

/**
 * Where a catalogue's int8 rows live: a kernel's `allocate` hands out rows inside its own WebAssembly memory, so
 * that a decoder writes them once, where they are scanned (without one, decoders use plain typed arrays).
 */
export type Int8RowsAllocator = (count: number, dim: number) => Int8Rows;

/** Dot product of row `row` (dequantised on the fly) with a float query: no f32 copy of the matrix exists. */
export function dotInt8Row(rows: Int8Rows, row: number, q: Float32Array): number {
  const { dim, values } = rows;
  const base = row * dim;
  let sum = 0;
  for (let i = 0; i < dim; i++) sum += values[base + i]! * q[i]!;
  return sum * rows.scales[row]!;
}

/** Row `row` as floats into `out` (length dim), for the few places that need one row, never the matrix. */
export function readInt8Row(rows: Int8Rows, row: number, out: Float32Array = new Float32Array(rows.dim)): Float32Array {
  const { dim, values } = rows;
  const scale = rows.scales[row]!;
  const base = row * dim;
  for (let i = 0; i < dim; i++) out[i] = values[base + i]! * scale;
  return out;
}
