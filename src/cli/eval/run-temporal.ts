import { HALF_LIFE_GRID, coOccurrence, itemKnn, mostPop, trainPopularity, type ScoringModel } from './baselines';
import { loadDataset, type Dataset } from './datasets';
import { buildEvalCatalog, engineEvalSettings, engineModel, type EngineEvalSettings } from './engine-model';
import { coverage, intraListDiversity, summarize, tieAveragedRank, topList, type RankMetrics } from './metrics';
import type { EvalOptions } from './run-eval';
import { CO_HALF_LIFE_DAYS_GRID, decayedCoOccurrence, mostPopRecent } from './temporal-baselines';
import { sha256 } from './split';
import { cutAtQuantile, splitTemporal, temporalSplitChecksums, type TemporalCase, type TemporalSplit } from './temporal-split';

export interface TemporalEvalOptions {
  data: string;
  /** The cut is the time by which this share of all events had happened. @defaultValue 0.9 */
  quantile?: number;
  /** An explicit cut (data-set seconds); overrides `quantile`. */
  cut?: number;
  /**
   * Rolling origin: split the events from the cut's quantile to the end into this many windows of equal event
   * share, each with its own cut, training log and targets (a visitor's first event in the window), and pool the
   * cases. One window is the single global cut; more give a small log enough cases to tell models apart.
   * Ignored with an explicit `cut`. @defaultValue 1
   */
  windows?: number;
  /**
   * The VALID cut's quantile, for choosing the baselines' half-lives: trained on events before it, targets in
   * [VALID cut, TEST cut). @defaultValue quantile − 0.1 (0.8)
   */
  validQuantile?: number;
  /** VALID's rolling windows over [validQuantile, quantile), cases pooled, as `windows` does for TEST. @defaultValue 1 */
  validWindows?: number;
  /** Score VALID only: for choosing settings without computing (or seeing) TEST. */
  validOnly?: boolean;
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
  /** TEST's windows, oldest first; the first one's cut is "the cut". */
  cuts: CutInfo[];
  valid_cuts: CutInfo[];
  split_sha256: { train: string; targets: string };
  results: Record<string, TemporalModelResult>;
  seconds: number;
}

const metricsOf = (ranks: number[]): RankMetrics => (ranks.length > 0 ? summarize(ranks) : { 'HR@10': 0, 'NDCG@10': 0, 'NDCG@10_se': 0, 'MRR@10': 0 });

interface Scored {
  ranks: number[];
  lists: number[][];
}

/** Full ranking of each case's target, as leave-one-out does it: history excluded (never the target), tie-averaged rank. */
async function scoreCases(model: ScoringModel, cases: readonly TemporalCase[], itemCount: number, cutMs: number, withClock: boolean, into: Scored = { ranks: [], lists: [] }): Promise<Scored> {
  const scores = new Float64Array(itemCount);
  const { ranks, lists } = into;
  for (const c of cases) {
    await model.score(c.history, scores, withClock ? { times: c.historyTimes.map((t) => t * 1000), now: cutMs } : undefined);
    for (const h of c.history) if (h !== c.target) scores[h] = -Infinity;
    const list = model.topK ? model.topK(scores, 10) : topList(scores, 10);
    const position = list.indexOf(c.target);
    ranks.push(model.topK ? (position >= 0 ? position + 1 : Math.max(11, tieAveragedRank(scores, c.target))) : tieAveragedRank(scores, c.target));
    lists.push(list);
  }
  return into;
}

function finish({ ranks, lists }: Scored, itemCount: number, genres?: string[][]): Metrics {
  return { ...metricsOf(ranks), users: ranks.length, 'coverage@10': coverage(lists, itemCount), 'ILD@10': genres && lists.length > 0 ? intraListDiversity(lists, genres) : null };
}

function cutInfo(split: TemporalSplit, quantile: number | null): CutInfo {
  return { time: split.cut, iso: new Date(split.cut * 1000).toISOString(), quantile, train_events: split.trainEvents, warm_users: split.warm.length, cold_users: split.cold.length };
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
  const windows = quantile === null ? 1 : Math.max(1, Math.floor(options.windows ?? 1));
  // Window k's cut is the time by which q + k·(1 − q)/K of the events had happened; its targets end at the next cut.
  const cuts = quantile === null ? [options.cut!] : Array.from({ length: windows }, (_, k) => cutAtQuantile(data, quantile + (k * (1 - quantile)) / windows));
  const tests = cuts.map((cut, k) => splitTemporal(data, cut, cuts[k + 1] ?? Infinity));
  const cut = cuts[0]!;
  const validQuantile = options.validQuantile ?? (quantile ?? 0.9) - 0.1;
  const validWindows = Math.max(1, Math.floor(options.validWindows ?? 1));
  // With an explicit cut, VALID's windows end at the share of events before it.
  const top = quantile ?? data.users.reduce((a, u) => a + u.times!.filter((t) => t < cut).length, 0) / data.users.reduce((a, u) => a + u.items.length, 0);
  const validQuantiles = Array.from({ length: validWindows }, (_, k) => validQuantile + (k * (top - validQuantile)) / validWindows);
  const validCuts = validQuantiles.map((q) => Math.min(cutAtQuantile(data, q), cut));
  const valids = validCuts.map((c, k) => splitTemporal(data, c, validCuts[k + 1] ?? cut));
  const validCut = validCuts[0]!;
  const perWindow = tests.map((t) => temporalSplitChecksums(data, t));
  const checksums = perWindow.length === 1 ? perWindow[0]! : { train: sha256(perWindow.map((c) => c.train).join('\n')), targets: sha256(perWindow.map((c) => c.targets).join('\n')) };
  const warmCases = tests.reduce((a, t) => a + t.warm.length, 0);
  const coldCases = tests.reduce((a, t) => a + t.cold.length, 0);
  log(
    `${data.name}: temporal cut ${new Date(cut * 1000).toISOString()}${quantile !== null ? ` (quantile ${quantile})` : ''}${windows > 1 ? `, ${windows} rolling windows to the end` : ''}, ` +
      `${tests[0]!.trainEvents} training events, ${warmCases} cases with history + ${coldCases} visitors first seen after a cut; VALID cut ${new Date(validCut * 1000).toISOString()} ` +
      `${validWindows > 1 ? `, ${validWindows} windows` : ''} (${valids.reduce((a, v) => a + v.warm.length, 0)} + ${valids.reduce((a, v) => a + v.cold.length, 0)}); split sha256 train ${checksums.train} targets ${checksums.targets}`,
  );
  const genres = data.meta?.genres;
  const want = (name: string) => !options.models || options.models.includes(name);
  const results: Record<string, TemporalModelResult> = {};
  const withClock = (name: string) => name.startsWith('engine') && (options.engineClock ?? 'events') === 'events';
  /** One model, fitted afresh on each split's training log: VALID's, then every TEST window's, cases pooled. */
  const run = async (fit: (split: TemporalSplit) => ScoringModel | Promise<ScoringModel>, settings?: Record<string, unknown>) => {
    const t = performance.now();
    let name = '';
    const validScored: Scored = { ranks: [], lists: [] };
    for (const split of valids) {
      const model = await fit(split);
      name = model.name;
      await scoreCases(model, split.warm, n, split.cut * 1000, withClock(name), validScored);
    }
    const clock = withClock(name);
    const v = finish(validScored, n);
    const f = (x: number) => x.toFixed(4);
    if (options.validOnly) {
      log(`${name.padEnd(16)} valid NDCG@10 ${f(v['NDCG@10'])} ± ${f(v['NDCG@10_se'])}  HR@10 ${f(v['HR@10'])}  (${v.users} cases)`);
      return;
    }
    const warmScored: Scored = { ranks: [], lists: [] };
    const coldScored: Scored = { ranks: [], lists: [] };
    for (const split of tests) {
      const model = await fit(split);
      await scoreCases(model, split.warm, n, split.cut * 1000, clock, warmScored);
      await scoreCases(model, split.cold, n, split.cut * 1000, clock, coldScored);
    }
    const warm = finish(warmScored, n, genres);
    const cold = finish(coldScored, n, genres);
    results[name] = {
      warm,
      cold,
      valid_warm: { 'HR@10': v['HR@10'], 'NDCG@10': v['NDCG@10'], 'NDCG@10_se': v['NDCG@10_se'], 'MRR@10': v['MRR@10'], users: v.users },
      ...(settings ? { settings } : {}),
    };
    log(
      `${name.padEnd(16)} valid NDCG@10 ${f(v['NDCG@10'])}  test NDCG@10 ${f(warm['NDCG@10'])} ± ${f(warm['NDCG@10_se'])}  HR@10 ${f(warm['HR@10'])}  cov ${f(warm['coverage@10'])}` +
        `${warm['ILD@10'] != null ? `  ILD ${f(warm['ILD@10'])}` : ''}  cold NDCG@10 ${f(cold['NDCG@10'])}  (${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );
  };

  if (want('MostPop')) await run((split) => mostPop(trainPopularity(split.train, n)));
  if (want('MostPop-7d')) await run((split) => mostPopRecent(split.train, n, split.cut, 7), { days: 7, tieBreak: 'all-time popularity' });
  if (want('ItemKNN')) await run((split) => itemKnn(coOccurrence(split.train, n), Infinity));
  if (want('ItemKNN-recency')) {
    // Coordinate search on VALID: the history's positional half-life first (co-occurrence undecayed), then the
    // co-occurrence's half-life in days at that position half-life.
    const validNdcg = async (model: (split: TemporalSplit) => ScoringModel) => {
      const scored: Scored = { ranks: [], lists: [] };
      for (const split of valids) await scoreCases(model(split), split.warm, n, split.cut * 1000, false, scored);
      return finish(scored, n)['NDCG@10'];
    };
    const co = new Map(valids.map((split) => [split, coOccurrence(split.train, n)]));
    let position: { h: number; v: number } = { h: Infinity, v: -1 };
    for (const h of HALF_LIFE_GRID) {
      const v = await validNdcg((split) => itemKnn(co.get(split)!, h));
      if (v > position.v) position = { h, v };
    }
    co.clear();
    const recency = (split: TemporalSplit, days: number) => itemKnn(decayedCoOccurrence(split.train, n, split.cut, days), position.h, 'ItemKNN-recency');
    let days: { h: number; v: number } = { h: Infinity, v: -1 };
    for (const h of CO_HALF_LIFE_DAYS_GRID) {
      const v = await validNdcg((split) => recency(split, h));
      if (v > days.v) days = { h, v };
    }
    await run((split) => recency(split, days.h), { positionHalfLife: position.h, coHalfLifeDays: days.h });
  }
  if (want('engine')) {
    const settings = engineEvalSettings(options.engine);
    // Each split's catalogue is built from its own training log only, with the build's now at its cut. No sequence
    // model here: the engine's other signals, so that the table runs in minutes on a laptop.
    const describe = (x: EngineEvalSettings) => ({ ...x, rank: { ...x.rank, maxPerCategory: String(x.rank.maxPerCategory) } });
    await run(
      async (split) => engineModel(await buildEvalCatalog({ ...data, users: split.train, tags: [] }, split.train, settings, { now: split.cut * 1000 }), settings),
      { ...describe(settings), clock: options.engineClock ?? 'events', sequenceModel: false },
    );
  }
  return {
    protocol: 'temporal',
    dataset: data.name,
    n_items: n,
    cuts: tests.map((t, k) => cutInfo(t, quantile === null ? null : quantile + (k * (1 - quantile)) / windows)),
    valid_cuts: valids.map((v, k) => cutInfo(v, validQuantiles[k]!)),
    split_sha256: checksums,
    results,
    seconds: (performance.now() - started) / 1000,
  };
}
