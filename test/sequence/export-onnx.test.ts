import { beforeAll, describe, expect, it } from 'vitest';
import { decodeEmbeddings } from '../../src/catalog';
import { exportItemTable, exportSasrecOnnx } from '../../src/cli/sequence/export-onnx';
import { encode, scoreNext, toParams, type SasrecConfig, type Weights } from '../../src/cli/sequence/sasrec';
import { loadTf } from '../../src/cli/sequence/tf';
import { trainSasrec } from '../../src/cli/sequence';
import { createSequenceModel } from '../../src/onnx';
import { SEQUENCE_INPUT, SEQUENCE_MASK, SEQUENCE_OUTPUT, writeEmbedded, writeInput } from '../../src/sequence';
import { createJsKernel, loadVectorKernel, type VectorKernel } from '../../src/vector';

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
  let referenceHidden: Float32Array[];

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
    const hidden = encode(tf, params, trained.config, input, heldOut.length, null);
    const states = hidden.dataSync() as Float32Array;
    const d = config.dim;
    referenceHidden = heldOut.map((_, k) => states.slice(((k + 1) * config.maxLen - 1) * d, (k + 1) * config.maxLen * d));
    tf.dispose([scores, hidden, ...params.values()]);
  }, 120_000);

  const loadOrt = async () => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    return ort;
  };

  /** The graph alone, fed the float item rows (no int8 anywhere), all held-out sequences in one batch. */
  const onnxHidden = async (): Promise<Float32Array[]> => {
    const ort = await loadOrt();
    const session = await ort.InferenceSession.create(exportSasrecOnnx(trained.config, trained.weights));
    const { maxLen, dim } = config;
    const item = trained.weights.get('item')!;
    // The trained float rows (model row id), placed by writeInput's ids: the graph is checked without int8 rounding.
    const ids = new Int32Array(heldOut.length * maxLen);
    heldOut.forEach((h, k) => writeInput(h, maxLen, ids, k * maxLen));
    const embedded = new Float32Array(ids.length * dim);
    const mask = new Float32Array(ids.length);
    ids.forEach((id, p) => {
      if (id === 0) return;
      for (let j = 0; j < dim; j++) embedded[p * dim + j] = item[id * dim + j]! * Math.sqrt(dim);
      mask[p] = 1;
    });
    const out = await session.run({
      [SEQUENCE_INPUT]: new ort.Tensor('float32', embedded, [heldOut.length, maxLen, dim]),
      [SEQUENCE_MASK]: new ort.Tensor('float32', mask, [heldOut.length, maxLen]),
    });
    const hidden = out[SEQUENCE_OUTPUT]!.data as Float32Array;
    await session.release();
    return heldOut.map((_, k) => hidden.slice(k * dim, (k + 1) * dim));
  };

  /** The shipped path: the int8 table file decoded into the kernel's rows, the graph's hidden state, the kernel's scan. */
  const kernelScores = async (kernel: VectorKernel) => {
    const table = exportItemTable(trained.config, trained.weights);
    const rows = decodeEmbeddings(table.buffer as ArrayBuffer, ITEMS, config.dim, 'int8', 'test', (count, dim) => kernel.allocate(count, dim));
    const model = await createSequenceModel({ model: exportSasrecOnnx(trained.config, trained.weights), table: rows, maxLen: config.maxLen }, { ort: await loadOrt(), devices: ['wasm'], kernel });
    const out: Float32Array[] = [];
    for (const h of heldOut) out.push(await model.score(h));
    await model.dispose();
    return out;
  };

  it('float32: the same hidden state as TF.js (max abs difference ≤ 1e-3) on 200 held-out sequences', async () => {
    const hidden = await onnxHidden();
    let worst = 0;
    hidden.forEach((row, k) => {
      expect(row.length).toBe(config.dim);
      row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - referenceHidden[k]![j]!))));
    });
    expect(worst).toBeLessThanOrEqual(1e-3);
    // The state is not trivially flat: it really differs between histories.
    let spread = 0;
    referenceHidden[0]!.forEach((v, j) => (spread += Math.abs(v - referenceHidden[1]![j]!)));
    expect(spread).toBeGreaterThan(0.1);
    // And the reference logits spread out, so the top-10 comparison below means something.
    expect(Math.max(...reference[0]!) - Math.min(...reference[0]!)).toBeGreaterThan(1);
  });

  const top = (row: Float32Array) => new Set(Array.from(row.keys()).sort((a, b) => row[b]! - row[a]!).slice(0, 10));
  const overlap = (scores: Float32Array[]) => {
    let shared = 0;
    scores.forEach((row, k) => {
      expect(row.length).toBe(ITEMS);
      const want = top(reference[k]!);
      for (const i of top(row)) if (want.has(i)) shared++;
    });
    return shared / (10 * heldOut.length);
  };

  it('int8 table through the WASM SIMD kernel: the same top 10 as TF.js (overlap ≥ 0.95) on 200 held-out sequences', async () => {
    const kernel = await loadVectorKernel();
    expect(kernel.kind).toBe('wasm-simd');
    expect(overlap(await kernelScores(kernel))).toBeGreaterThanOrEqual(0.95);
  });

  it('the plain-JS kernel gives bit-identical logits to the WASM one', async () => {
    const [wasm, js] = [await kernelScores(await loadVectorKernel()), await kernelScores(createJsKernel())];
    wasm.forEach((row, k) => expect(row).toEqual(js[k]));
  });

  it('refuses a history index outside the catalogue, naming it', async () => {
    const kernel = createJsKernel();
    const table = decodeEmbeddings(exportItemTable(trained.config, trained.weights).buffer as ArrayBuffer, ITEMS, config.dim, 'int8', 'test');
    const model = await createSequenceModel({ model: exportSasrecOnnx(trained.config, trained.weights), table, maxLen: config.maxLen }, { ort: await loadOrt(), devices: ['wasm'], kernel });
    await expect(model.score([3, ITEMS])).rejects.toMatchObject({ code: 'invalid-option', details: { field: 'history[1]' } });
    await model.dispose();
  });

  it('writeEmbedded places rows where writeInput places ids (left padding, the latest last, long histories cut)', () => {
    const table = decodeEmbeddings(exportItemTable(trained.config, trained.weights).buffer as ArrayBuffer, ITEMS, config.dim, 'int8', 'test');
    const { dim } = config;
    for (const history of [[], [5], [1, 2, 3], Array.from({ length: 45 }, (_, i) => (i * 7) % ITEMS)]) {
      const ids = new Int32Array(config.maxLen);
      writeInput(history, config.maxLen, ids);
      const embedded = new Float32Array(config.maxLen * dim).fill(NaN);
      const mask = new Float32Array(config.maxLen).fill(NaN);
      writeEmbedded(history, config.maxLen, table, embedded, mask);
      ids.forEach((id, p) => {
        expect(mask[p]).toBe(id === 0 ? 0 : 1);
        for (let j = 0; j < dim; j++) expect(embedded[p * dim + j]).toBeCloseTo(id === 0 ? 0 : table.values[(id - 1) * dim + j]! * table.scales[id - 1]! * Math.sqrt(dim), 5);
      });
    }
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

  it('the graph holds no item table: its bytes do not grow with the catalogue; the table is int8 plus one scale per item', () => {
    const bigger = new Map(trained.weights);
    bigger.set('item', new Float32Array(10 * (ITEMS + 1) * config.dim).fill(0.5));
    const graph = exportSasrecOnnx(trained.config, trained.weights).byteLength;
    expect(exportSasrecOnnx({ ...trained.config, itemCount: 10 * ITEMS + 9 }, bigger).byteLength).toBe(graph);
    expect(exportItemTable(trained.config, trained.weights).byteLength).toBe(ITEMS * (4 + config.dim));
  });
});
