export { holdOutLatest, ndcgAt10, sampleCases, sampleVisitors } from './held-out';
export { heldOutObjective } from './objective';
export { coordinateSearch, TUNE_PLAN, type TuneSearchOptions, type TuneSearchResult } from './search';
export { casesFor, tuneEngine, type TuneEngineOptions } from './tune-engine';
export { DEFAULT_TUNE_MINUTES, DEFAULT_TUNE_SEED, TUNED_RANK_KEYS, type HeldOutCase, type TuneCandidate, type TunedRankKey, type TunedSettings } from './types';
