#!/usr/bin/env node
// The sequence model at a realistic size: `pocketrec build` trains it on a synthetic 10k-item shop's log (a few
// epochs, to measure training speed and memory, not quality), then the shipped model scores the whole catalogue
// for one visitor as the worker does: onnxruntime-web's WASM backend encodes the history into a hidden state, the
// int8 WASM SIMD kernel scans the item table. Prints numbers; never pass/fail.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build as bundle } from 'vite';

const root = resolve(import.meta.dirname, '..');
const ITEMS = 10_000;
const VISITORS = 3_000;
const dir = mkdtempSync(join(tmpdir(), 'pocketrec-seq-bench-'));
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
writeFileSync(join(dir, 'items.ndjson'), Array.from({ length: ITEMS }, (_, i) => JSON.stringify({ id: `i${i}`, title: `item ${i}`, category: `c${i % 50}` })).join('\n'));
const log = ['userId,itemId,type,timestamp'];
for (let u = 0; u < VISITORS; u++) {
  // Visitors browse within a neighbourhood of the catalogue: something for the model to learn.
  let item = Math.floor(rand() * ITEMS);
  for (let k = 0, n = 5 + Math.floor(rand() * 30); k < n; k++) {
    log.push(`u${u},i${item},view,${1_700_000_000_000 + u * 1e6 + k * 1000}`);
    item = (item + 1 + Math.floor(rand() * 5)) % ITEMS;
  }
}
writeFileSync(join(dir, 'log.csv'), log.join('\n'));

const started = performance.now();
const build = spawnSync(process.execPath, [join(root, 'packages/cli/dist/pocketrec.js'), 'build', '--items', join(dir, 'items.ndjson'), '--interactions', join(dir, 'log.csv'), '--out', join(dir, 'site'), '--encoder', 'lexical', '--sequence-epochs', '3'], { encoding: 'utf8' });
if (build.status !== 0) throw new Error(build.stderr);
const epochs = [...build.stderr.matchAll(/epoch \d+\/3 .*?([\d.]+) s\/epoch/g)].map((m) => Number(m[1]));
const rss = build.stderr.match(/done in .*peak RSS (\d+) MB/)?.[1];
const manifest = JSON.parse(readFileSync(join(dir, 'site/catalog.json'), 'utf8'));

// The model's TypeScript (sequence, kernel, table decoder) bundled for Node once, as bench/kernel.mjs does.
const bundled = join(dir, 'bundle');
writeFileSync(join(dir, 'entry.ts'), ['sequence', 'vector', 'catalog'].map((m) => `export * from ${JSON.stringify(join(root, 'src', m, 'index.ts'))};`).join('\n'));
await bundle({
  configFile: false,
  logLevel: 'warn',
  root,
  build: { outDir: bundled, emptyOutDir: true, minify: false, lib: { entry: join(dir, 'entry.ts'), formats: ['es'], fileName: () => 'model.mjs' }, rollupOptions: { external: [/^onnxruntime/] } },
});
const lib = await import(pathToFileURL(join(bundled, 'model.mjs')).href);
const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const kernel = await lib.loadVectorKernel();
const ref = manifest.sequence;
const tableFile = readFileSync(join(dir, 'site', ref.table.url));
const table = lib.decodeEmbeddings(tableFile.buffer.slice(tableFile.byteOffset, tableFile.byteOffset + tableFile.byteLength), ITEMS, ref.table.dim, 'int8', ref.table.url, (n, d) => kernel.allocate(n, d));
const model = await lib.createSequenceModel({ model: readFileSync(join(dir, 'site/sequence.onnx')), table, maxLen: ref.maxLen }, { ort, devices: ['wasm'], kernel });
const history = Array.from({ length: ref.maxLen }, (_, i) => (i * 37) % ITEMS);
const samples = [];
for (let i = 0; i < 300; i++) {
  const t = performance.now();
  await model.score(history);
  if (i >= 50) samples.push(performance.now() - t);
}
await model.dispose();
samples.sort((a, b) => a - b);
const q = (p) => samples[Math.floor(p * (samples.length - 1))].toFixed(2);
console.log(`sequence model: ${ITEMS} items, ${VISITORS} visitors (${log.length - 1} events), maxLen ${manifest.sequence.maxLen}`);
console.log(`  training (TF.js WASM, one thread): ${epochs.map((e) => `${e.toFixed(1)} s`).join(', ')} per epoch; build peak RSS ${rss} MB; build total ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(`  model files: ${(ref.bytes / 1e6).toFixed(2)} MB ONNX graph + ${(ref.table.bytes / 1e6).toFixed(2)} MB int8 item table`);
console.log(`  scoring every item for one visitor (onnxruntime-web WASM hidden state + ${kernel.kind} kernel scan, Node, one thread): p50 ${q(0.5)} ms, p95 ${q(0.95)} ms`);
rmSync(dir, { recursive: true, force: true });
