import { describe, expect, it } from 'vitest';
import { createJsKernel, loadVectorKernel, type ScanQuery } from '../../src/vector';

/** The WASM SIMD kernel in real Chromium: it loads (no fallback) and its results equal the JS kernel's bits. */
describe('vector kernel in Chromium', () => {
  it('loads WASM SIMD and agrees with the JS kernel on score, topK and dots', async () => {
    const wasm = await loadVectorKernel();
    expect(wasm.fallbackReason).toBeUndefined();
    expect(wasm.kind).toBe('wasm-simd');
    const js = createJsKernel();
    let seed = 42;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const [count, dim] of [
      [0, 16],
      [1, 5],
      [257, 33],
      [2000, 256],
    ] as const) {
      const a = wasm.allocate(count, dim);
      const b = js.allocate(count, dim);
      for (let i = 0; i < count * dim; i++) a.values[i] = b.values[i] = Math.round(next() * 254) - 127;
      for (let i = 0; i < count; i++) a.scales[i] = b.scales[i] = 0.001 + next() * 0.01;
      const queries: ScanQuery[] = [1, 0.5, 0.3, -0.4].map((weight, q) => ({
        vector: Float32Array.from({ length: dim }, () => next() * 2 - 1),
        weight,
        positiveOnly: q === 2,
      }));
      const skip = Uint8Array.from({ length: count }, (_, i) => (i % 5 === 0 ? 1 : 0));
      const bits = (v: Float32Array) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));
      expect(bits(wasm.score(a, queries))).toEqual(bits(js.score(b, queries)));
      const w = wasm.topK(a, queries, 10, skip);
      const j = js.topK(b, queries, 10, skip);
      expect(Array.from(w.indices)).toEqual(Array.from(j.indices));
      expect(bits(w.scores)).toEqual(bits(j.scores));
      expect(w.indices.length).toBe(Math.min(10, count - Math.ceil(count / 5)));
      if (count > 3) expect(bits(wasm.dots(a, [0, 1, 2], [3, 1]))).toEqual(bits(js.dots(b, [0, 1, 2], [3, 1])));
    }
  });

  it('reuses released matrices: ten catalogue swaps do not grow the memory, and released rows are refused', async () => {
    const wasm = await loadVectorKernel();
    const fill = (rows: ReturnType<typeof wasm.allocate>, v: number) => (rows.values.fill(v), rows.scales.fill(0.01));
    const query: ScanQuery[] = [{ vector: Float32Array.from({ length: 64 }, () => 1), weight: 1 }];
    let live = wasm.allocate(5000, 64);
    fill(live, 1);
    const next = wasm.allocate(5000, 64);
    fill(next, 2);
    wasm.release(live);
    live = next;
    const grown = live.values.buffer.byteLength;
    for (let swap = 0; swap < 10; swap++) {
      const fresh = wasm.allocate(5000, 64);
      fill(fresh, 3 + swap);
      // The live matrix is untouched by the new one placed in released memory.
      expect(live.values.every((x) => x === (swap === 0 ? 2 : 2 + swap))).toBe(true);
      wasm.release(live);
      live = fresh;
    }
    // Memory is reused, not grown: the swaps fit in what two catalogues took.
    expect(live.values.buffer.byteLength).toBe(grown);
    expect(wasm.topK(live, query, 3).indices).toHaveLength(3);
    const gone = wasm.allocate(10, 64);
    wasm.release(gone);
    expect(() => wasm.score(gone, query)).toThrow(/not allocated by this WASM kernel/);
  });

  it('loads WASM SIMD inside a module Web Worker, where the engine runs it', async () => {
    const worker = new Worker(new URL('./vector-kernel.worker.ts', import.meta.url), { type: 'module' });
    try {
      const result = await new Promise<{ kind: string; fallbackReason: string | null; wasm: number[]; js: number[]; sameScores: boolean }>(
        (resolve, reject) => {
          worker.onmessage = (event) => resolve(event.data);
          worker.onerror = (event) => reject(new Error(event.message));
          worker.postMessage({ count: 5000, dim: 100 });
        },
      );
      expect(result.fallbackReason).toBeNull();
      expect(result.kind).toBe('wasm-simd');
      expect(result.wasm).toHaveLength(20);
      expect(result.wasm).toEqual(result.js);
      expect(result.sameScores).toBe(true);
    } finally {
      worker.terminate();
    }
  });
});
