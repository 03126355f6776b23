/** Dot product of `a` with row `row` of a row-major matrix of width `a.length`. */
export function dotRow(matrix: Float32Array, row: number, a: Float32Array): number {
  const dim = a.length;
  const base = row * dim;
  let sum = 0;
  for (let i = 0; i < dim; i++) sum += matrix[base + i]! * a[i]!;
  return sum;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Scales `v` to unit length in place; a zero vector stays zero (it means "no information", not an error). */
export function normalize(v: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  if (norm === 0) return v;
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}
