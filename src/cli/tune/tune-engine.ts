import { DEFAULT_PROFILE_SETTINGS, type ProfileSettings } from '../../profile';
import { DEFAULT_RANK_SETTINGS, type RankModel, type RankSettings } from '../../rank';
import { createProgress } from '../progress';
import { holdOutLatest, sampleCases, sampleVisitors } from './held-out';
import { heldOutObjective } from './objective';
import { coordinateSearch } from './search';
import { TUNED_RANK_KEYS, type TuneCandidate, type TunedSettings } from './types';

const MAX_TUNE_EVENTS = 2_000_000;

export interface TuneEngineOptions<S extends { items: ArrayLike<number> }> {
  /** The log as per-visitor sequences in time order. */
  sequences: readonly S[];
  /** The catalogue built from `rest` (the log without the held-out events) with this many neighbours per item. */
  buildModel: (rest: readonly S[], neighbors: number) => Promise<RankModel>;
  minutes: number;
  seed: number;
  /** Settings the search starts from. @defaultValue the library's defaults, 50 neighbours */
  rank?: RankSettings;
  profile?: ProfileSettings;
  neighbors?: number;
  /** Held-out visitors scored per trial at most (a seeded draw). @defaultValue 2000 */
  maxUsers?: number;
  /**
   * Events of the log the tuning catalogues are built from, at most (whole visitors, a seeded draw): each neighbour
   * count tried rebuilds the signals in memory, which at 10 M events passed 7 GB. @defaultValue 2,000,000
   */
  maxEvents?: number;
  log?: (line: string) => void;
}

/**
 * The build's self-tuning, one path for `pocketrec build` and `pocketrec eval`: each visitor's latest event is held
 * out, the catalogue is built from the rest (once per neighbour count), and every candidate is scored on the
 * held-out events through the worker's ranking code, within the time budget.
 */
export async function tuneEngine<S extends { items: ArrayLike<number> }>(o: TuneEngineOptions<S>): Promise<TunedSettings & { ms: number }> {
  const log = o.log ?? (() => {});
  const rank = o.rank ?? DEFAULT_RANK_SETTINGS;
  const profile = o.profile ?? DEFAULT_PROFILE_SETTINGS;
  const maxEvents = o.maxEvents ?? MAX_TUNE_EVENTS;
  const sequences = sampleVisitors(o.sequences, maxEvents, o.seed);
  if (sequences.length < o.sequences.length) log(`tune: the log is larger than ${maxEvents.toLocaleString('en')} events; tuning on ${sequences.length} of its ${o.sequences.length} visitors (seeded draw)`);
  const { rest, cases: all } = holdOutLatest(sequences);
  const cases = sampleCases(all, o.maxUsers ?? 2000, o.seed);
  log(`tune: ${cases.length} of ${all.length} visitors' latest events held out, budget ${o.minutes} min, seed ${o.seed}`);
  // One catalogue (and its folded profiles) per neighbour count the search tries.
  const objectives = new Map<number, Promise<(rank: RankSettings) => number>>();
  const objectiveFor = (neighbors: number) => {
    let f = objectives.get(neighbors);
    if (!f) objectives.set(neighbors, (f = o.buildModel(rest, neighbors).then((model) => heldOutObjective(model, cases, profile))));
    return f;
  };
  let eta: ((done: number) => void) | null = null;
  const tuned = await coordinateSearch({
    start: { neighbors: o.neighbors ?? 50, rank: Object.fromEntries(TUNED_RANK_KEYS.map((k) => [k, rank[k]])) as TuneCandidate['rank'] },
    objective: async (c) => (await objectiveFor(c.neighbors))({ ...rank, ...c.rank }),
    budgetMs: o.minutes * 60_000,
    heldOutUsers: cases.length,
    seed: o.seed,
    progress: (done, total) => (eta ??= createProgress('tune trials (of the plan at most)', total, log, { unit: 'trials' }))(done),
    log,
  });
  log(`tune: ${tuned.tuned.trials} trials in ${(tuned.ms / 1000).toFixed(0)} s (${tuned.tuned.stopped}), held-out NDCG@10 ${tuned.tuned.baseline.toFixed(4)} → ${tuned.tuned.value.toFixed(4)}: neighbors ${tuned.neighbors} ${JSON.stringify(tuned.rank)}`);
  return tuned;
}
