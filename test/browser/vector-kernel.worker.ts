// Runs in a module Web Worker, where the engine uses the kernel: loads it and checks it against the JS kernel.
import { createJsKernel, loadVectorKernel } from '../../src/vector';

self.onmessage = async (event: MessageEvent<{ count: number; dim: number }>) => {
  const { count, dim } = event.data;
  const wasm = await loadVectorKernel();
  const js = createJsKernel();
  const a = wasm.allocate(count, dim);
  const b = js.allocate(count, dim);
  for (let i = 0; i < count * dim; i++) a.values[i] = b.values[i] = ((i * 7919) % 255) - 127;
  for (let i = 0; i < count; i++) a.scales[i] = b.scales[i] = 0.001 + (i % 17) * 0.0005;
  const queries = [1, -0.5].map((weight, q) => ({
    vector: Float32Array.from({ length: dim }, (_, i) => Math.sin(i * (q + 1.3))),
    weight,
  }));
  const w = wasm.topK(a, queries, 20);
  const j = js.topK(b, queries, 20);
  self.postMessage({
    kind: wasm.kind,
    fallbackReason: wasm.fallbackReason ?? null,
    wasm: Array.from(w.indices),
    js: Array.from(j.indices),
    sameScores: w.scores.every((s, i) => Object.is(s, j.scores[i])),
  });
};
