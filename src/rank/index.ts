export type { RankModel, RankSettings, RankFilter, RankRequest, Ranked, Reason, SparseRows } from './types';
export { createRankModel, type RankModelInput } from './rank-model';
export { recommend, rankIndices, similarTo, searchItems, DEFAULT_RANK_SETTINGS, type RankedIndices } from './recommend';
export { tasteVector, scoreItems, scoreAll, createScorer, addAttention, type Scorer } from './score';
export { selectCandidates, type Candidates } from './candidates';
export { diversify } from './diversify';
export { explain } from './explain';
export { buildLexicalIndex, createLexicalIndexBuilder, scoreLexical, type LexicalIndex, type LexicalIndexBuilder } from './lexical-index';
