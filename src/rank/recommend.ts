import { DEFAULT_PROFILE_SETTINGS, type Profile, type ProfileSettings } from '../profile';
import { selectCandidates } from './candidates';
import { diversify } from './diversify';
import { createScratch } from './scratch';
import { scoreLexical } from './lexical-index';
import { createClosestRecent, reasonFromTerms } from './explain';
import { addAttention, boostOf, createScorer, createTermReporter, NO_BOOSTS, NO_FEATURES, scoreAll, type ProfileScorer, type Scorer } from './score';
import type { RankFilter, RankModel, RankRequest, RankSettings, Ranked } from './types';

/**
 * Chosen on the MovieLens VALID split (`pocketrec eval --engine …`): lowering λ from 0.85 to 0.55 and capping a
 * category at 4 of 10 kept VALID NDCG@10 (0.0649 → 0.0650) while raising VALID ILD@10 from 0.734 to 0.799.
 */
export const DEFAULT_RANK_SETTINGS: RankSettings = Object.freeze({
  sessionWeight: 0.6,
  intentWeight: 0.8,
  negativeWeight: 0.5,
  popularityWeight: 0.15,
  trendingWeight: 0.1,
  freshnessWeight: 0.05,
  freshnessDays: 30,
  categoryWeight: 0.1,
  tagWeight: 0.05,
  brandWeight: 0.05,
  priceWeight: 0.05,
  contextWeight: 0.05,
  attentionWeight: 0,
  neighborWeight: 0.3,
  transitionWeight: 0.3,
  sequenceWeight: 1,
  diversityLambda: 0.55,
  maxPerCategory: 4,
});

/** The ranking's item masks, one pair per call (at a million items, a fresh mask would be a megabyte each time). */
const scratch = createScratch();

/** How many candidates per requested result the diversity step may choose from. */
const POOL_FACTOR = 5;
/** Candidates that attention re-scores: enough to lift a good item from beyond the first pool. */
const ATTENTION_POOL = 200;

export function passesFilter(model: RankModel, index: number, filter: RankFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.categories && !filter.categories.includes(model.categories.names[model.categories.codes[index]!]!)) return false;
  const price = model.prices[index]!;
  if (filter.minPrice !== undefined && !(price >= filter.minPrice)) return false;
  if (filter.maxPrice !== undefined && !(price <= filter.maxPrice)) return false;
  return true;
}

/**
 * One byte per item, 1 = never return it: what the filter rules out, into `skip` (zeroed, length count). One pass
 * over the catalogue's columns, only when a filter is given; categories are compared by dictionary code, not by name.
 */
export function filterMask(model: RankModel, filter: RankFilter | undefined, skip: Uint8Array = new Uint8Array(model.count)): Uint8Array {
  if (!filter) return skip;
  const allowed = filter.categories ? new Uint8Array(model.categories.names.length) : null;
  for (const name of filter.categories ?? []) {
    const code = model.categoryCode(name);
    if (code !== undefined) allowed![code] = 1;
  }
  const codes = model.categories.codes;
  const { minPrice, maxPrice } = filter;
  for (let i = 0; i < model.count; i++) {
    const price = model.prices[i]!;
    if ((allowed && !allowed[codes[i]!]) || (minPrice !== undefined && !(price >= minPrice)) || (maxPrice !== undefined && !(price <= maxPrice))) skip[i] = 1;
  }
  return skip;
}

/** The ranking before words: the chosen positions in order, and the candidate pool they were chosen from. */
export interface RankedIndices {
  /** The candidates the re-ranking chose from, best first, with their final scores at the same positions. */
  pool: Uint32Array;
  poolScores: Float32Array;
  pinned: number[];
  chosen: number[];
  explored: number | undefined;
  /** The request's scorer, for reporting the results' terms without preparing it again. */
  scorer: ProfileScorer;
  /** The final score of any item (the pool's are at hand; others are scored on demand). */
  scoreOf(index: number): number;
  /**
   * Every item's final score, computed densely on first access: for the evaluation's full ranking and for tests.
   * The ranking itself never needs it.
   */
  readonly scores: Float32Array;
}

/**
 * The personal ranking in two stages: the exact candidate stage (`selectCandidates`: one fused kernel scan plus
 * the sparse boosts, the per-item features on the pool only), attention over the pool, then diversity. Purchased
 * (unless repeatable), dismissed and already-seen items are left out; with no history this is the cold-start
 * ranking (popular, trending, fresh, and the situation).
 */
export function rankIndices(model: RankModel, profile: Profile, request: RankRequest, settings: RankSettings = DEFAULT_RANK_SETTINGS, profileSettings: ProfileSettings = DEFAULT_PROFILE_SETTINGS): RankedIndices {
  const scorer = createScorer(model, profile, settings, profileSettings, request.now, request.context, request.sequence);
  const pinned = (request.pinned ?? []).filter((i) => i >= 0 && i < model.count).slice(0, request.k);
  scratch.begin();
  const skip = filterMask(model, request.filter, scratch.u8(model.count));
  const leaveOut = (i: number) => void (skip[i] = 1);
  pinned.forEach(leaveOut);
  request.exclude?.forEach(leaveOut);
  profile.dismissed.forEach(leaveOut);
  for (const i of profile.purchased) if (!model.repeatable[i]) skip[i] = 1;
  for (const i of profile.seen) if (!model.repeatable[i]) skip[i] = 1;

  const explore = request.explore === true && request.k - pinned.length >= 2;
  const want = request.k - pinned.length - (explore ? 1 : 0);
  const attention = settings.attentionWeight > 0;
  let { indices: pool, scores: poolScores } = selectCandidates(model, scorer, attention ? Math.max(want * POOL_FACTOR, ATTENTION_POOL) : want * POOL_FACTOR, skip);
  if (attention) {
    poolScores = Float32Array.from(poolScores);
    addAttention(model, profile, pool, settings.attentionWeight, poolScores);
    const order = Array.from(pool.keys()).sort((a, b) => poolScores[b]! - poolScores[a]! || pool[a]! - pool[b]!).slice(0, want * POOL_FACTOR);
    pool = Uint32Array.from(order, (p) => pool[p]!);
    poolScores = Float32Array.from(order, (p) => poolScores[p]!);
  }
  const picked = settings.diversityLambda >= 1 && settings.maxPerCategory === Infinity ? Array.from(pool.subarray(0, want)) : diversify(model, pool, poolScores, want, settings.diversityLambda, settings.maxPerCategory);
  const explorer = explore ? exploration(model, profile, scorer, pool, poolScores, new Set([...pinned, ...picked]), skip) : undefined;

  // A walk over the pool's few dozen distinct items per result: cheaper than a Map of the pool built per call.
  const scoreOf = (i: number): number => {
    const p = pool.indexOf(i);
    if (p >= 0) return poolScores[p]!;
    return model.kernel.scoreRows(model.rows, scorer.queries, [i], undefined, scorer.bias)[0]! + scorer.features(i) + boostOf(scorer.boosts, i);
  };
  // A threshold says "nothing good" honestly: results below it are dropped, never replaced by weaker ones.
  const threshold = request.threshold ?? -Infinity;
  const chosen = threshold === -Infinity ? picked : picked.filter((i) => scoreOf(i) >= threshold);
  const explored = explorer !== undefined && scoreOf(explorer) >= threshold ? explorer : undefined;
  let dense: Float32Array | undefined;
  return {
    pool,
    poolScores,
    pinned,
    chosen,
    explored,
    scorer,
    scoreOf,
    get scores() {
      if (!dense) {
        dense = scoreAll(model, scorer);
        // The pool's scores include attention, which only the pool gets.
        pool.forEach((i, p) => (dense![i] = poolScores[p]!));
      }
      return dense;
    },
  };
}

/** `rankIndices` with a reason per result, as the worker serves it. */
export function recommend(model: RankModel, profile: Profile, request: RankRequest, settings: RankSettings = DEFAULT_RANK_SETTINGS, profileSettings: ProfileSettings = DEFAULT_PROFILE_SETTINGS): Ranked[] {
  const { scoreOf, pinned, chosen, explored, scorer } = rankIndices(model, profile, request, settings, profileSettings);
  const terms = chosen.length > 0 ? createTermReporter(model, profile, settings, profileSettings, request.now, request.context, request.sequence, scorer)(chosen) : [];
  const closest = createClosestRecent(model, profile, chosen);
  return [
    ...pinned.map((index) => ({ index, score: scoreOf(index), reason: { kind: 'pinned' } as const })),
    ...chosen.map((index, j) => ({ index, score: scoreOf(index), reason: reasonFromTerms(model, profile, index, terms[j]!, closest) })),
    ...(explored === undefined ? [] : [{ index: explored, score: scoreOf(explored), reason: { kind: 'explore' } as const }]),
  ];
}

/**
 * The exploration slot: the best-scored item from a category the visitor has not shown interest in yet, so the
 * feedback loop learns beyond what it already knows instead of narrowing into one corner of the catalogue. The
 * pool usually holds one; otherwise the candidate stage runs once more with the known categories masked out.
 */
function exploration(model: RankModel, profile: Profile, scorer: Scorer, pool: Uint32Array, poolScores: Float32Array, taken: ReadonlySet<number>, skip: Uint8Array): number | undefined {
  const codes = model.categories.codes;
  const known = new Uint8Array(model.categories.names.length);
  known[0] = 1;
  for (const name of profile.categoryAffinity.keys()) {
    const c = model.categoryCode(name);
    if (c !== undefined) known[c] = 1;
  }
  for (const i of taken) known[codes[i]!] = 1;
  let best = -1;
  for (let p = 0; p < pool.length; p++) {
    const i = pool[p]!;
    if (!taken.has(i) && !known[codes[i]!] && (best < 0 || poolScores[p]! > poolScores[best]!)) best = p;
  }
  if (best >= 0) return pool[best];
  // A plain loop: typed-array `from` with a map function is V8's slow generic path, here over every item.
  const unknownOnly = scratch.u8(skip.length);
  for (let i = 0; i < skip.length; i++) if (skip[i] || known[codes[i]!]) unknownOnly[i] = 1;
  for (const i of taken) unknownOnly[i] = 1;
  return selectCandidates(model, scorer, 1, unknownOnly).indices[0];
}

/** A search, resolved: the query's vector is null when the encoder does not cover its script (lexical only). */
export interface SearchRequest {
  query: string;
  vector: Float32Array | null;
  k: number;
  taste: Float32Array | null;
  filter?: RankFilter;
  /** Matches whose relevance (words + meaning, before the personal tilt) falls below this are left out. @defaultValue -Infinity */
  threshold?: number;
}

/** Weight of the visitor's taste in a search: enough to break near-ties, never enough to outrank a better match. */
const SEARCH_TILT = 0.1;
/** The tilt's cosine with a row can pass 1 by the int8 rounding; this bounds it with room to spare. */
const TILT_BOUND = SEARCH_TILT * 1.05;

/**
 * Items matching a query: exact words (BM25) and meaning (the encoder's vectors) together, with a light
 * personal tilt so that two visitors' near-equal matches break their way. BM25 rides along as the scan's per-row
 * bias, so one kernel pass ranks by all three. The threshold looks at relevance alone: a visitor's taste must
 * never make a non-match pass. Relevance is computed for the candidates only; since the tilt moves a score by at
 * most `TILT_BOUND`, once the last candidate scores below `threshold - TILT_BOUND` no item left out could pass.
 */
export function searchItems(model: RankModel, request: SearchRequest): Ranked[] {
  const { query, vector, taste, k, threshold = -Infinity } = request;
  const lexical = scoreLexical(model.lexical, query, new Float32Array(model.count));
  const meaning = vector ? [{ vector, weight: 1 }] : [];
  const scorer: Scorer = { queries: [...meaning, ...(taste ? [{ vector: taste, weight: SEARCH_TILT }] : [])], bias: lexical, boosts: NO_BOOSTS, ...NO_FEATURES };
  const skip = filterMask(model, request.filter);
  for (let want = Math.min(k, model.count); ; want = Math.min(want * 4, model.count)) {
    const { indices, scores } = selectCandidates(model, scorer, want, skip);
    const relevance = threshold === -Infinity || !taste ? scores : model.kernel.scoreRows(model.rows, meaning, indices, undefined, lexical);
    const out: Ranked[] = [];
    for (let p = 0; p < indices.length && out.length < k; p++) if (relevance[p]! >= threshold) out.push({ index: indices[p]!, score: scores[p]!, reason: { kind: 'search', query } });
    const exhausted = indices.length < want || want >= model.count;
    if (out.length === k || exhausted || threshold === -Infinity || scores[scores.length - 1]! < threshold - TILT_BOUND) return out;
  }
}
