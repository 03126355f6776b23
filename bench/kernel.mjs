#!/usr/bin/env node
// The int8 kernels alone: topK(k = 10) over N × d rows with 1 and with 4 fused queries, WASM SIMD and plain JS
// side by side in one run and interleaved, p50/p95, and the rows' bytes per ms against the ~12 GB/s that one core
// can stream (the bound issue 14 cites). Also the cost of quantizing queries to int8. Prints numbers; never
// pass/fail. `node bench/kernel.mjs [--quick]` (quick: 10 k and 100 k only).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
const BOUND_BYTES_PER_MS = 12e9 / 1e3;

// The kernels are TypeScript: bundle src/vector for Node once, then import it.
const out = mkdtempSync(join(tmpdir(), 'pocketrec-kernel-bench-'));
await build({
  configFile: false,
  logLevel: 'warn',
  root,
  build: {
    outDir: out,
    emptyOutDir: true,
    minify: false,
    lib: { entry: join(root, 'src/vector/index.ts'), formats: ['es'], fileName: () => 'vector.mjs' },
  },
});
const vector = await import(pathToFileURL(join(out, 'vector.mjs')).href);
rmSync(out, { recursive: true, force: true });

let seed = 12345;
const next = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
};

function fillRows(rows) {
  const words = new Int32Array(rows.values.buffer, rows.values.byteOffset, rows.values.length >> 2);
  for (let i = 0; i < words.length; i++) words[i] = next();
  for (let i = 0; i < rows.scales.length; i++) rows.scales[i] = 0.002 + (next() / 2 ** 32) * 0.01;
}

function randomQuery(dim, weight, positiveOnly = false) {
  return { vector: Float32Array.from({ length: dim }, () => next() / 2 ** 31 - 1), weight, positiveOnly };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

function measure(run, reps) {
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  return times;
}

// Query rounding cost: the fused int8 score against the f32 dot of the same int8 rows with the unquantized query,
// next to the rows' own rounding (f32 rows against their int8 copy), random unit vectors.
function unit(dim) {
  const v = Float32Array.from({ length: dim }, () => next() / 2 ** 31 - 1);
  return vector.normalize(v);
}
console.log('query rounding (random unit vectors, 20 k rows, 200 queries)');
const js = vector.createJsKernel();
for (const dim of [256, 512]) {
  const count = 20_000;
  const f32 = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) f32.set(unit(dim), r * dim);
  const q8 = vector.quantizeRows(f32, dim);
  const rows = js.allocate(count, dim);
  rows.values.set(q8.values);
  rows.scales.set(q8.scales);
  const deq = vector.dequantizeRows(q8);
  let queryErr = 0;
  let queryMax = 0;
  let rowErr = 0;
  let spread = 0;
  let n = 0;
  for (let t = 0; t < 200; t++) {
    const q = unit(dim);
    const fused = js.score(rows, [{ vector: q, weight: 1 }]);
    for (let r = 0; r < count; r += 10) {
      const exact = vector.dotRow(deq, r, q);
      const e = Math.abs(fused[r] - exact);
      queryErr += e;
      queryMax = Math.max(queryMax, e);
      rowErr += Math.abs(vector.dotRow(f32, r, q) - exact);
      spread += exact * exact;
      n++;
    }
  }
  console.log(
    `  dim ${dim}: query int8 rounding mean |err| ${(queryErr / n).toFixed(5)} (max ${queryMax.toFixed(5)}), ` +
      `rows' own int8 rounding ${(rowErr / n).toFixed(5)}, dot products' std ${Math.sqrt(spread / n).toFixed(4)}`,
  );
}

const sizes = quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const wasm = await vector.loadVectorKernel();
if (wasm.kind !== 'wasm-simd') throw new Error(`no WASM SIMD kernel here: ${wasm.fallbackReason}`);
console.log(`\ntopK(k = 10), node ${process.version}, interleaved WASM/JS rounds; bound = int8 bytes ÷ 12 GB/s`);
console.log('| rows × dims | queries | WASM p50 / p95 ms | JS p50 / p95 ms | JS ÷ WASM | WASM GB/s | WASM ÷ bound |');
console.log('|---|---|---|---|---|---|---|');
for (const dim of [256, 512]) {
  for (const count of sizes) {
    // Each size gets a fresh WASM kernel (its own memory), so the 1 M × 512 matrix is the only big one alive.
    const kernel = await vector.loadVectorKernel();
    const a = kernel.allocate(count, dim);
    fillRows(a);
    const b = js.allocate(count, dim);
    b.values.set(a.values);
    b.scales.set(a.scales);
    for (const nq of [1, 4]) {
      const queries = [randomQuery(dim, 1), randomQuery(dim, 0.5), randomQuery(dim, 0.4, true), randomQuery(dim, -0.3)].slice(0, nq);
      const check = kernel.topK(a, queries, 10);
      const reference = js.topK(b, queries, 10);
      if (check.indices.join() !== reference.indices.join()) throw new Error('WASM and JS disagree');
      const bytes = count * dim;
      const wasmReps = Math.max(10, Math.min(200, Math.round(2e9 / (bytes * nq))));
      const jsReps = Math.max(3, Math.round(wasmReps / 15));
      const wasmTimes = [];
      const jsTimes = [];
      // Interleave in rounds so that load on the shared machine hits both alike.
      for (let round = 0; round < jsReps; round++) {
        wasmTimes.push(...measure(() => kernel.topK(a, queries, 10), Math.ceil(wasmReps / jsReps)));
        jsTimes.push(...measure(() => js.topK(b, queries, 10), 1));
      }
      wasmTimes.sort((x, y) => x - y);
      jsTimes.sort((x, y) => x - y);
      const w50 = percentile(wasmTimes, 0.5);
      const j50 = percentile(jsTimes, 0.5);
      const bound = bytes / BOUND_BYTES_PER_MS;
      console.log(
        `| ${count.toLocaleString('en')} × ${dim} | ${nq} | ${w50.toFixed(2)} / ${percentile(wasmTimes, 0.95).toFixed(2)} | ` +
          `${j50.toFixed(1)} / ${percentile(jsTimes, 0.95).toFixed(1)} | ${(j50 / w50).toFixed(1)}× | ` +
          `${(bytes / w50 / 1e6).toFixed(1)} | ${(w50 / bound).toFixed(2)}× |`,
      );
    }
  }
}
