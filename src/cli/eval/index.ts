export { runEval, transferHalf, tunedEngineSettings, type EvalOptions, type EvalReport, type ModelResult } from './run-eval';
export { tieAveragedRank, candidateRank, summarize, topList, intraListDiversity, coverage } from './metrics';
export { mulberry32, drawNegatives } from './negatives';
export { splitLeaveOneOut, publishedChecksums } from './split';
export { runTemporalEval, type TemporalEvalOptions, type TemporalReport, type TemporalModelResult } from './run-temporal';
export { cutAtQuantile, splitTemporal, temporalSplitChecksums, type TemporalSplit, type TemporalCase } from './temporal-split';
export { mostPopRecent, decayedCoOccurrence } from './temporal-baselines';
export { searchOverlap, type SearchOverlapReport } from './search-overlap';
export { loadDataset, type Dataset, type UserSequence } from './datasets';
