import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { coOccurrence, HALF_LIFE_GRID, itemKnn, mostPop, trainPopularity, type ScoringModel } from './baselines';
import { loadDataset, type Dataset } from './datasets';
import type { RankModel } from '../../rank';
import { buildEvalCatalog, engineEvalSettings, engineModel, type EngineEvalOverrides, type EngineEvalSettings } from './engine-model';
import { candidateRank, coverage, intraListDiversity, summarize, tieAveragedRank, topList, type RankMetrics } from './metrics';
import { drawNegatives } from './negatives';
import { tuneEngineOnTrain } from './engine-tune';
import { DEFAULT_TUNE_MINUTES, DEFAULT_TUNE_SEED, type TunedSettings } from '../tune';
import { createSequenceModel, type SequenceModel } from '../../onnx';
import { chooseSequenceSettings, DEFAULT_SASREC, DEFAULT_TRAINING, trainSasrec, type TrainOptions } from '../sequence';
import { exportItemTable, exportSasrecOnnx } from '../sequence/export-onnx';
import { decodeEmbeddings } from '../../catalog';
import { loadNodeOrt } from '../model';
import { dequantizeRows } from '../../vector';
import { publishedChecksums, sha256, splitFiles, splitLeaveOneOut, type Split } from './split';

export interface EvalOptions {
  data: string;
  protocol?: string;
  /** Evaluate only the first N users (smoke tests). */
  users?: number;
  models?: readonly string[];
  /** Score VALID only: for choosing settings without computing (or seeing) TEST. */
  validOnly?: boolean;
  /** Overrides of the engine's settings (rank weights, profile, build), as chosen on VALID. */
  engine?: EngineEvalOverrides;
  /**
   * The build's self-tuning on TRAIN (each visitor's last TRAIN event held out), as `pocketrec build --tune-minutes`;
   * 0 turns it off. Explicit `engine` overrides win over tuned values. @defaultValue 2
   */
  tuneMinutes?: number;
  /** @defaultValue 1 */
  tuneSeed?: number;
  /**
   * Training settings of the sequence model (`sasrec`, and the engine's sequence signal). `heldOut: 'train-last'`
   * early-stops on each user's last TRAIN item instead of VALID and trains without it, so that scores on VALID are
   * measured the way TEST will be: one step past the items used for stopping. That is how weights are chosen.
   */
  sequence?: Partial<Omit<TrainOptions, 'model' | 'log' | 'itemVectors'> & TrainOptions['model'] & { heldOut: 'valid' | 'train-last'; textInit: boolean; stopUsers: number }>;
  /**
   * Whether settings carry over between visitors: every choice (engine tuning, baselines' half-lives, the sequence
   * model's shape and early stopping) sees only one half of the visitors, and the other half is scored. The halves
   * are fixed by a hash of the user id. @defaultValue false
   */
  transfer?: boolean;
  log?: (line: string) => void;
}

export interface ModelResult {
  full: RankMetrics & { 'coverage@10': number; 'ILD@10': number | null };
  valid_full: RankMetrics & { 'ILD@10': number | null };
  sampled: { 'HR@10': number; 'NDCG@10': number; 'MRR@10': number };
  settings?: Record<string, unknown>;
}

export interface EvalReport {
  dataset: string;
  n_users: number;
  n_items: number;
  split_sha256_ok: boolean | null;
  split_sha256: Record<string, { computed: string; published: string | null; ok: boolean | null }>;
  results: Record<string, ModelResult>;
  /** With `transfer`: visitors whose data chose the settings, and the other half, which was scored. */
  transfer?: { tuneUsers: number; scoredUsers: number };
  seconds: number;
}

/** One model on one phase: VALID (history TRAIN, target VALID) or TEST (history TRAIN+VALID, target TEST). */
async function evaluate(model: ScoringModel, split: Split, itemCount: number, phase: 'valid' | 'test', negatives: number[][], genres?: string[][]) {
  const scores = new Float64Array(itemCount);
  const ranks: number[] = [];
  const sampled: number[] = [];
  const lists: number[][] = [];
  for (const [k, u] of split.users.entries()) {
    const history = phase === 'valid' ? u.train : [...u.train, u.valid];
    const target = phase === 'valid' ? u.valid : u.test;
    await model.score(history, scores);
    if (phase === 'test') sampled.push(candidateRank(scores, target, negatives[k]!));
    for (const h of history) if (h !== target) scores[h] = -Infinity;
    const list = model.topK ? model.topK(scores, 10) : topList(scores, 10);
    const position = list.indexOf(target);
    // A re-ranked list decides the first ten places; beyond them the scores' tie-averaged rank stands.
    ranks.push(model.topK ? (position >= 0 ? position + 1 : Math.max(11, tieAveragedRank(scores, target))) : tieAveragedRank(scores, target));
    lists.push(list);
  }
  const metrics = summarize(ranks);
  // ILD on VALID is not part of the protocol; it lets diversity settings be chosen without looking at TEST.
  if (phase === 'valid') return { metrics, ild: genres ? intraListDiversity(lists, genres) : null };
  const s = summarize(sampled);
  return {
    metrics,
    sampled: { 'HR@10': s['HR@10'], 'NDCG@10': s['NDCG@10'], 'MRR@10': s['MRR@10'] },
    coverage: coverage(lists, itemCount),
    ild: genres ? intraListDiversity(lists, genres) : null,
  };
}

async function validNdcg(model: ScoringModel, split: Split, n: number): Promise<number> {
  return (await evaluate(model, split, n, 'valid', []))['metrics']['NDCG@10'];
}

/** `pocketrec eval`: the split, its checksums, the baselines and the engine, on one data set. */
export async function runEval(options: EvalOptions): Promise<EvalReport> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const data: Dataset = await loadDataset(options.data);
  const n = data.itemIds.length;
  const fullSplit = splitLeaveOneOut(data);
  const negatives = drawNegatives(fullSplit.users, n);

  const files = splitFiles(data, fullSplit, negatives);
  const protocolText = options.protocol && existsSync(join(options.protocol, 'PROTOCOL.md')) ? await readFile(join(options.protocol, 'PROTOCOL.md'), 'utf8') : '';
  const published = publishedChecksums(protocolText);
  const checks: EvalReport['split_sha256'] = {};
  for (const [file, text] of Object.entries(files)) {
    const computed = sha256(text);
    const expected = published[file] ?? null;
    checks[file] = { computed, published: expected, ok: expected === null ? null : computed === expected };
  }
  const verdicts = Object.values(checks).map((c) => c.ok).filter((ok) => ok !== null);
  const splitOk = options.protocol ? verdicts.length > 0 && verdicts.every(Boolean) : null;
  log(`${data.name}: ${fullSplit.users.length} users, ${n} items; split checksums ${splitOk === null ? 'not checked (no --protocol)' : splitOk ? 'match' : 'DO NOT match'}`);

  const evaluated: Split = options.users ? { ...fullSplit, users: fullSplit.users.slice(0, options.users) } : fullSplit;
  // Without `transfer` the evaluated visitors are both halves: choices look at their VALID items, scores at TEST.
  const tuneHalf = (userId: number) => !options.transfer || transferHalf(userId) === 0;
  const scoredHalf = (userId: number) => !options.transfer || transferHalf(userId) === 1;
  const tuneSplit: Split = { ...evaluated, users: evaluated.users.filter((u) => tuneHalf(u.userId)) };
  const split: Split = { ...evaluated, users: evaluated.users.filter((u) => scoredHalf(u.userId)) };
  const negs = negatives.slice(0, evaluated.users.length).filter((_, k) => scoredHalf(evaluated.users[k]!.userId));
  if (options.transfer) log(`transfer: settings chosen on ${tuneSplit.users.length} visitors, scored on the other ${split.users.length}`);
  const tuneTrain = fullSplit.trainSequences.filter((u) => tuneHalf(u.userId));
  const genres = data.meta?.genres;
  const pop = trainPopularity(fullSplit.trainSequences, n);
  const want = (name: string) => !options.models || options.models.includes(name);
  const results: Record<string, ModelResult> = {};
  const run = async (model: ScoringModel, settings?: Record<string, unknown>) => {
    const t = performance.now();
    const validRun = await evaluate(model, split, n, 'valid', negs, genres);
    const valid = { ...validRun.metrics, 'ILD@10': validRun.ild ?? null };
    if (options.validOnly) {
      log(`${model.name.padEnd(16)} valid NDCG@10 ${valid['NDCG@10'].toFixed(4)}${valid['ILD@10'] != null ? ` ILD ${valid['ILD@10'].toFixed(4)}` : ''}`);
      return;
    }
    const test = await evaluate(model, split, n, 'test', negs, genres);
    results[model.name] = {
      full: { ...test.metrics, 'coverage@10': test.coverage!, 'ILD@10': test.ild ?? null },
      valid_full: valid,
      sampled: test.sampled!,
      ...(settings ? { settings } : {}),
    };
    log(`${model.name.padEnd(16)} valid NDCG@10 ${valid['NDCG@10'].toFixed(4)}${valid['ILD@10'] != null ? ` ILD ${valid['ILD@10'].toFixed(4)}` : ''}  test NDCG@10 ${test.metrics['NDCG@10'].toFixed(4)} ± ${test.metrics['NDCG@10_se'].toFixed(4)}  HR@10 ${test.metrics['HR@10'].toFixed(4)}  cov ${test.coverage!.toFixed(4)}${test.ild != null ? `  ILD ${test.ild.toFixed(4)}` : ''}  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  };

  if (want('MostPop')) await run(mostPop(pop));
  if (want('ItemKNN') || want('ItemKNN-recency')) {
    const co = coOccurrence(fullSplit.trainSequences, n);
    if (want('ItemKNN')) await run(itemKnn(co, Infinity));
    if (want('ItemKNN-recency')) {
      let best: { h: number; v: number } = { h: Infinity, v: -1 };
      for (const h of HALF_LIFE_GRID) {
        const v = await validNdcg(itemKnn(co, h), tuneSplit, n);
        if (v > best.v) best = { h, v };
      }
      await run(itemKnn(co, best.h, 'ItemKNN-recency'), { halfLife: best.h });
    }
  }
  const settings = await tunedEngineSettings(data, tuneTrain, options, log);
  const model = await buildEvalCatalog(data, fullSplit.trainSequences, settings);
  // The sequence model is trained once on TRAIN (early-stopped on VALID), then scored through onnxruntime exactly
  // as the worker runs it: alone as `sasrec`, and inside the engine.
  const sequence = options.sequence && (want('sasrec') || want('engine')) ? await trainedSequenceModel(n, fullSplit, tuneSplit, tuneHalf, options.sequence, model, log) : null;
  if (sequence && want('sasrec')) await run(sequenceOnly(sequence.model, n), sequence.settings);
  if (want('engine')) {
    const describe = (x: EngineEvalSettings) => ({ ...x, rank: { ...x.rank, maxPerCategory: String(x.rank.maxPerCategory) } });
    await run(engineModel(model, settings, 'engine', sequence?.model), { ...describe(settings), ...(sequence ? { sequence: sequence.settings } : {}) });
    if (!options.validOnly && want('ablations')) {
      // Each ablation switches one family of signals off and keeps everything else as chosen on VALID.
      const off = (rank: Partial<EngineEvalSettings['rank']>, profile: Partial<EngineEvalSettings['profile']> = {}): EngineEvalSettings => ({
        ...settings,
        rank: { ...settings.rank, ...rank },
        profile: { ...settings.profile, ...profile },
      });
      const ablations: Array<[string, EngineEvalSettings, RankModel]> = [
        ['engine-content-only', off({ neighborWeight: 0, transitionWeight: 0, popularityWeight: 0, trendingWeight: 0, sequenceWeight: 0 }), model],
        ['engine-collab-only', off({ categoryWeight: 0, tagWeight: 0, brandWeight: 0, contextWeight: 0, attentionWeight: 0 }), await buildEvalCatalog(data, fullSplit.trainSequences, { ...settings, useContent: false })],
        ['engine-no-sequence', off({ transitionWeight: 0, sessionWeight: 0, attentionWeight: 0, sequenceWeight: 0 }, { halfLifeDays: 1e9 }), model],
        ['engine-no-diversity', off({ diversityLambda: 1, maxPerCategory: Infinity }), model],
      ];
      for (const [name, s, m] of ablations) await run(engineModel(m, s, name, sequence?.model), describe(s));
      if (sequence) await run(engineModel(model, settings, 'engine-no-seq-model'), describe(settings));
    }
  }
  return {
    dataset: data.name,
    n_users: split.users.length,
    n_items: n,
    split_sha256_ok: splitOk,
    split_sha256: checks,
    results,
    ...(options.transfer ? { transfer: { tuneUsers: tuneSplit.users.length, scoredUsers: split.users.length } } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

/** The transfer run's half of a visitor: 0 chooses, 1 is scored. FNV-1a of the id, so it never follows id order. */
export function transferHalf(userId: number): 0 | 1 {
  let h = 0x811c9dc5;
  for (const c of String(userId)) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return ((h >>> 0) & 1) as 0 | 1;
}

/**
 * The engine's settings: defaults, then what tuning on TRAIN chose, then the explicit `--engine` overrides. Only
 * `trainSequences` goes in, so no VALID or TEST event can reach the choice.
 */
export async function tunedEngineSettings(data: Dataset, train: Split['trainSequences'], options: Pick<EvalOptions, 'engine' | 'tuneMinutes' | 'tuneSeed'>, log: (line: string) => void = () => {}): Promise<EngineEvalSettings & { tuned?: TunedSettings['tuned'] }> {
  const minutes = options.tuneMinutes ?? DEFAULT_TUNE_MINUTES;
  if (minutes <= 0) return engineEvalSettings(options.engine);
  const tuned = await tuneEngineOnTrain(data, train, engineEvalSettings(), { minutes, seed: options.tuneSeed ?? DEFAULT_TUNE_SEED, log });
  const o = options.engine ?? {};
  return { ...engineEvalSettings({ ...o, neighbors: o.neighbors ?? tuned.neighbors, rank: { ...tuned.rank, ...o.rank } }), tuned: tuned.tuned };
}

type SequenceEvalSettings = NonNullable<EvalOptions['sequence']>;

/**
 * `split`: the visitors whose held-out items stop training; `shapeOf`: whose training histories choose the
 * automatic settings (everyone's but the scored half's in a transfer run).
 */
async function trainedSequenceModel(itemCount: number, fullSplit: Split, split: Split, shapeOf: (userId: number) => boolean, o: SequenceEvalSettings, content: RankModel, log: (line: string) => void) {
  const { heldOut = 'train-last', textInit = true, stopUsers, ...rest } = o;
  const started = performance.now();
  // Every TRAIN sequence teaches; early stopping looks at the evaluated users' VALID items, never at TEST.
  let data = { itemCount, sequences: fullSplit.trainSequences.map((u) => u.items), valid: split.users.map((u) => ({ history: u.train, target: u.valid })) };
  if (heldOut === 'train-last') {
    const stoppers = new Set(split.users.filter((u) => u.train.length >= 2).map((u) => u.userId));
    data = {
      itemCount,
      sequences: fullSplit.trainSequences.map((u) => (stoppers.has(u.userId) ? u.items.slice(0, -1) : u.items)),
      valid: split.users.filter((u) => stoppers.has(u.userId)).map((u) => ({ history: u.train.slice(0, -1), target: u.train[u.train.length - 1]! })),
    };
  }
  // As the build chooses them (from the training histories' shape); explicit settings win.
  const lengths = data.sequences.filter((_, k) => shapeOf(fullSplit.trainSequences[k]!.userId)).map((s) => s.length);
  const auto = chooseSequenceSettings({ itemCount, lengths }, o.batchSize);
  for (const [what, why] of Object.entries(auto.why)) log(`sasrec: ${what}: ${why}`);
  const model = { maxLen: o.maxLen ?? auto.maxLen, dim: o.dim ?? DEFAULT_SASREC.dim, blocks: o.blocks ?? DEFAULT_SASREC.blocks, dropout: o.dropout ?? auto.dropout };
  const training = { ...DEFAULT_TRAINING, ...(auto.sampledNegatives ? { sampledNegatives: auto.sampledNegatives } : {}), ...rest, model };
  const stopVisitors = stopUsers ?? auto.stopVisitors;
  data.valid = data.valid.slice(0, stopVisitors);
  const itemVectors = textInit && content.dim > 1 ? { itemVectors: { vectors: dequantizeRows(content.rows), dim: content.dim } } : {};
  const trained = await trainSasrec(data, { ...training, ...itemVectors, log: (line) => log(`sasrec: ${line}`) });
  const graph = exportSasrecOnnx(trained.config, trained.weights);
  const tableBytes = exportItemTable(trained.config, trained.weights);
  const bytes = graph.byteLength + tableBytes.byteLength;
  log(`sasrec: best epoch ${trained.bestEpoch} of ${trained.epochs.length}, VALID NDCG@10 ${trained.validNdcg.toFixed(4)}, ${(bytes / 1e6).toFixed(2)} MB (ONNX + int8 item table), trained in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  // Decoded and scanned as the worker does: the shipped table layout, into the rank model's kernel.
  const table = decodeEmbeddings(tableBytes.buffer as ArrayBuffer, itemCount, trained.config.dim, 'int8', 'sasrec item table', (count, dim) => content.kernel.allocate(count, dim));
  const sequenceModel = await createSequenceModel({ model: graph, table, maxLen: model.maxLen }, { ort: await loadNodeOrt(), devices: ['wasm'], kernel: content.kernel });
  const { checkpoint: _checkpoint, ...settings } = training;
  return { model: sequenceModel, settings: { ...settings, heldOut, textInit, stopUsers: data.valid.length, bestEpoch: trained.bestEpoch, epochsRun: trained.epochs.length, bytes } };
}

/** The sequence model alone: its next-item scores for the history, nothing else. */
function sequenceOnly(model: SequenceModel, itemCount: number): ScoringModel {
  return {
    name: 'sasrec',
    async score(history, out) {
      const scores = await model.score(history);
      for (let i = 0; i < itemCount; i++) out[i] = scores[i]!;
    },
  };
}
