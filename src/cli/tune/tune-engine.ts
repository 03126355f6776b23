import { DEFAULT_PROFILE_SETTINGS, type ProfileSettings } from '../../profile';
import { DEFAULT_RANK_SETTINGS, type RankModel, type RankSettings } from '../../rank';
import { createProgress } from '../progress';
import { holdOutLatest, sampleCases, sampleVisitors } from './held-out';
import { heldOutObjective } from './objective';
import { coordinateSearch } from './search';
import { TUNED_RANK_KEYS, type HeldOutCase, type TuneCandidate, type TunedSettings } from './types';

const MAX_TUNE_EVENTS = 2_000_000;
const MAX_CASES = 2000;
const MIN_CASES = 200;
/**
 * Item scores one trial may cost (cases × catalogue items): a case ranks the whole catalogue, so at 1 M items 2,000
 * cases made one trial longer than the default budget. Catalogues up to 250 k items keep all 2,000 cases.
 */
const SCORES_PER_TRIAL = 500_000_000;

export interface TuneEngineOptions<S extends { items: ArrayLike<number> }> {
  /** The log as per-visitor sequences in time order. */
  sequences: readonly S[];
  /** The catalogue built from `rest` (the log without the held-out events) with this many neighbours per item. */
  buildModel: (rest: readonly S[], neighbors: number) => Promise<RankModel>;
  minutes: number;
  seed: number;
  /**
   * When the budget started (`performance.now()`): a caller whose own preparation is part of tuning (reading the
   * log back for it) counts that time too. @defaultValue the call
   */
  startedAt?: number;
  /** Settings the search starts from. @defaultValue the library's defaults, 50 neighbours */
  rank?: RankSettings;
  profile?: ProfileSettings;
  neighbors?: number;
  /**
   * Held-out visitors scored per trial at most (a seeded draw). @defaultValue 2000, fewer past 250 k items
   * (500 at 1 M), at least 200
   */
  maxUsers?: number;
  /**
   * Events of the log the tuning catalogues are built from, at most (whole visitors, a seeded draw): each neighbour
   * count tried rebuilds the signals in memory, which at 10 M events passed 7 GB. @defaultValue 2,000,000
   */
  maxEvents?: number;
  log?: (line: string) => void;
}

/** Held-out cases per trial for a catalogue of `items`: as many as keep a trial's scoring work bounded. */
export function casesFor(items: number): number {
  return Math.max(MIN_CASES, Math.min(MAX_CASES, Math.floor(SCORES_PER_TRIAL / Math.max(items, 1))));
}

/**
 * The build's self-tuning, one path for `pocketrec build` and `pocketrec eval`: each visitor's latest event is held
 * out, the catalogue is built from the rest (once per neighbour count), and every candidate is scored on the
 * held-out events through the worker's ranking code. The budget covers all of it, catalogue builds included: a
 * trial is started only when its estimated cost (ranking, plus a build for a neighbour count not built yet) fits.
 */
export async function tuneEngine<S extends { items: ArrayLike<number> }>(o: TuneEngineOptions<S>): Promise<TunedSettings & { ms: number }> {
  const startedAt = o.startedAt ?? performance.now();
  const log = o.log ?? (() => {});
  const rank = o.rank ?? DEFAULT_RANK_SETTINGS;
  const profile = o.profile ?? DEFAULT_PROFILE_SETTINGS;
  const maxEvents = o.maxEvents ?? MAX_TUNE_EVENTS;
  const sequences = sampleVisitors(o.sequences, maxEvents, o.seed);
  if (sequences.length < o.sequences.length) log(`tune: the log is larger than ${maxEvents.toLocaleString('en')} events; tuning on ${sequences.length} of its ${o.sequences.length} visitors (seeded draw)`);
  const { rest, cases: all } = holdOutLatest(sequences);
  // The cases are drawn once the first catalogue says how many items a case ranks.
  let cases: HeldOutCase[] | null = null;
  const costs = { buildMs: 0, rankMs: 0 };
  const objectives = new Map<number, Promise<(rank: RankSettings) => number>>();
  const objectiveFor = (neighbors: number) => {
    let f = objectives.get(neighbors);
    if (!f) {
      const t = performance.now();
      f = o.buildModel(rest, neighbors).then((model) => {
        if (!cases) {
          cases = sampleCases(all, o.maxUsers ?? casesFor(model.ids.length), o.seed);
          log(`tune: ${cases.length} of ${all.length} visitors' latest events held out (${model.ids.length} items), budget ${o.minutes} min, seed ${o.seed}`);
        }
        const objective = heldOutObjective(model, cases, profile);
        costs.buildMs = Math.max(costs.buildMs, performance.now() - t);
        return objective;
      });
      objectives.set(neighbors, f);
    }
    return f;
  };
  let eta: ((done: number) => void) | null = null;
  const search = coordinateSearch({
    start: { neighbors: o.neighbors ?? 50, rank: Object.fromEntries(TUNED_RANK_KEYS.map((k) => [k, rank[k]])) as TuneCandidate['rank'] },
    objective: async (c) => {
      const objective = await objectiveFor(c.neighbors);
      const t = performance.now();
      const value = objective({ ...rank, ...c.rank });
      costs.rankMs = Math.max(costs.rankMs, performance.now() - t);
      return value;
    },
    estimateMs: (c) => costs.rankMs + (objectives.has(c.neighbors) ? 0 : costs.buildMs),
    budgetMs: o.minutes * 60_000,
    startedAt,
    progress: (done, total) => (eta ??= createProgress('tune trials (of the plan at most)', total, log, { unit: 'trials' }))(done),
    log,
  });
  const { neighbors, rank: chosen, value, baseline, trials, stopped, ms } = await search;
  log(`tune: ${trials} trials in ${(ms / 1000).toFixed(0)} s (${stopped}; a catalogue build ${(costs.buildMs / 1000).toFixed(1)} s, a trial's ranking ${(costs.rankMs / 1000).toFixed(1)} s at most), held-out NDCG@10 ${baseline.toFixed(4)} → ${value.toFixed(4)}: neighbors ${neighbors} ${JSON.stringify(chosen)}`);
  return { neighbors, rank: chosen, tuned: { metric: 'NDCG@10', value, baseline, heldOutUsers: (cases as HeldOutCase[] | null)?.length ?? 0, trials, seed: o.seed, stopped }, ms };
}
