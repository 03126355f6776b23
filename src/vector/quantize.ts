import type { Int8Rows } from './types';

export function quantizeRows(rows: Float32Array, dim: number): Int8Rows {
  const count = rows.length / dim;
  const scales = new Float32Array(count);
  const values = new Int8Array(rows.length);
  for (let r = 0; r < count; r++) {
    let max = 0;
    for (let i = 0; i < dim; i++) max = Math.max(max, Math.abs(rows[r * dim + i]!));
    const scale = max / 127;
    scales[r] = scale;
    if (scale === 0) continue;
    for (let i = 0; i < dim; i++) values[r * dim + i] = Math.round(rows[r * dim + i]! / scale);
  }
  return { dim, scales, values };
}

export function dequantizeRows({ dim, scales, values }: Int8Rows): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < scales.length; r++) {
    const scale = scales[r]!;
    for (let i = 0; i < dim; i++) out[r * dim + i] = values[r * dim + i]! * scale;
  }
  return out;
}
