import type { Int8RowsAllocator } from './int8-rows';
import { roundHalfUp } from './round';
import type { Int8Rows } from './types';

/**
 * Float rows as int8 with one scale per row (max |x| / 127). `allocate` places them where they are scanned (a
 * kernel's own memory), so a matrix that is only ever scanned is written once.
 */
export function quantizeRows(rows: Float32Array, dim: number, allocate?: Int8RowsAllocator): Int8Rows {
  const count = rows.length / dim;
  const out = allocate ? allocate(count, dim) : { dim, scales: new Float32Array(count), values: new Int8Array(rows.length) };
  const { scales, values } = out;
  for (let r = 0, base = 0; r < count; r++, base += dim) {
    let max = 0;
    for (let i = base; i < base + dim; i++) max = Math.max(max, Math.abs(rows[i]!));
    const scale = max / 127;
    scales[r] = scale;
    // Allocated memory may hold an earlier matrix: a zero row is written, not skipped.
    if (scale === 0) {
      values.fill(0, base, base + dim);
      continue;
    }
    for (let i = base; i < base + dim; i++) values[i] = roundHalfUp(rows[i]! / scale);
  }
  return out;
}

export function dequantizeRows({ dim, scales, values }: Int8Rows): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < scales.length; r++) {
    const scale = scales[r]!;
    for (let i = 0; i < dim; i++) out[r * dim + i] = values[r * dim + i]! * scale;
  }
  return out;
}
