import { CATALOG_RANK_SETTINGS, type CatalogSettings } from '../../catalog';
import type { RankSettings } from '../../rank';

/** The engine settings a build may choose on its own log: the manifest's rank settings (the neighbour count aside). */
export const TUNED_RANK_KEYS = CATALOG_RANK_SETTINGS;
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
  /** The manifest's record of the run, less what only a build knows (the log's key, a kept tuning's source). */
  tuned: Omit<NonNullable<CatalogSettings['tuned']>, 'log' | 'keptFrom'> & { metric: 'NDCG@10' };
}

/** One visitor's held-out case: everything before their latest event, and that event. */
export interface HeldOutCase {
  history: readonly number[];
  target: number;
}
