import type { ReactNode } from 'react';
import type { Progress, Recommendation, RecommenderOptions, Recommender, RankFilter } from '../index';

/**
 * Where a hook's answer stands: `idle` (nothing asked, e.g. an empty search), `loading` (the recommender is
 * starting or the current question is being answered; `data` still holds the previous answer), `ready`, `error`.
 */
export type QueryStatus = 'idle' | 'loading' | 'ready' | 'error';

/** What every hook returns. */
export interface QueryState<T> {
  /** The answer; null until the first one arrives. */
  data: T | null;
  status: QueryStatus;
  /** The recommender's latest loading progress; null when the provider was handed a recommender it did not start. */
  progress: Progress | null;
  /** Why `status` is `error`: a `PocketRecError` (start-up failure, bad arguments, …). */
  error: Error | null;
}

/** `<PocketRecProvider>`: start a recommender from options, or share one the page made itself. */
export type PocketRecProviderProps = { children?: ReactNode } & (
  | {
      /**
       * Read once, when the provider mounts: the recommender (and its worker) lives as long as the provider.
       * To start over with other options, give the provider a new `key`.
       */
      options: RecommenderOptions;
      recommender?: never;
    }
  | {
      /** A recommender (or its start-up promise) the page owns; the provider never disposes it. */
      recommender: Recommender | Promise<Recommender>;
      options?: never;
    }
);

/** Options of `useSimilar` and `useSearch`. */
export interface ListOptions {
  /** @defaultValue the recommender's `defaultK` */
  k?: number;
  filter?: RankFilter;
}

export type { Recommendation };
