import { checkFloor, checkIndices, checkK, checkLength, checkQueries, checkRows, checkShape, paddedDim, quantizeQuery } from './query';
import { createSelection, finishSelection, offer } from './selection';
import type { Int8Rows, ScanQuery, ScoredRows, TopKResult, VectorKernel } from './types';

const fround = Math.fround;

/** Queries as the kernels see them: int8 values in i16 lanes, one f32 scale, weight and g per query. */
interface Prepared {
  readonly count: number;
  /** A view per query: indexing a view from 0 lets V8 run the inner loop 2.5× faster than an offset into one array. */
  readonly values: readonly Int16Array[];
  readonly scales: Float32Array;
  readonly weights: Float32Array;
  readonly positive: Uint8Array;
}

function prepare(queries: readonly ScanQuery[], dim: number): Prepared {
  const stride = paddedDim(dim);
  const lanes = new Int16Array(queries.length * stride);
  const values = queries.map((_, q) => lanes.subarray(q * stride, (q + 1) * stride));
  const scales = new Float32Array(queries.length);
  const weights = new Float32Array(queries.length);
  const positive = new Uint8Array(queries.length);
  queries.forEach((query, q) => {
    scales[q] = quantizeQuery(query.vector, values[q]!);
    weights[q] = query.weight;
    positive[q] = query.positiveOnly ? 1 : 0;
  });
  return { count: queries.length, values, scales, weights, positive };
}

/**
 * The fused score of one row, step for step what the WASM kernel does in f32: exact integer dot, then
 * f32(dot) · (rowScale · queryScale), clamp, times the weight, summed in query order.
 */
function fusedScore(values: Int8Array, base: number, dim: number, scale: number, p: Prepared): number {
  let acc = 0;
  for (let q = 0; q < p.count; q++) {
    const lanes = p.values[q]!;
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += values[base + j]! * lanes[j]!;
    let v = fround(fround(dot) * fround(scale * p.scales[q]!));
    if (p.positive[q]) v = Math.max(v, 0);
    acc = fround(acc + fround(p.weights[q]! * v));
  }
  return acc;
}

/** One f32 add after the query terms, as the WASM kernel does it. */
function withBias(score: number, bias: Float32Array | undefined, i: number): number {
  return bias ? fround(score + bias[i]!) : score;
}

/** The plain-JS kernel: the fallback where WASM SIMD is missing, and the reference the WASM kernel must equal. */
export function createJsKernel(): VectorKernel {
  return {
    kind: 'js',
    allocate(count, dim) {
      checkShape(count, dim, 'allocate');
      return { dim, scales: new Float32Array(count), values: new Int8Array(count * dim) };
    },
    // Plain typed arrays: the garbage collector frees them once nothing holds them.
    release() {},
    score(rows, queries, out, bias) {
      const count = checkRows(rows, 'score');
      checkQueries(queries, rows.dim, 'score');
      const result = out ?? new Float32Array(count);
      checkLength('out', result.length, count, 'score');
      if (bias) checkLength('bias', bias.length, count, 'score');
      const p = prepare(queries, rows.dim);
      const { values, scales, dim } = rows;
      for (let i = 0; i < count; i++) result[i] = withBias(fusedScore(values, i * dim, dim, scales[i]!, p), bias, i);
      return result;
    },
    topK: (rows, queries, k, skip, bias) => select(rows, queries, k, skip, bias, null, 'topK'),
    scan(rows, queries, k, skip, bias) {
      const all = new Float32Array(checkRows(rows, 'scan'));
      return {
        ...select(rows, queries, k, skip, bias, all, 'scan'),
        above: (floor) => (checkFloor(floor, 'scan.above'), rowsAbove(all, floor)),
        scoresOf: (indices, out) => keptScores(all, indices, out, 'scan.scoresOf'),
      };
    },
    scoreRows(rows, queries, indices, out, bias) {
      const count = checkRows(rows, 'scoreRows');
      checkQueries(queries, rows.dim, 'scoreRows');
      checkIndices('indices', indices, count, 'scoreRows');
      const result = out ?? new Float32Array(indices.length);
      checkLength('out', result.length, indices.length, 'scoreRows');
      if (bias) checkLength('bias', bias.length, count, 'scoreRows');
      const p = prepare(queries, rows.dim);
      const { values, scales, dim } = rows;
      for (let j = 0; j < indices.length; j++) {
        const i = indices[j]!;
        result[j] = withBias(fusedScore(values, i * dim, dim, scales[i]!, p), bias, i);
      }
      return result;
    },
    dots(rows, a, b, out) {
      const count = checkRows(rows, 'dots');
      checkIndices('a', a, count, 'dots');
      checkIndices('b', b, count, 'dots');
      const result = out ?? new Float32Array(a.length * b.length);
      checkLength('out', result.length, a.length * b.length, 'dots');
      return pairwiseDots(rows, a, b, result);
    },
  };
}

/** topK, and with `all` every row's score too (NaN for a skipped row), as the WASM kernel's "topk" does. */
function select(rows: Int8Rows, queries: readonly ScanQuery[], k: number, skip: Uint8Array | undefined, bias: Float32Array | undefined, all: Float32Array | null, where: string): TopKResult {
  const count = checkRows(rows, where);
  checkQueries(queries, rows.dim, where);
  checkK(k, where);
  if (skip) checkLength('skip', skip.length, count, where);
  if (bias) checkLength('bias', bias.length, count, where);
  const p = prepare(queries, rows.dim);
  const heap = createSelection(Math.min(k, count));
  const { values, scales, dim } = rows;
  if (heap.rows.length > 0 || all) {
    for (let i = 0; i < count; i++) {
      if (skip && skip[i] !== 0) {
        if (all) all[i] = NaN;
        continue;
      }
      const s = withBias(fusedScore(values, i * dim, dim, scales[i]!, p), bias, i);
      if (all) all[i] = s;
      if (heap.rows.length > 0 && Number.isFinite(s)) offer(heap, i, s);
    }
  }
  return finishSelection(heap.rows, heap.scores, heap.size);
}

/** Kept scores of some rows, read back (`scan.scoresOf`). */
export function keptScores(all: Float32Array, indices: ArrayLike<number>, out: Float32Array | undefined, where: string): Float32Array {
  checkIndices('indices', indices, all.length, where);
  const result = out ?? new Float32Array(indices.length);
  checkLength('out', result.length, indices.length, where);
  for (let j = 0; j < indices.length; j++) result[j] = all[indices[j]!]!;
  return result;
}

function rowsAbove(all: Float32Array, floor: number): ScoredRows {
  let n = 0;
  for (let i = 0; i < all.length; i++) if (all[i]! >= floor && Number.isFinite(all[i]!)) n++;
  const indices = new Uint32Array(n);
  const scores = new Float32Array(n);
  n = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i]! >= floor && Number.isFinite(all[i]!)) (indices[n] = i), (scores[n++] = all[i]!);
  }
  return { indices, scores };
}

function pairwiseDots(rows: Int8Rows, a: ArrayLike<number>, b: ArrayLike<number>, out: Float32Array): Float32Array {
  const { dim, scales, values } = rows;
  for (let i = 0; i < a.length; i++) {
    const ra = a[i]! * dim;
    for (let j = 0; j < b.length; j++) {
      const rb = b[j]! * dim;
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += values[ra + d]! * values[rb + d]!;
      out[i * b.length + j] = fround(fround(dot) * fround(scales[a[i]!]! * scales[b[j]!]!));
    }
  }
  return out;
}
