import { PocketRecError, type Recommendation, type Recommender, type RankFilter } from '../index';

/** What a widget can show: the personal feed, items related to seeds, bought with them, or trending. */
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
 * `<Recommendations>`. `related` takes one or several seeds (a product page, a cart); `trending` ranks the whole
 * catalogue by its trend. An empty answer (no basket data, no trend yet) renders as an empty widget, not an error.
 *
 * @throws PocketRecError `invalid-option` (a kind that needs seeds got none, or what the engine rejects)
 */
export function fetchSurface(rec: Recommender, request: SurfaceRequest): Promise<Recommendation[]> {
  const { kind, itemIds, k, filter, signal } = request;
  const options = { ...(signal ? { signal } : {}), ...(filter ? { filter } : {}), ...(k ? { k } : {}) };
  switch (kind) {
    case 'for-you':
      return rec.recommend({ ...(k ? { k } : {}), ...(filter ? { filter } : {}), ...(itemIds.length ? { exclude: [...itemIds] } : {}) }, signal ? { signal } : {});
    case 'related':
      if (itemIds.length === 0) return Promise.reject(needsSeeds(kind));
      return rec.related([...itemIds], options);
    case 'bought-together':
      if (itemIds.length === 0) return Promise.reject(needsSeeds(kind));
      return rec.boughtTogether([...itemIds], options);
    case 'trending':
      return rec.trending(options);
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
