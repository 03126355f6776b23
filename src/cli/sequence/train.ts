import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { writeInput } from '../../sequence';
import { tieAveragedRank } from '../eval/metrics';
// The evaluation protocol's seeded generator: training draws from the same stream definition.
import { mulberry32 } from '../eval/negatives';
import { encode, gatherRows, initialWeights, parameterShapes, readWeights, scoreNext, softmaxCrossEntropy, toParams, type Params, type SasrecConfig, type Weights } from './sasrec';
import { formatDuration } from '../progress';
import { loadTf, type Tf } from './tf';

export interface TrainData {
  itemCount: number;
  /** Training sequences of catalogue indices, oldest first. */
  sequences: ReadonlyArray<readonly number[]>;
  /** Held-out next items for early stopping: the history before it and the item itself. */
  valid: ReadonlyArray<{ history: readonly number[]; target: number }>;
}

export interface TrainOptions {
  model: Omit<SasrecConfig, 'itemCount'>;
  /** Upper bound; early stopping usually ends sooner. */
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Evaluations without a better VALID NDCG@10 before training stops. */
  patience: number;
  seed: number;
  /**
   * Sampled softmax: score each position against the batch's own targets plus this many items drawn uniformly
   * per step, instead of the whole catalogue. For catalogues too large for full softmax; off by default.
   */
  sampledNegatives?: number;
  /**
   * Start the item embeddings from the text encoder's item vectors (rows in catalogue order), through a fixed random
   * projection to the model's width: items with similar texts start close, items without interactions get a place.
   */
  itemVectors?: { vectors: Float32Array; dim: number };
  /** Path prefix of a checkpoint (`.json` + `.bin`), written after every epoch and resumed from when present. */
  checkpoint?: string;
  log?: (line: string) => void;
}

export const DEFAULT_TRAINING: Omit<TrainOptions, 'model' | 'checkpoint' | 'log'> = Object.freeze({ epochs: 200, batchSize: 64, learningRate: 0.002, patience: 10, seed: 42 });

export interface TrainResult {
  config: SasrecConfig;
  /** Weights of the epoch with the best VALID NDCG@10. */
  weights: Weights;
  bestEpoch: number;
  validNdcg: number;
  epochs: Array<{ epoch: number; loss: number; validNdcg: number; seconds: number }>;
}

interface Checkpoint {
  config: SasrecConfig;
  seed: number;
  epoch: number;
  step: number;
  best: { epoch: number; ndcg: number };
  history: TrainResult['epochs'];
}

const BETA1 = 0.9;
const BETA2 = 0.98;
const EPSILON = 1e-8;
const EVAL_BATCH = 256;

/**
 * Trains SASRec with full-softmax cross-entropy at every position, on TF.js' WASM backend. Deterministic for a
 * seed: initial weights, batch order and dropout masks all derive from it (and from the epoch and step, so a
 * resumed run continues exactly where the checkpoint left off). Keeps the weights of the best VALID epoch.
 */
export async function trainSasrec(data: TrainData, options: TrainOptions): Promise<TrainResult> {
  const tf = await loadTf();
  const log = options.log ?? (() => {});
  const config: SasrecConfig = { ...options.model, itemCount: data.itemCount };
  const sequences = data.sequences.filter((s) => s.length >= 2);
  if (sequences.length === 0) throw new Error('sequence model: no history has two or more items to learn from');

  const resumed = options.checkpoint ? await readCheckpoint(options.checkpoint, config, options.seed) : null;
  const state: Checkpoint = resumed?.state ?? { config, seed: options.seed, epoch: 0, step: 0, best: { epoch: 0, ndcg: -1 }, history: [] };
  const params = toParams(tf, config, resumed?.weights ?? startingWeights(config, options));
  const names = [...params.keys()];
  const moments = names.map((n) => ({ m: tf.variable(tf.zerosLike(params.get(n)!)), v: tf.variable(tf.zerosLike(params.get(n)!)) }));
  if (resumed) names.forEach((n, i) => (moments[i]!.m.assign(tf.tensor(resumed.m.get(n)!, params.get(n)!.shape)), moments[i]!.v.assign(tf.tensor(resumed.v.get(n)!, params.get(n)!.shape))));
  let best: Weights = resumed?.best ?? readWeights(params);
  if (resumed) log(`resumed from ${options.checkpoint} after epoch ${state.epoch} (best VALID NDCG@10 ${state.best.ndcg.toFixed(4)} at epoch ${state.best.epoch})`);

  const L = config.maxLen;
  const B = options.batchSize;
  const input = new Int32Array(B * L);
  const target = new Int32Array(B * L);
  let stale = state.history.filter((h) => h.epoch > state.best.epoch).length;
  while (state.epoch < options.epochs && stale < options.patience) {
    const started = performance.now();
    const epoch = state.epoch + 1;
    const batches = lengthBuckets(sequences, B, mulberry32(options.seed * 1_000_003 + epoch));
    let lossSum = 0;
    for (const rows of batches) {
      const batch = rows.length;
      // Batches hold sequences of similar length, so most need far fewer than maxLen positions (see `encode`).
      const length = Math.min(L, Math.max(...rows.map((r) => sequences[r]!.length - 1)));
      rows.forEach((r, k) => {
        const s = sequences[r]!;
        // Input: every item but the last; target at each position: the item that follows it.
        writeInput(s.slice(0, -1), length, input, k * length);
        writeInput(s.slice(1), length, target, k * length);
      });
      const positions: number[] = [];
      const targets: number[] = [];
      for (let i = 0; i < batch * length; i++) if (target[i]! > 0) (positions.push(i), targets.push(target[i]! - 1));
      const step = ++state.step;
      const classes = options.sampledNegatives ? sampleClasses(targets, options.sampledNegatives, config.itemCount, mulberry32(options.seed * 7_919 + step)) : null;
      let dropCall = 0;
      const dropout = (x: Tensor) => tf.dropout(x, config.dropout, undefined, `${options.seed}:${step}:${dropCall++}`);
      const { value, grads } = tf.variableGrads(() => {
        const hidden = tf.reshape(encode(tf, params, config, input.subarray(0, batch * length), batch, dropout, length), [batch * length, config.dim]) as Tensor2D;
        const rows = gatherRows(tf, hidden, Int32Array.from(positions));
        if (classes) return softmaxCrossEntropy(tf, rows, gatherRows(tf, params.get('item')! as Tensor2D, classes.modelIds), classes.targets);
        const items = tf.slice(params.get('item')!, [1, 0], [config.itemCount, config.dim]) as Tensor2D;
        return softmaxCrossEntropy(tf, rows, items, Int32Array.from(targets));
      }, [...params.values()]);
      adamStep(tf, params, names, moments, grads, options.learningRate, step);
      lossSum += (await value.data())[0]!;
      value.dispose();
      tf.dispose(grads);
    }
    const ndcg = validNdcg(tf, params, config, data.valid);
    const seconds = (performance.now() - started) / 1000;
    state.epoch = epoch;
    state.history.push({ epoch, loss: lossSum / batches.length, validNdcg: ndcg, seconds });
    if (ndcg > state.best.ndcg) {
      state.best = { epoch, ndcg };
      best = readWeights(params);
      stale = 0;
    } else stale++;
    const eta = Math.max(0, options.epochs - epoch) * seconds;
    log(`epoch ${epoch}/${options.epochs}  loss ${(lossSum / batches.length).toFixed(4)}  valid NDCG@10 ${ndcg.toFixed(4)} (best ${state.best.ndcg.toFixed(4)} @${state.best.epoch})  ${seconds.toFixed(1)} s/epoch  ETA ≤ ${formatDuration(eta)}`);
    if (options.checkpoint) await writeCheckpoint(options.checkpoint, state, params, moments, best);
  }
  tf.dispose([...params.values(), ...moments.flatMap((m) => [m.m, m.v])]);
  return { config, weights: best, bestEpoch: state.best.epoch, validNdcg: state.best.ndcg, epochs: state.history };
}

function startingWeights(config: SasrecConfig, options: TrainOptions): Weights {
  const random = mulberry32(options.seed);
  const weights = initialWeights(config, random);
  if (!options.itemVectors) return weights;
  const { vectors, dim } = options.itemVectors;
  const d = config.dim;
  // Gaussian projection (Box–Muller), scaled so rows keep the spread of the usual Xavier start.
  const projection = new Float32Array(dim * d);
  for (let i = 0; i < projection.length; i++) projection[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const table = weights.get('item')!;
  const limit = Math.sqrt(6 / (config.itemCount + 1 + d));
  for (let item = 0; item < config.itemCount; item++) {
    const row = new Float32Array(d);
    let norm = 0;
    for (let k = 0; k < dim; k++) {
      const v = vectors[item * dim + k]!;
      if (v !== 0) for (let j = 0; j < d; j++) row[j]! += v * projection[k * d + j]!;
    }
    for (let j = 0; j < d; j++) norm += row[j]! * row[j]!;
    const scale = norm > 0 ? (limit * Math.sqrt(d / 3)) / Math.sqrt(norm) : 0;
    for (let j = 0; j < d; j++) table[(item + 1) * d + j] = row[j]! * scale;
  }
  return weights;
}

function adamStep(tf: Tf, params: Params, names: string[], moments: Array<{ m: Tensor & { assign(t: Tensor): void }; v: Tensor & { assign(t: Tensor): void } }>, grads: Record<string, Tensor>, lr: number, step: number): void {
  const correction = (lr * Math.sqrt(1 - BETA2 ** step)) / (1 - BETA1 ** step);
  tf.tidy(() => {
    names.forEach((name, i) => {
      const variable = params.get(name)!;
      const g = grads[variable.name];
      if (!g) return;
      const { m, v } = moments[i]!;
      const m1 = tf.add(tf.mul(m, BETA1), tf.mul(g, 1 - BETA1));
      const v1 = tf.add(tf.mul(v, BETA2), tf.mul(tf.square(g), 1 - BETA2));
      m.assign(m1);
      v.assign(v1);
      variable.assign(tf.sub(variable, tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), EPSILON)), correction)));
    });
  });
}

/** Full-ranking NDCG@10 of the VALID targets, the history left out of the ranking, ties counted half. */
export function validNdcg(tf: Tf, params: Params, config: SasrecConfig, valid: TrainData['valid']): number {
  if (valid.length === 0) return 0;
  let sum = 0;
  const input = new Int32Array(EVAL_BATCH * config.maxLen);
  // Shortest histories first, so that each batch needs only as many positions as its longest history.
  const byLength = [...valid].sort((a, b) => a.history.length - b.history.length);
  for (let start = 0; start < byLength.length; start += EVAL_BATCH) {
    const rows = byLength.slice(start, start + EVAL_BATCH);
    const length = Math.max(1, Math.min(config.maxLen, rows[rows.length - 1]!.history.length));
    rows.forEach((r, k) => writeInput(r.history, length, input, k * length));
    const scores = scoreNext(tf, params, config, input.subarray(0, rows.length * length), rows.length, length);
    const data = scores.dataSync() as Float32Array;
    scores.dispose();
    rows.forEach((r, k) => {
      // The protocol's rule: the history is left out of the ranking, ties count half.
      const row = data.subarray(k * config.itemCount, (k + 1) * config.itemCount);
      for (const h of r.history) if (h !== r.target) row[h] = -Infinity;
      const rank = tieAveragedRank(row, r.target);
      if (rank <= 10) sum += 1 / Math.log2(rank + 1);
    });
  }
  return sum / valid.length;
}

async function writeCheckpoint(prefix: string, state: Checkpoint, params: Params, moments: Array<{ m: Tensor; v: Tensor }>, best: Weights): Promise<void> {
  const names = [...params.keys()];
  const blocks: Float32Array[] = [];
  names.forEach((n, i) => blocks.push(params.get(n)!.dataSync() as Float32Array, moments[i]!.m.dataSync() as Float32Array, moments[i]!.v.dataSync() as Float32Array, best.get(n)!));
  const bytes = new Uint8Array(blocks.reduce((s, b) => s + b.byteLength, 0));
  let offset = 0;
  for (const b of blocks) (bytes.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), offset), (offset += b.byteLength));
  // Binary first, manifest last, each by rename: a crash mid-write leaves the previous checkpoint whole.
  await writeFile(`${prefix}.bin.tmp`, bytes);
  await rename(`${prefix}.bin.tmp`, `${prefix}.bin`);
  await writeFile(`${prefix}.json.tmp`, JSON.stringify(state));
  await rename(`${prefix}.json.tmp`, `${prefix}.json`);
}

async function readCheckpoint(prefix: string, config: SasrecConfig, seed: number): Promise<{ state: Checkpoint; weights: Weights; m: Weights; v: Weights; best: Weights } | null> {
  if (!existsSync(`${prefix}.json`) || !existsSync(`${prefix}.bin`)) return null;
  const state = JSON.parse(await readFile(`${prefix}.json`, 'utf8')) as Checkpoint;
  if (JSON.stringify(state.config) !== JSON.stringify(config) || state.seed !== seed) {
    throw new Error(`sequence model: checkpoint ${prefix}.json was written for other settings (${JSON.stringify(state.config)}, seed ${state.seed}); delete it or pass the same settings`);
  }
  const bytes = await readFile(`${prefix}.bin`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const out = { weights: new Map(), m: new Map(), v: new Map(), best: new Map() } as { weights: Weights; m: Weights; v: Weights; best: Weights };
  let offset = 0;
  for (const [name, shape] of parameterShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    for (const key of ['weights', 'm', 'v', 'best'] as const) (out[key].set(name, all.slice(offset, offset + size)), (offset += size));
  }
  if (offset !== all.length) throw new Error(`sequence model: checkpoint ${prefix}.bin has ${all.length} values, expected ${offset}`);
  return { state, ...out };
}

/**
 * The classes one sampled-softmax step scores: every target of the batch plus `negatives` uniform draws, each once.
 * Returns their model ids (rows of the item table) and each target's position among them.
 */
function sampleClasses(targets: readonly number[], negatives: number, itemCount: number, random: () => number): { modelIds: Int32Array; targets: Int32Array } {
  const slot = new Map<number, number>();
  for (const t of targets) if (!slot.has(t)) slot.set(t, slot.size);
  for (let n = 0; n < negatives; n++) {
    const item = Math.floor(random() * itemCount);
    if (!slot.has(item)) slot.set(item, slot.size);
  }
  return { modelIds: Int32Array.from(slot.keys(), (i) => i + 1), targets: Int32Array.from(targets, (t) => slot.get(t)!) };
}

/**
 * One epoch's batches: sequences sorted by length (ties in random order), cut into batches, and the batches
 * shuffled. Similar lengths share a batch, so padding (and its cost) stays small; the order still varies by epoch.
 */
function lengthBuckets(sequences: ReadonlyArray<readonly number[]>, size: number, random: () => number): number[][] {
  const order = shuffled(sequences.length, random).sort((a, b) => sequences[a]!.length - sequences[b]!.length);
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += size) batches.push(order.slice(start, start + size));
  return shuffled(batches.length, random).map((i) => batches[i]!);
}

function shuffled(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
