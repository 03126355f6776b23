export { holdOutLatest, mulberry32, ndcgAt10, sampleCases } from './held-out';
export { coordinateSearch, TUNE_PLAN, type TuneSearchOptions } from './search';
export { TUNED_RANK_KEYS, type HeldOutCase, type TuneCandidate, type TunedRankKey, type TunedSettings } from './types';
