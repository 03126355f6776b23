import { beforeAll, describe, expect, it } from 'vitest';
import { exportSasrecOnnx } from '../../src/cli/sequence/export-onnx';
import { scoreNext, toParams, type SasrecConfig, type Weights } from '../../src/cli/sequence/sasrec';
import { loadTf } from '../../src/cli/sequence/tf';
import { trainSasrec } from '../../src/cli/sequence';
import { createSequenceModel } from '../../src/onnx';
import { writeInput } from '../../src/sequence';

const ITEMS = 300;
const config = { maxLen: 20, dim: 32, blocks: 2, dropout: 0.1 };

function random(seed: number) {
  let a = seed;
  return () => ((a = (a * 1103515245 + 12345) % 2147483648) / 2147483648);
}

/** Walks of varying stride, so the model has something to learn and the scores spread out. */
function walks(count: number, seed: number): number[][] {
  const r = random(seed);
  return Array.from({ length: count }, () => {
    const stride = 1 + Math.floor(r() * 3);
    let item = Math.floor(r() * ITEMS);
    return Array.from({ length: 2 + Math.floor(r() * 30) }, () => (item = (item + stride) % ITEMS));
  });
}

describe('SASRec exported to ONNX', () => {
  let trained: { config: SasrecConfig; weights: Weights };
  const heldOut = walks(200, 99);
  let reference: Float32Array[];

  beforeAll(async () => {
    const train = walks(400, 1);
    trained = await trainSasrec({ itemCount: ITEMS, sequences: train, valid: train.slice(0, 50).map((s) => ({ history: s.slice(0, -1), target: s[s.length - 1]! })) }, { model: config, epochs: 6, batchSize: 64, learningRate: 0.005, patience: 6, seed: 3 });
    const tf = await loadTf();
    const params = toParams(tf, trained.config, trained.weights);
    const input = new Int32Array(heldOut.length * config.maxLen);
    heldOut.forEach((h, k) => writeInput(h, config.maxLen, input, k * config.maxLen));
    const scores = scoreNext(tf, params, trained.config, input, heldOut.length);
    const data = scores.dataSync() as Float32Array;
    reference = heldOut.map((_, k) => data.slice(k * ITEMS, (k + 1) * ITEMS));
    tf.dispose([scores, ...params.values()]);
  }, 120_000);

  const onnxScores = async (dtype: 'float32' | 'int8') => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const model = await createSequenceModel({ model: exportSasrecOnnx(trained.config, trained.weights, dtype), itemCount: ITEMS, maxLen: config.maxLen }, { ort, devices: ['wasm'] });
    const out: Float32Array[] = [];
    for (const h of heldOut) out.push(await model.score(h));
    await model.dispose();
    return out;
  };

  it('float32: the same scores as TF.js (max abs difference ≤ 1e-3) on 200 held-out sequences', async () => {
    const scores = await onnxScores('float32');
    let worst = 0;
    scores.forEach((row, k) => row.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - reference[k]![i]!)))));
    expect(worst).toBeLessThanOrEqual(1e-3);
    // The model is not trivially flat: scores really differ between items.
    expect(Math.max(...reference[0]!) - Math.min(...reference[0]!)).toBeGreaterThan(1);
  });

  it('int8: the same top 10 (overlap ≥ 0.95) on 200 held-out sequences', async () => {
    const scores = await onnxScores('int8');
    const top = (row: Float32Array) => new Set(Array.from(row.keys()).sort((a, b) => row[b]! - row[a]!).slice(0, 10));
    let shared = 0;
    scores.forEach((row, k) => {
      const want = top(reference[k]!);
      for (const i of top(row)) if (want.has(i)) shared++;
    });
    expect(shared / (10 * heldOut.length)).toBeGreaterThanOrEqual(0.95);
  });

  it('scores short histories identically with fewer positions (padding is masked everywhere)', async () => {
    const tf = await loadTf();
    const params = toParams(tf, trained.config, trained.weights);
    const short = heldOut.map((h, k) => [h, k] as const).filter(([h]) => h.length <= 8);
    expect(short.length).toBeGreaterThan(5);
    const input = new Int32Array(short.length * 8);
    short.forEach(([h], k) => writeInput(h, 8, input, k * 8));
    const scores = scoreNext(tf, params, trained.config, input, short.length, 8);
    const data = scores.dataSync() as Float32Array;
    let worst = 0;
    short.forEach(([, index], k) => reference[index]!.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - data[k * ITEMS + i]!)))));
    expect(worst).toBeLessThan(1e-4);
    tf.dispose([scores, ...params.values()]);
  });

  it('int8 stores the item table (most of a real model) in about a quarter of the bytes', () => {
    const f32 = exportSasrecOnnx(trained.config, trained.weights, 'float32').byteLength;
    const int8 = exportSasrecOnnx(trained.config, trained.weights, 'int8').byteLength;
    const table = (ITEMS + 1) * config.dim * 4;
    expect(f32 - int8).toBeGreaterThan(0.7 * table);
  });
});
