// The bench's yardstick: an exact int8 top-10 scan of an N × d matrix, in a worker like the engine's, with the same
// WASM SIMD kernel and nothing else (no profile, no features, no candidates). Recommend is measured against it.
import { loadVectorKernel } from '../../src/vector';

let scan: (() => number) | undefined;

self.onmessage = async ({ data }: MessageEvent<{ count: number; dim: number } | { run: number }>) => {
  if ('count' in data) {
    const kernel = await loadVectorKernel();
    const rows = kernel.allocate(data.count, data.dim);
    let seed = 7;
    const next = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const values = rows.values;
    for (let i = 0; i < values.length; i++) values[i] = Math.floor(next() * 255) - 127;
    rows.scales.fill(1 / 127 / Math.sqrt(data.dim));
    const query = Float32Array.from({ length: data.dim }, () => next() * 2 - 1);
    scan = () => {
      const t = performance.now();
      kernel.topK(rows, [{ vector: query, weight: 1 }], 10);
      return performance.now() - t;
    };
    scan();
    postMessage({ ready: true, kind: kernel.kind });
    return;
  }
  const times: number[] = [];
  for (let r = 0; r < data.run; r++) times.push(scan!());
  postMessage({ times });
};
