import { HALF_LIFE_GRID, coOccurrence, itemKnn, mostPop, trainPopularity, type ScoringModel } from './baselines';
import { loadDataset, type Dataset } from './datasets';
import { buildEvalCatalog, DEFAULT_ENGINE_EVAL, engineModel, type EngineEvalSettings } from './engine-model';
import { coverage, intraListDiversity, summarize, tieAveragedRank, topList, type RankMetrics } from './metrics';
import type { EvalOptions } from './run-eval';
import { CO_HALF_LIFE_DAYS_GRID, decayedCoOccurrence, mostPopRecent } from './temporal-baselines';
import { cutAtQuantile, splitTemporal, temporalSplitChecksums, type TemporalCase, type TemporalSplit } from './temporal-split';

export interface TemporalEvalOptions {
  data: string;
  /** The cut is the time by which this share of all events had happened. @defaultValue 0.9 */
  quantile?: number;
  /** An explicit cut (data-set seconds); overrides `quantile`. */
  cut?: number;
  /**
   * The VALID cut's quantile, for choosing the baselines' half-lives: trained on events before it, targets in
   * [VALID cut, TEST cut). @defaultValue quantile − 0.1 (0.8)
   */
  validQuantile?: number;
  models?: readonly string[];
  engine?: EvalOptions['engine'];
  /**
   * `events`: the engine folds the history at its real times and ranks at the cut, as a site would. `hourly`:
   * events one hour apart ending an hour before the request, as leave-one-out replays them. @defaultValue 'events'
   */
  engineClock?: 'events' | 'hourly';
  log?: (line: string) => void;
}

type Metrics = RankMetrics & { users: number; 'coverage@10': number; 'ILD@10': number | null };

export interface TemporalModelResult {
  /** Visitors with history before the cut: the main table. */
  warm: Metrics;
  /** Visitors first seen after the cut, ranked with an empty history. */
  cold: Metrics;
  valid_warm: RankMetrics & { users: number };
  settings?: Record<string, unknown>;
}

interface CutInfo {
  time: number;
  iso: string;
  quantile: number | null;
  train_events: number;
  warm_users: number;
  cold_users: number;
}

export interface TemporalReport {
  protocol: 'temporal';
  dataset: string;
  n_items: number;
  cut: CutInfo;
  valid_cut: CutInfo;
  split_sha256: { train: string; targets: string };
  results: Record<string, TemporalModelResult>;
  seconds: number;
}

const metricsOf = (ranks: number[]): RankMetrics => (ranks.length > 0 ? summarize(ranks) : { 'HR@10': 0, 'NDCG@10': 0, 'NDCG@10_se': 0, 'MRR@10': 0 });

/** Full ranking of each case's target, as leave-one-out does it: history excluded (never the target), tie-averaged rank. */
async function scoreCases(model: ScoringModel, cases: readonly TemporalCase[], itemCount: number, cutMs: number, withClock: boolean, genres?: string[][]): Promise<Metrics> {
  const scores = new Float64Array(itemCount);
  const ranks: number[] = [];
  const lists: number[][] = [];
  for (const c of cases) {
    await model.score(c.history, scores, withClock ? { times: c.historyTimes.map((t) => t * 1000), now: cutMs } : undefined);
    for (const h of c.history) if (h !== c.target) scores[h] = -Infinity;
    const list = model.topK ? model.topK(scores, 10) : topList(scores, 10);
    const position = list.indexOf(c.target);
    ranks.push(model.topK ? (position >= 0 ? position + 1 : Math.max(11, tieAveragedRank(scores, c.target))) : tieAveragedRank(scores, c.target));
    lists.push(list);
  }
  return { ...metricsOf(ranks), users: cases.length, 'coverage@10': coverage(lists, itemCount), 'ILD@10': genres && lists.length > 0 ? intraListDiversity(lists, genres) : null };
}

function cutInfo(split: TemporalSplit, quantile: number | null): CutInfo {
  return { time: split.cut, iso: new Date(split.cut * 1000).toISOString(), quantile, train_events: split.trainEvents, warm_users: split.warm.length, cold_users: split.cold.length };
}

/** The baselines fitted on one split's training log, the recency-aware ItemKNN at the given half-lives. */
function baselines(split: TemporalSplit, n: number) {
  return {
    mostPop: () => mostPop(trainPopularity(split.train, n)),
    mostPopRecent: () => mostPopRecent(split.train, n, split.cut, 7),
    itemKnn: () => itemKnn(coOccurrence(split.train, n), Infinity),
    itemKnnRecency: (positionHalfLife: number, coHalfLifeDays: number) => itemKnn(decayedCoOccurrence(split.train, n, split.cut, coHalfLifeDays), positionHalfLife, 'ItemKNN-recency'),
  };
}

/**
 * `pocketrec eval --split temporal`: a global temporal split, the engine through the same `rankIndices` path as
 * leave-one-out, beside most-popular-of-the-last-week and a recency-aware ItemKNN. The baselines' half-lives are
 * chosen on a VALID split that ends where TEST's cut begins; the engine runs with the settings it is given.
 */
export async function runTemporalEval(options: TemporalEvalOptions): Promise<TemporalReport> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const data: Dataset = await loadDataset(options.data);
  const n = data.itemIds.length;
  const quantile = options.cut === undefined ? (options.quantile ?? 0.9) : null;
  const cut = options.cut ?? cutAtQuantile(data, quantile!);
  const validQuantile = options.validQuantile ?? (quantile ?? 0.9) - 0.1;
  const validCut = Math.min(cutAtQuantile(data, validQuantile), cut);
  const test = splitTemporal(data, cut);
  const valid = splitTemporal(data, validCut, cut);
  const checksums = temporalSplitChecksums(data, test);
  log(
    `${data.name}: temporal cut ${new Date(cut * 1000).toISOString()}${quantile !== null ? ` (quantile ${quantile})` : ''}, ${test.trainEvents} training events, ` +
      `${test.warm.length} visitors with history + ${test.cold.length} first seen after the cut; VALID cut ${new Date(validCut * 1000).toISOString()} ` +
      `(${valid.warm.length} + ${valid.cold.length}); split sha256 train ${checksums.train.slice(0, 16)}… targets ${checksums.targets.slice(0, 16)}…`,
  );
  const genres = data.meta?.genres;
  const want = (name: string) => !options.models || options.models.includes(name);
  const results: Record<string, TemporalModelResult> = {};
  const clockOf = (name: string) => name.startsWith('engine') && (options.engineClock ?? 'events') === 'events';
  const run = async (validModel: ScoringModel, testModel: ScoringModel, settings?: Record<string, unknown>) => {
    const t = performance.now();
    const withClock = clockOf(testModel.name);
    const v = await scoreCases(validModel, valid.warm, n, validCut * 1000, withClock);
    const warm = await scoreCases(testModel, test.warm, n, cut * 1000, withClock, genres);
    const cold = await scoreCases(testModel, test.cold, n, cut * 1000, withClock, genres);
    results[testModel.name] = {
      warm,
      cold,
      valid_warm: { 'HR@10': v['HR@10'], 'NDCG@10': v['NDCG@10'], 'NDCG@10_se': v['NDCG@10_se'], 'MRR@10': v['MRR@10'], users: v.users },
      ...(settings ? { settings } : {}),
    };
    const f = (x: number) => x.toFixed(4);
    log(
      `${testModel.name.padEnd(16)} valid NDCG@10 ${f(v['NDCG@10'])}  test NDCG@10 ${f(warm['NDCG@10'])} ± ${f(warm['NDCG@10_se'])}  HR@10 ${f(warm['HR@10'])}  cov ${f(warm['coverage@10'])}` +
        `${warm['ILD@10'] != null ? `  ILD ${f(warm['ILD@10'])}` : ''}  cold NDCG@10 ${f(cold['NDCG@10'])}  (${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );
  };

  const onValid = baselines(valid, n);
  const onTest = baselines(test, n);
  if (want('MostPop')) await run(onValid.mostPop(), onTest.mostPop());
  if (want('MostPop-7d')) await run(onValid.mostPopRecent(), onTest.mostPopRecent(), { days: 7, tieBreak: 'all-time popularity' });
  if (want('ItemKNN')) await run(onValid.itemKnn(), onTest.itemKnn());
  if (want('ItemKNN-recency')) {
    // Coordinate search on VALID: the history's positional half-life first (co-occurrence undecayed), then the
    // co-occurrence's half-life in days at that position half-life.
    const validNdcg = async (m: ScoringModel) => (await scoreCases(m, valid.warm, n, validCut * 1000, false))['NDCG@10'];
    const co = coOccurrence(valid.train, n);
    let position: { h: number; v: number } = { h: Infinity, v: -1 };
    for (const h of HALF_LIFE_GRID) {
      const v = await validNdcg(itemKnn(co, h));
      if (v > position.v) position = { h, v };
    }
    let days: { h: number; v: number } = { h: Infinity, v: -1 };
    for (const h of CO_HALF_LIFE_DAYS_GRID) {
      const v = await validNdcg(onValid.itemKnnRecency(position.h, h));
      if (v > days.v) days = { h, v };
    }
    await run(onValid.itemKnnRecency(position.h, days.h), onTest.itemKnnRecency(position.h, days.h), { positionHalfLife: position.h, coHalfLifeDays: days.h });
  }
  if (want('engine')) {
    const o = options.engine ?? {};
    const settings: EngineEvalSettings = {
      ...DEFAULT_ENGINE_EVAL,
      ...(o.neighbors !== undefined ? { neighbors: o.neighbors } : {}),
      ...(o.window !== undefined ? { window: o.window } : {}),
      ...(o.useContent !== undefined ? { useContent: o.useContent } : {}),
      rank: { ...DEFAULT_ENGINE_EVAL.rank, ...o.rank },
      profile: { ...DEFAULT_ENGINE_EVAL.profile, ...o.profile },
    };
    // Each split's catalogue is built from its own training log only, with the build's now at its cut. No sequence
    // model here: the engine's other signals, so that the table runs in minutes on a laptop.
    const onlyBefore = (split: TemporalSplit): Dataset => ({ ...data, users: split.train, tags: [] });
    const validModel = await buildEvalCatalog(onlyBefore(valid), valid.train, settings, { now: validCut * 1000 });
    const testModel = await buildEvalCatalog(onlyBefore(test), test.train, settings, { now: cut * 1000 });
    const describe = (x: EngineEvalSettings) => ({ ...x, rank: { ...x.rank, maxPerCategory: String(x.rank.maxPerCategory) } });
    await run(engineModel(validModel, settings), engineModel(testModel, settings), { ...describe(settings), clock: options.engineClock ?? 'events', sequenceModel: false });
  }
  return {
    protocol: 'temporal',
    dataset: data.name,
    n_items: n,
    cut: cutInfo(test, quantile),
    valid_cut: cutInfo(valid, validQuantile),
    split_sha256: checksums,
    results,
    seconds: (performance.now() - started) / 1000,
  };
}
