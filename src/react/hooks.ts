import { useCallback } from 'react';
import type { RecommendRequest, Recommendation, TrackEvent } from '../index';
import { fetchSurface, type RecommendationKind } from '../embed';
import { useProvider } from './provider';
import type { ListOptions, QueryState } from './types';
import { useRecommenderQuery } from './use-query';

/**
 * The visitor's personal feed, refreshed after every tracked event.
 * Every field of `request` is part of the question, so pass a fixed `now` (or none), not `Date.now()` per render.
 * @example const { data, status } = useRecommendations({ k: 8, filter: { maxPrice: 120 } });
 */
export function useRecommendations(request: RecommendRequest = {}): QueryState<Recommendation[]> {
  return useRecommenderQuery('useRecommendations', JSON.stringify(request), (rec, signal) => rec.recommend(request, { signal }));
}

/** Items like `itemId`; `idle` while `itemId` is empty. @example const { data } = useSimilar(product.id, { k: 4 }); */
export function useSimilar(itemId: string | null | undefined, options: ListOptions = {}): QueryState<Recommendation[]> {
  const key = itemId ? JSON.stringify([itemId, options]) : null;
  return useRecommenderQuery('useSimilar', key, (rec, signal) => rec.similar(itemId!, options.k, { signal, ...(options.filter ? { filter: options.filter } : {}) }));
}

/**
 * Search ranked for this visitor; `idle` while the query is blank. Searching does not record a `search` event;
 * track one with `useTrack()` when the visitor submits.
 */
export function useSearch(query: string | null | undefined, options: ListOptions = {}): QueryState<Recommendation[]> {
  const key = query?.trim() ? JSON.stringify([query, options]) : null;
  return useRecommenderQuery('useSearch', key, (rec, signal) => rec.search(query!, options.k, { signal, ...(options.filter ? { filter: options.filter } : {}) }));
}

/** What a widget of `kind` shows (see `<Recommendations>`) */
export function useSurface(kind: RecommendationKind, itemIds: readonly string[] = [], options: ListOptions = {}): QueryState<Recommendation[]> {
  return useRecommenderQuery('useSurface', JSON.stringify([kind, itemIds, options]), (rec, signal) => fetchSurface(rec, { kind, itemIds, ...options, signal }));
}

/**
 * A stable `track(event)` for event handlers. Events sent before the recommender has started wait for it; the
 * promise rejects with the start-up error, or `invalid-event` for a bad event.
 * @example const track = useTrack(); <button onClick={() => track({ type: 'add_to_cart', itemId })}>
 */
export function useTrack(): (event: TrackEvent) => Promise<void> {
  const { ready } = useProvider('useTrack');
  return useCallback((event: TrackEvent) => ready.then((rec) => rec.track(event)), [ready]);
}
