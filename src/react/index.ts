/**
 * `pocketrec/react`: a provider and hooks over the recommender, and `<Recommendations>` on top of them.
 * Importing or server-rendering any of it touches no browser API; the worker starts in an effect.
 */
export { PocketRecProvider, useRecommender } from './provider';
export { useRecommendations, useSimilar, useSearch, useSurface, useTrack } from './hooks';
export { Recommendations } from './recommendations';

// Types
export type { PocketRecProviderProps, QueryState, QueryStatus, ListOptions } from './types';
export type { RecommendationsProps } from './recommendations';
export type { RecommendationKind } from '../embed';
