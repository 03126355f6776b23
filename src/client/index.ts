export { createRecommender } from './create-recommender';
export { DEFAULTS } from './resolve-options';
export type { Recommender, RecommenderOptions, CallOptions } from './types';
