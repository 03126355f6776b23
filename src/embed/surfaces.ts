import { PocketRecError, type Recommendation, type Recommender, type RankFilter } from '../index';

/** What a widget can show. Only `for-you` and single-seed `related` have an engine call so far. */
export const RECOMMENDATION_KINDS = Object.freeze(['for-you', 'related', 'bought-together', 'trending'] as const);
export type RecommendationKind = (typeof RECOMMENDATION_KINDS)[number];

export interface SurfaceRequest {
  kind: RecommendationKind;
  /** Seeds of `related` and `bought-together`; `for-you` leaves them out of its results (the page already shows them). */
  itemIds: readonly string[];
  /** @defaultValue the recommender's `defaultK` */
  k?: number;
  filter?: RankFilter;
  signal?: AbortSignal;
}

/**
 * The one place where a widget kind becomes an engine call, shared by `<pocket-recs>` and the React
 * `<Recommendations>`. When the engine offers `related(ids)`, `boughtTogether(ids)` and `trending()`, they are
 * plugged in here and every widget follows.
 *
 * @throws PocketRecError `unsupported` (a kind or seed count the engine has no call for yet), `invalid-option`
 *   (a kind that needs seeds got none)
 */
export function fetchSurface(rec: Recommender, request: SurfaceRequest): Promise<Recommendation[]> {
  const { kind, itemIds, k, filter, signal } = request;
  const options = { ...(signal ? { signal } : {}), ...(filter ? { filter } : {}) };
  switch (kind) {
    case 'for-you':
      return rec.recommend({ ...(k ? { k } : {}), ...(filter ? { filter } : {}), ...(itemIds.length ? { exclude: [...itemIds] } : {}) }, signal ? { signal } : {});
    case 'related':
      if (itemIds.length === 0) return Promise.reject(needsSeeds(kind));
      // One seed is exactly `similar`; several need the engine's multi-seed `related`, which does not exist yet.
      if (itemIds.length === 1) return rec.similar(itemIds[0]!, k, options);
      return Promise.reject(unsupported(kind, `related items for ${itemIds.length} seeds (only one seed is supported so far)`, itemIds.length));
    case 'bought-together':
      if (itemIds.length === 0) return Promise.reject(needsSeeds(kind));
      return Promise.reject(unsupported(kind, 'bought-together recommendations', itemIds.length));
    case 'trending':
      return Promise.reject(unsupported(kind, 'trending items', itemIds.length));
  }
}

/** Reads a kind from markup or props. @throws PocketRecError `invalid-option` listing the valid kinds */
export function parseKind(value: string | null | undefined, where: string): RecommendationKind {
  if (value === null || value === undefined || value === '') return 'for-you';
  if ((RECOMMENDATION_KINDS as readonly string[]).includes(value)) return value as RecommendationKind;
  throw new PocketRecError('invalid-option', `${where}: unknown kind "${value}". Use one of ${RECOMMENDATION_KINDS.join(', ')}.`, { details: { option: 'kind', kind: value } });
}

function needsSeeds(kind: RecommendationKind): PocketRecError {
  return new PocketRecError('invalid-option', `widget: kind "${kind}" needs at least one item id (item-ids / itemIds) to start from.`, { details: { option: 'itemIds', kind } });
}

function unsupported(kind: RecommendationKind, what: string, seeds: number): PocketRecError {
  return new PocketRecError('unsupported', `widget: this version of PocketRec cannot compute ${what} (kind "${kind}"). Use kind "for-you", or "related" with one item id.`, {
    details: { kind, seeds },
  });
}
