import { beforeAll, describe, expect, it } from 'vitest';
import { isPocketRecError } from '../../src/errors';
import { createJsKernel, loadVectorKernel, quantizeRows, type Int8Rows, type ScanQuery, type VectorKernel } from '../../src/vector';
import { seededRandom as random } from '../helpers/random';


function fill(kernel: VectorKernel, count: number, dim: number, seed: number): Int8Rows {
  const next = random(seed);
  const rows = kernel.allocate(count, dim);
  for (let i = 0; i < count * dim; i++) rows.values[i] = Math.round(next() * 254) - 127;
  for (let i = 0; i < count; i++) rows.scales[i] = i % 13 === 5 ? 0 : 0.001 + next() * 0.02;
  return rows;
}

/** The same matrix in both kernels' memory. */
function pair(wasm: VectorKernel, js: VectorKernel, count: number, dim: number, seed: number): [Int8Rows, Int8Rows] {
  const a = fill(wasm, count, dim, seed);
  const b = fill(js, count, dim, seed);
  return [a, b];
}

function query(dim: number, seed: number, weight: number, positiveOnly = false): ScanQuery {
  const next = random(seed);
  return { vector: Float32Array.from({ length: dim }, () => next() * 2 - 1), weight, positiveOnly };
}

/** Query sets as the ranking uses them: taste alone; taste, session, intent, negative; more than four. */
function querySets(dim: number, seed: number): ScanQuery[][] {
  return [
    [],
    [query(dim, seed, 1)],
    [query(dim, seed, 0.6), query(dim, seed + 1, 0.3), query(dim, seed + 2, 0.5, true), query(dim, seed + 3, -0.4)],
    Array.from({ length: 7 }, (_, q) => query(dim, seed + 10 + q, (q % 3) - 0.7, q % 2 === 0)),
  ];
}

/** Bit-for-bit equality, NaN and -0 included. */
function bits(values: Float32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

function sortedTopK(scores: Float32Array, k: number, skip?: Uint8Array): number[] {
  return Array.from(scores.keys())
    .filter((i) => Number.isFinite(scores[i]!) && !(skip && skip[i] !== 0))
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, k);
}

/** A per-row bias as ranking passes one (popularity, trend): small, with exact zeros among it. */
function biasFor(count: number, seed: number): Float32Array {
  const next = random(seed * 31 + 7);
  return Float32Array.from({ length: count }, (_, i) => (i % 5 === 0 ? 0 : next() * 0.3 - 0.05));
}

const DIMS = [1, 3, 15, 16, 17, 31, 32, 33, 48, 100, 256, 300, 512];
const COUNTS = [0, 1, 2, 7, 130];

let wasm: VectorKernel;
const js = createJsKernel();

beforeAll(async () => {
  wasm = await loadVectorKernel();
});

describe('loadVectorKernel', () => {
  it('loads the WASM SIMD kernel where SIMD validates (Node has it) and JS on request', async () => {
    expect(wasm.kind).toBe('wasm-simd');
    expect(wasm.fallbackReason).toBeUndefined();
    expect((await loadVectorKernel({ prefer: 'js' })).kind).toBe('js');
  });
  it('rejects an unknown preference with a coded error', async () => {
    await expect(loadVectorKernel({ prefer: 'gpu' as never })).rejects.toSatisfy((e) => isPocketRecError(e, 'invalid-option'));
  });
});

describe('WASM and JS kernels agree bit for bit', () => {
  it('score() over many sizes, dims not a multiple of 16, negative and positive-only queries', () => {
    let seed = 1;
    for (const dim of DIMS) {
      for (const count of COUNTS) {
        const [a, b] = pair(wasm, js, count, dim, seed++);
        for (const queries of querySets(dim, seed++)) {
          const w = wasm.score(a, queries);
          const j = js.score(b, queries);
          expect(w.length).toBe(count);
          expect(bits(w), `dim ${dim} count ${count} queries ${queries.length}`).toEqual(bits(j));
          const bias = biasFor(count, seed);
          expect(bits(wasm.score(a, queries, undefined, bias)), `with bias, dim ${dim} count ${count}`).toEqual(bits(js.score(b, queries, undefined, bias)));
        }
      }
    }
  });

  it('topK() with k 0, 1, 5, count and beyond, with and without skip masks', () => {
    let seed = 500;
    for (const dim of [7, 16, 33, 256]) {
      for (const count of COUNTS) {
        const [a, b] = pair(wasm, js, count, dim, seed++);
        const next = random(seed++);
        const skip = Uint8Array.from({ length: count }, () => (next() < 0.3 ? 1 + Math.floor(next() * 200) : 0));
        for (const queries of querySets(dim, seed++)) {
          for (const k of [0, 1, 5, count, count + 5]) {
            for (const mask of [undefined, skip]) {
              for (const bias of [undefined, biasFor(count, seed)]) {
                const w = wasm.topK(a, queries, k, mask, bias);
                const j = js.topK(b, queries, k, mask, bias);
                expect(Array.from(w.indices)).toEqual(Array.from(j.indices));
                expect(bits(w.scores)).toEqual(bits(j.scores));
              }
            }
          }
        }
      }
    }
  });

  it('scan() keeps topK()\'s best and selects every row above a floor as score() scores it, in both kernels', () => {
    let seed = 700;
    for (const dim of [7, 33, 256]) {
      for (const count of COUNTS) {
        const [a, b] = pair(wasm, js, count, dim, seed++);
        const next = random(seed++);
        const skip = Uint8Array.from({ length: count }, () => (next() < 0.3 ? 1 : 0));
        for (const queries of querySets(dim, seed++)) {
          for (const k of [0, 1, 5, count + 5]) {
            for (const mask of [undefined, skip]) {
              const bias = biasFor(count, seed);
              const dense = js.score(b, queries, undefined, bias);
              const w = wasm.scan(a, queries, k, mask, bias);
              const j = js.scan(b, queries, k, mask, bias);
              const top = wasm.topK(a, queries, k, mask, bias);
              expect(Array.from(w.indices)).toEqual(Array.from(top.indices));
              expect(bits(w.scores)).toEqual(bits(top.scores));
              expect(Array.from(j.indices)).toEqual(Array.from(top.indices));
              // The topK() call above overwrote the WASM scan's kept scores: it must say so, not answer garbage.
              expect(() => w.above(-Infinity)).toThrow(/later kernel call/);
              const again = wasm.scan(a, queries, k, mask, bias);
              const sorted = Array.from(dense).filter((s, i) => Number.isFinite(s) && !(mask && mask[i])).sort((x, y) => x - y);
              for (const floor of [-Infinity, sorted[Math.floor(sorted.length / 2)] ?? 0, sorted[sorted.length - 1] ?? 0, Infinity]) {
                const expected = Array.from(dense.keys()).filter((i) => Number.isFinite(dense[i]!) && dense[i]! >= floor && !(mask && mask[i]));
                const wa = again.above(floor);
                const ja = j.above(floor);
                expect(Array.from(wa.indices), `dim ${dim} count ${count} floor ${floor}`).toEqual(expected);
                expect(Array.from(ja.indices)).toEqual(expected);
                expect(bits(wa.scores)).toEqual(bits(Float32Array.from(expected, (i) => dense[i]!)));
                expect(bits(ja.scores)).toEqual(bits(wa.scores));
              }
              expect(() => again.above(NaN)).toThrow(/floor is NaN/);
              expect(() => j.above(NaN)).toThrow(/floor is NaN/);
              // Kept scores read back by row, repeated and unordered rows included: score()'s bits, NaN if skipped.
              const rowsOf = count === 0 ? [] : [count - 1, 0, Math.floor(count / 2), 0];
              const kept = Float32Array.from(rowsOf, (i) => (mask && mask[i] ? NaN : dense[i]!));
              expect(bits(again.scoresOf(rowsOf)), `dim ${dim} count ${count}`).toEqual(bits(kept));
              expect(bits(j.scoresOf(rowsOf))).toEqual(bits(kept));
              expect(() => again.scoresOf([count])).toThrow(/outside the/);
              wasm.topK(a, queries, k, mask, bias);
              expect(() => again.scoresOf(rowsOf)).toThrow(/later kernel call/);
            }
          }
        }
      }
    }
  });

  it('scoreRows() gives the rows what score() gives them, in both kernels', () => {
    let seed = 900;
    for (const dim of [3, 16, 33, 256]) {
      const [a, b] = pair(wasm, js, 130, dim, seed++);
      const indices = [129, 0, 7, 7, 64, 3];
      for (const queries of querySets(dim, seed++)) {
        for (const bias of [undefined, biasFor(130, seed)]) {
          const full = js.score(b, queries, undefined, bias);
          const picked = Float32Array.from(indices, (i) => full[i]!);
          expect(bits(js.scoreRows(b, queries, indices, undefined, bias))).toEqual(bits(picked));
          expect(bits(wasm.scoreRows(a, queries, indices, undefined, bias))).toEqual(bits(picked));
        }
      }
    }
  });

  it('dots() on pairs, including a row with itself', () => {
    for (const dim of [5, 16, 40, 512]) {
      const [a, b] = pair(wasm, js, 60, dim, dim);
      const left = [0, 3, 59, 17, 17];
      const right = [59, 0, 8, 17, 5, 44];
      expect(bits(wasm.dots(a, left, right))).toEqual(bits(js.dots(b, left, right)));
    }
  });
});

describe('topK is exact', () => {
  for (const kind of ['wasm', 'js'] as const) {
    it(`${kind}: equals a sort of score(), skipped rows out, best first`, () => {
      const kernel = kind === 'wasm' ? wasm : js;
      const rows = fill(kernel, 3000, 96, 77);
      const queries = querySets(96, 78)[2]!;
      const scores = kernel.score(rows, queries);
      const skip = Uint8Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? 1 : 0));
      for (const k of [1, 10, 100, 2999]) {
        const top = kernel.topK(rows, queries, k, skip);
        const expected = sortedTopK(scores, k, skip);
        expect(Array.from(top.indices)).toEqual(expected);
        expect(Array.from(top.scores)).toEqual(expected.map((i) => scores[i]!));
      }
      const bias = biasFor(3000, 79);
      const biased = kernel.score(rows, queries, undefined, bias);
      expect(Array.from(kernel.topK(rows, queries, 50, skip, bias).indices)).toEqual(sortedTopK(biased, 50, skip));
    });

    it(`${kind}: ties go to the lower index`, () => {
      const kernel = kind === 'wasm' ? wasm : js;
      // 40 rows made of 4 distinct rows repeated: every score appears ten times.
      const rows = kernel.allocate(40, 20);
      const next = random(9);
      const distinct = Array.from({ length: 4 }, () => Array.from({ length: 20 }, () => Math.round(next() * 254) - 127));
      for (let i = 0; i < 40; i++) {
        rows.values.set(distinct[i % 4]!, i * 20);
        rows.scales[i] = 0.01;
      }
      const queries = [query(20, 10, 1)];
      const scores = kernel.score(rows, queries);
      for (const k of [3, 10, 15, 40]) {
        expect(Array.from(kernel.topK(rows, queries, k).indices)).toEqual(sortedTopK(scores, k));
      }
    });

    it(`${kind}: never returns non-finite scores`, () => {
      const kernel = kind === 'wasm' ? wasm : js;
      const rows = fill(kernel, 50, 24, 5);
      rows.scales[3] = Number.NaN;
      rows.scales[10] = Number.POSITIVE_INFINITY;
      rows.scales[11] = Number.NEGATIVE_INFINITY;
      const queries = [query(24, 6, 1)];
      const top = kernel.topK(rows, queries, 50);
      expect(top.indices.length).toBe(47);
      expect(Array.from(top.indices)).not.toContain(3);
      expect(top.scores.every(Number.isFinite)).toBe(true);
    });
  }
});

describe('what the scores mean', () => {
  it('the fused score is the f32 math on the int8 rows, up to the query rounding', () => {
    const rows = fill(js, 200, 64, 3);
    const queries = querySets(64, 4)[2]!;
    const scores = js.score(rows, queries);
    for (let i = 0; i < 200; i++) {
      let expected = 0;
      let bound = 1e-5;
      for (const q of queries) {
        const step = Math.max(...q.vector.map(Math.abs)) / 127;
        let d = 0;
        for (let j = 0; j < 64; j++) {
          const value = rows.values[i * 64 + j]! * rows.scales[i]!;
          d += value * q.vector[j]!;
          // Each query lane is off by at most half a quantization step.
          bound += (Math.abs(q.weight * value) * step) / 2;
        }
        expected += q.weight * (q.positiveOnly ? Math.max(0, d) : d);
      }
      expect(Math.abs(scores[i]! - expected)).toBeLessThanOrEqual(bound);
    }
  });

  it('dots(i, j) matches score() of row i against row j as a query', () => {
    for (const kernel of [wasm, js]) {
      const rows = fill(kernel, 30, 50, 12);
      // As quantizeRows makes them: each row reaches ±127, so a row re-quantized as a query keeps its integers.
      for (let r = 0; r < 30; r++) rows.values[r * 50 + (r % 50)] = r % 2 ? 127 : -127;
      const left = [1, 2, 29];
      const right = [0, 7];
      const out = kernel.dots(rows, left, right);
      right.forEach((r, j) => {
        const vector = Float32Array.from({ length: 50 }, (_, d) => rows.values[r * 50 + d]! * rows.scales[r]!);
        const scores = kernel.score(rows, [{ vector, weight: 1 }]);
        left.forEach((l, i) => expect(out[i * right.length + j]).toBeCloseTo(scores[l]!, 5));
      });
    }
  });
});

describe('WASM memory', () => {
  it('rows stay valid and scannable after later allocations grow the memory', () => {
    const kernel = wasm;
    const small = fill(kernel, 10, 32, 20);
    const before = Array.from(small.values);
    const queries = [query(32, 21, 1)];
    const scoresBefore = bits(kernel.score(small, queries));
    // 40 MB more: several growths of the memory, each detaching the old buffer.
    kernel.allocate(20_000, 2000);
    expect(Array.from(small.values)).toEqual(before);
    expect(bits(kernel.score(small, queries))).toEqual(scoresBefore);
  });
  it('quantizes float rows straight into kernel memory, zero rows included, as into plain arrays', async () => {
    const kernel = await loadVectorKernel();
    const floats = Float32Array.from({ length: 6 * 24 }, (_, i) => (Math.floor(i / 24) === 2 ? 0 : Math.sin(i * 1.7)));
    const plain = quantizeRows(floats, 24);
    // Memory that held another matrix first: the zero row must be written, not left as it was.
    const dirty = kernel.allocate(6, 24);
    dirty.values.fill(77);
    kernel.release(dirty);
    const placed = quantizeRows(floats, 24, kernel.allocate);
    expect(Array.from(placed.values)).toEqual(Array.from(plain.values));
    expect(bits(placed.scales)).toEqual(bits(plain.scales));
    const queries = [query(24, 5, 1)];
    expect(bits(kernel.score(placed, queries))).toEqual(bits(createJsKernel().score(plain, queries)));
  });
});

describe('bad input is refused with a coded error', () => {
  const coded = (run: () => unknown, pattern: RegExp) => {
    try {
      run();
    } catch (error) {
      expect(isPocketRecError(error, 'invalid-option')).toBe(true);
      expect((error as Error).message).toMatch(pattern);
      return;
    }
    throw new Error('expected a PocketRecError');
  };
  for (const kind of ['wasm', 'js'] as const) {
    it(kind, () => {
      const kernel = kind === 'wasm' ? wasm : js;
      const rows = fill(kernel, 8, 16, 1);
      coded(() => kernel.score(rows, [query(15, 1, 1)]), /query 0 has 15 values but the rows have dim 16/);
      coded(() => kernel.topK(rows, [{ vector: new Float32Array(16).fill(Number.NaN), weight: 1 }], 3), /finite/);
      coded(() => kernel.topK(rows, [query(16, 1, Number.POSITIVE_INFINITY)], 3), /weight/);
      coded(() => kernel.topK(rows, [query(16, 1, 1)], 3, new Uint8Array(7)), /skip has length 7, expected 8/);
      coded(() => kernel.topK(rows, [query(16, 1, 1)], -1), /k is -1/);
      coded(() => kernel.score(rows, [query(16, 1, 1)], new Float32Array(3)), /out has length 3/);
      coded(() => kernel.dots(rows, [0, 8], [1]), /a\[1\] is 8, outside the 8 rows/);
      coded(() => kernel.allocate(-1, 16), /cannot allocate -1 rows of dim 16/);
      coded(() => kernel.allocate(2, 200_000), /dim one from 1 to 131072/);
      const malformed = { dim: 4, scales: new Float32Array(2), values: new Int8Array(7) };
      if (kind === 'js') coded(() => kernel.score(malformed, []), /hold 7 values for 2 scales of dim 4/);
    });
  }
  it('the WASM kernel refuses rows it did not allocate instead of copying them', () => {
    coded(() => wasm.score(fill(js, 4, 16, 1), []), /not allocated by this WASM kernel/);
  });
});
