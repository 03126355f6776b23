#!/usr/bin/env node
// The sequence model at a realistic size: `pocketrec build` trains it on a synthetic 10k-item shop's log (a few
// epochs, to measure training speed and memory, not quality), then onnxruntime-web's WASM backend scores the
// whole catalogue for one visitor, as the worker does. Prints numbers; never pass/fail.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
const rss = build.stderr.match(/peak RSS (\d+) MB/)?.[1];
const manifest = JSON.parse(readFileSync(join(dir, 'site/catalog.json'), 'utf8'));

const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const session = await ort.InferenceSession.create(readFileSync(join(dir, 'site/sequence.onnx')), { executionProviders: ['wasm'], graphOptimizationLevel: 'all', extra: { session: { disable_quant_qdq: '1' } } });
const input = new ort.Tensor('int64', BigInt64Array.from({ length: manifest.sequence.maxLen }, (_, i) => BigInt(1 + ((i * 37) % ITEMS))), [1, manifest.sequence.maxLen]);
const samples = [];
for (let i = 0; i < 300; i++) {
  const t = performance.now();
  const out = await session.run({ items: input });
  await out.scores.getData();
  if (i >= 50) samples.push(performance.now() - t);
}
samples.sort((a, b) => a - b);
const q = (p) => samples[Math.floor(p * (samples.length - 1))].toFixed(2);
console.log(`sequence model: ${ITEMS} items, ${VISITORS} visitors (${log.length - 1} events), maxLen ${manifest.sequence.maxLen}`);
console.log(`  training (TF.js WASM, one thread): ${epochs.map((e) => `${e.toFixed(1)} s`).join(', ')} per epoch; build peak RSS ${rss} MB; build total ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(`  model file: ${(manifest.sequence.bytes / 1e6).toFixed(2)} MB int8 ONNX`);
console.log(`  scoring every item for one visitor (onnxruntime-web WASM, Node, one thread): p50 ${q(0.5)} ms, p95 ${q(0.95)} ms`);
rmSync(dir, { recursive: true, force: true });
