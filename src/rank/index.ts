export type { RankModel, RankSettings, RankFilter, RankRequest, Ranked, Reason, SparseRows } from './types';
export { createRankModel, type RankModelInput } from './rank-model';
export { recommend, similarTo, searchItems, passesFilter, DEFAULT_RANK_SETTINGS } from './recommend';
export { tasteVector, scoreItems } from './score';
export { diversify } from './diversify';
export { explain, reasonFor } from './explain';
export { buildLexicalIndex, scoreLexical, type LexicalIndex } from './lexical-index';
