export type { RankModel, RankSettings, RankFilter, RankRequest, Ranked, Reason, SparseRows, SurfaceFallback, SurfaceRequest } from './types';
export { SURFACE_FALLBACKS } from './types';
export { createRankModel, type RankModelInput } from './rank-model';
export { recommend, rankIndices, searchItems, DEFAULT_RANK_SETTINGS, type RankedIndices, type SearchRequest } from './recommend';
export { boughtTogether, lookingSimilar, related, trending } from './surfaces';
export { tasteVector, scoreItems, scoreTerms, addAttention, type ScoreTerm, type TermContribution } from './score';
export { diversify } from './diversify';
export { explain, reasonFromTerms } from './explain';
export { buildLexicalIndex, scoreLexical, type LexicalIndex } from './lexical-index';
