/**
 * PocketRec's public surface. Only what is exported here is public; everything else may change.
 */
export { createRecommender, DEFAULTS } from './client';
export { PocketRecError, isPocketRecError, ERROR_CODES } from './errors';
export { EVENT_TYPES } from './profile';
export { DEVICES } from './encoder';

// Types
export type { Recommender, RecommenderOptions, CallOptions } from './client';
export type { ErrorCode, ErrorDetails } from './errors';
export type { Item, CatalogManifest, CatalogSignals, EmbeddingsRef, SequenceModelRef, SequenceTraining, CatalogSource } from './catalog';
export type { EventType, EventContext, BehaviourEvent } from './profile';
export type { Device, Language, LanguageCoverage } from './encoder';
export type { RankFilter, SurfaceFallback } from './rank';
export type { Retention, HistoryExport, StoredEvent } from './store';
export type { Progress, Recommendation, RecommendRequest, SearchOptions, SequenceStatus, Status, SurfaceOptions, TrackEvent, TrendingOptions, Update, VectorsStatus } from './worker';
