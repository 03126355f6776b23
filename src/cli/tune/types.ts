import type { RankSettings } from '../../rank';

/** The engine settings a build may choose on its own log: blend weights, the diversity trade-off, the neighbour count. */
export const TUNED_RANK_KEYS = Object.freeze(['transitionWeight', 'neighborWeight', 'popularityWeight', 'trendingWeight', 'sessionWeight', 'diversityLambda'] as const);
export type TunedRankKey = (typeof TUNED_RANK_KEYS)[number];

/** `--tune-minutes` and `--tune-seed` when not given, for the build and the eval alike. */
export const DEFAULT_TUNE_MINUTES = 2;
export const DEFAULT_TUNE_SEED = 1;

/** One point of the search: the rank weights it sets and the build's neighbour count. */
export interface TuneCandidate {
  rank: Pick<RankSettings, TunedRankKey>;
  neighbors: number;
}

/** What the build writes into the manifest's `settings` (no wall-clock time: same seed, same bytes). */
export interface TunedSettings extends TuneCandidate {
  tuned: {
    metric: 'NDCG@10';
    /** The metric of the chosen settings on the held-out slice, and of the starting point (the defaults). */
    value: number;
    baseline: number;
    heldOutUsers: number;
    trials: number;
    seed: number;
    /** `budget` when the time ran out before the search plan did; `plan` otherwise. */
    stopped: 'plan' | 'budget';
  };
}

/** One visitor's held-out case: everything before their latest event, and that event. */
export interface HeldOutCase {
  history: readonly number[];
  target: number;
}
