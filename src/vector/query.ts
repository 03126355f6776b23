import { PocketRecError } from '../errors';
import { roundHalfUp } from './round';
import type { Int8Rows, ScanQuery } from './types';

/** Largest int8 magnitude used: symmetric, so -128 never appears and negating a query is exact. */
const INT8_MAX = 127;

/**
 * Quantizes one query to int8 with one scale (value ≈ q · scale), written into `into` (an int16 lane per value
 * because the SIMD kernel multiplies i16 × i16; lanes past dim stay 0 so the kernel can read whole 16-byte blocks
 * of a row). Both kernels call this, so they see the same integers and their integer dot products agree exactly.
 *
 * Cost of the rounding, measured by bench/kernel.mjs (random unit vectors, int8 rows, against the f32 dot of the
 * same int8 rows with the unquantized query): mean |error| 0.00020 at dim 256 (max 0.0013), 0.00014 at dim 512
 * (max 0.0009), on dot products whose spread (std) is 0.063 and 0.044. That is the same size as the rows' own int8
 * rounding (0.00020 and 0.00014), i.e. the query adds about as much noise as the catalogue's quantization already has.
 * @returns the f32 scale (0 for an all-zero vector, which then scores 0 everywhere)
 */
export function quantizeQuery(vector: Float32Array, into: Int16Array): number {
  let max = 0;
  for (let i = 0; i < vector.length; i++) max = Math.max(max, Math.abs(vector[i]!));
  const scale = Math.fround(max / INT8_MAX);
  if (scale === 0) return 0;
  for (let i = 0; i < vector.length; i++) {
    into[i] = Math.max(-INT8_MAX, Math.min(INT8_MAX, roundHalfUp(vector[i]! / scale)));
  }
  return scale;
}

/** Keeps the WASM kernel's i32 dot products exact: 127 · 127 · 131072 < 2^31. */
const MAX_DIM = 131072;

/** Rows padded to whole 16-value blocks: the stride of a quantized query. */
export function paddedDim(dim: number): number {
  return (dim + 15) & ~15;
}

export function checkShape(count: number, dim: number, where: string): void {
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(dim) || dim <= 0 || dim > MAX_DIM) {
    throw invalid(`cannot allocate ${count} rows of dim ${dim} (${where}). count is an integer ≥ 0, dim one from 1 to ${MAX_DIM}.`, {
      count,
      dim,
      where,
    });
  }
}

export function checkRows(rows: Int8Rows, where: string): number {
  const { dim, scales, values } = rows;
  if (!Number.isInteger(dim) || dim <= 0 || dim > MAX_DIM) {
    throw invalid(`the rows' dim is ${dim} (${where}). A dim is an integer from 1 to ${MAX_DIM}.`, { dim, where });
  }
  if (values.length !== scales.length * dim) {
    throw invalid(
      `the rows hold ${values.length} values for ${scales.length} scales of dim ${dim} (${where}). Expected count × dim values.`,
      { values: values.length, scales: scales.length, dim, where },
    );
  }
  return scales.length;
}

/** Rejects what would silently score garbage: a wrong length, a non-finite value or weight. */
export function checkQueries(queries: readonly ScanQuery[], dim: number, where: string): void {
  queries.forEach((query, index) => {
    if (query.vector.length !== dim) {
      throw invalid(
        `query ${index} has ${query.vector.length} values but the rows have dim ${dim} (${where}). Pass vectors of the catalogue's dim.`,
        { index, length: query.vector.length, dim, where },
      );
    }
    if (!Number.isFinite(query.weight)) {
      throw invalid(`query ${index} has weight ${query.weight} (${where}). A weight is a finite number.`, { index, where });
    }
    for (let i = 0; i < dim; i++) {
      if (!Number.isFinite(query.vector[i]!)) {
        throw invalid(`query ${index} has value ${query.vector[i]} at ${i} (${where}). Query vectors are finite.`, {
          index,
          position: i,
          where,
        });
      }
    }
  });
}

export function checkLength(name: string, length: number, expected: number, where: string): void {
  if (length !== expected) {
    throw invalid(`${name} has length ${length}, expected ${expected} (${where}).`, { name, length, expected, where });
  }
}

export function checkK(k: number, where: string): void {
  if (!Number.isInteger(k) || k < 0) throw invalid(`k is ${k} (${where}). k is an integer ≥ 0.`, { k, where });
}

export function checkFloor(floor: number, where: string): void {
  if (typeof floor !== 'number' || Number.isNaN(floor)) throw invalid(`floor is ${floor} (${where}). A floor is a number (-Infinity for every row).`, { where });
}

export function checkIndices(name: string, indices: ArrayLike<number>, count: number, where: string): void {
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw invalid(`${name}[${i}] is ${index}, outside the ${count} rows (${where}).`, { name, position: i, index, count, where });
    }
  }
}

export function invalid(message: string, details: Record<string, string | number>): PocketRecError {
  return new PocketRecError('invalid-option', `vector: ${message}`, { details });
}
