import type { TuneCandidate, TunedSettings } from './types';

/** One coordinate of the search: the values tried, and the relative gain a move must bring to be taken. */
interface Coordinate {
  key: 'neighbors' | keyof TuneCandidate['rank'];
  values: readonly number[];
  minGain: number;
}

/**
 * The search plan, cheapest signal first. Moves need a small gain (0.5 %) so that noise on a few thousand cases
 * does not move settings; less variety (a higher MMR λ) must pay 3 %, because NDCG alone would always trade the
 * diversity the defaults keep (ILD@10) for a sliver of accuracy.
 */
export const TUNE_PLAN: readonly Coordinate[] = Object.freeze([
  { key: 'transitionWeight', values: [0, 0.15, 0.3, 0.6, 1], minGain: 0.005 },
  { key: 'neighborWeight', values: [0.1, 0.3, 0.6, 1], minGain: 0.005 },
  { key: 'neighbors', values: [50, 100, 200], minGain: 0.005 },
  { key: 'popularityWeight', values: [0, 0.05, 0.15, 0.3], minGain: 0.005 },
  { key: 'sessionWeight', values: [0.3, 0.6, 1], minGain: 0.005 },
  { key: 'trendingWeight', values: [0, 0.1, 0.3], minGain: 0.005 },
  { key: 'diversityLambda', values: [0.4, 0.55, 0.7, 0.85], minGain: 0.005 },
]);
const LESS_VARIETY_GAIN = 0.03;
/** Passes over the plan at most; a pass that moves nothing ends the search. */
const MAX_PASSES = 2;

export interface TuneSearchOptions {
  start: TuneCandidate;
  /** NDCG@10 of a candidate on the held-out slice. */
  objective: (candidate: TuneCandidate) => Promise<number>;
  budgetMs: number;
  /** When the budget started (`performance.now()`). @defaultValue the call */
  startedAt?: number;
  /**
   * What a trial of `candidate` would cost, in ms, when the caller knows better than "the slowest trial so far"
   * (a trial that first builds a catalogue costs more than one that only ranks).
   */
  estimateMs?: (candidate: TuneCandidate) => number;
  /** Called after each trial with the trials done and the plan's size (for an ETA). */
  progress?: (done: number, total: number) => void;
  log?: (line: string) => void;
}

/** The search's outcome: the chosen point, its value and the starting point's, and how the search ended. */
export type TuneSearchResult = TuneCandidate & Pick<TunedSettings['tuned'], 'value' | 'baseline' | 'trials' | 'stopped'> & { ms: number };

/**
 * Coordinate search from the defaults: each coordinate in turn tries its values with the others fixed and keeps
 * the best. Deterministic for a given objective: the budget only ends it early, and then says so in `stopped`. A
 * trial that would overrun the budget (estimated by `estimateMs`, else from the slowest so far) is not started,
 * the first one included once the budget is spent before it.
 */
export async function coordinateSearch(o: TuneSearchOptions): Promise<TuneSearchResult> {
  const started = o.startedAt ?? performance.now();
  const seen = new Map<string, number>();
  const total = TUNE_PLAN.reduce((s, c) => s + c.values.length, 0) * MAX_PASSES;
  let trials = 0;
  let slowest = 0;
  let stopped: 'plan' | 'budget' = 'plan';
  const evaluate = async (c: TuneCandidate): Promise<number | null> => {
    const key = JSON.stringify(c);
    const known = seen.get(key);
    if (known !== undefined) return known;
    if (performance.now() - started + (o.estimateMs?.(c) ?? slowest) > o.budgetMs) {
      stopped = 'budget';
      return null;
    }
    const t = performance.now();
    const v = await o.objective(c);
    slowest = Math.max(slowest, performance.now() - t);
    seen.set(key, v);
    trials++;
    o.progress?.(trials, total);
    return v;
  };
  let best: TuneCandidate = { neighbors: o.start.neighbors, rank: { ...o.start.rank } };
  // Null when the budget was spent before the search began: every later trial is refused too.
  const baseline = (await evaluate(best)) ?? 0;
  let bestValue = baseline;
  search: for (let pass = 0; pass < MAX_PASSES; pass++) {
    let moved = false;
    for (const coord of TUNE_PLAN) {
      const current = coord.key === 'neighbors' ? best.neighbors : best.rank[coord.key];
      let choice = best;
      let choiceValue = bestValue;
      for (const value of coord.values) {
        if (value === current) continue;
        const candidate: TuneCandidate = coord.key === 'neighbors' ? { ...best, neighbors: value } : { ...best, rank: { ...best.rank, [coord.key]: value } };
        const v = await evaluate(candidate);
        if (v === null) break search;
        const gain = coord.key === 'diversityLambda' && value > current ? LESS_VARIETY_GAIN : coord.minGain;
        if (v > choiceValue && v > bestValue * (1 + gain)) {
          choice = candidate;
          choiceValue = v;
        }
      }
      if (choice !== best) {
        o.log?.(`tune: ${coord.key} ${current} → ${coord.key === 'neighbors' ? choice.neighbors : choice.rank[coord.key]} (NDCG@10 ${bestValue.toFixed(4)} → ${choiceValue.toFixed(4)})`);
        best = choice;
        bestValue = choiceValue;
        moved = true;
      }
    }
    if (!moved) break;
  }
  const ms = performance.now() - started;
  return { ...best, value: round6(bestValue), baseline: round6(baseline), trials, stopped, ms };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
