export { runEval, type EvalOptions, type EvalReport, type ModelResult } from './run-eval';
export { tieAveragedRank, candidateRank, summarize, topList, intraListDiversity, coverage } from './metrics';
export { mulberry32, drawNegatives } from './negatives';
export { splitLeaveOneOut, publishedChecksums } from './split';
export { searchOverlap, type SearchOverlapReport } from './search-overlap';
export { loadDataset } from './datasets';
