import { contextKeys, type EventContext, type Profile, type ProfileSettings } from '../profile';
import { normalize, type ScanQuery } from '../vector';
import type { RankModel, RankSettings } from './types';

const DAY_MS = 86_400_000;
/** CSR weights are uint16 fractions of their row's strongest entry. */
export const WEIGHT_SCALE = 65_535;

/** The user's taste as one query vector: long-term interests, tilted towards this session and explicit intents. */
export function tasteVector(profile: Profile, settings: RankSettings): Float32Array | null {
  const dim = profile.longTerm.vector.length;
  const out = new Float32Array(dim);
  let any = false;
  const add = (v: Float32Array, w: number) => {
    const unit = normalize(Float32Array.from(v));
    for (let i = 0; i < dim; i++) out[i]! += w * unit[i]!;
  };
  if (profile.longTerm.mass > 0) (add(profile.longTerm.vector, 1), (any = true));
  if (profile.session.mass > 0) (add(profile.session.vector, settings.sessionWeight), (any = true));
  if (profile.intents.mass > 0) (add(profile.intents.vector, settings.intentWeight), (any = true));
  return any ? normalize(out) : null;
}

/** Positive affinities as shares of their total, so each term lies in [0, 1] whatever the history length. */
function shares(map: ReadonlyMap<string, number>): Map<string, number> {
  let total = 0;
  for (const v of map.values()) total += Math.max(0, v);
  const out = new Map<string, number>();
  if (total > 0) for (const [k, v] of map) if (v > 0) out.set(k, v / total);
  return out;
}

/** Category shares in the request's situation, averaged over its keys (daypart, week part, device). */
function contextShares(profile: Profile, now: number, context: EventContext | undefined): Map<string, number> {
  const out = new Map<string, number>();
  const keys = contextKeys(now, context).filter((k) => profile.contextAffinity.has(k));
  for (const key of keys) for (const [c, v] of shares(profile.contextAffinity.get(key)!)) out.set(c, (out.get(c) ?? 0) + v / keys.length);
  return out;
}

/**
 * A per-request weight for every dictionary code (0 = none stays 0), so the per-item loop reads one array
 * element instead of looking a string up in a Map. Null when nothing has weight.
 */
function byCode(weights: ReadonlyMap<string, number>, size: number, codeOf: (name: string) => number | undefined): Float64Array | null {
  if (weights.size === 0) return null;
  const out = new Float64Array(size);
  for (const [name, w] of weights) {
    const c = codeOf(name);
    if (c !== undefined) out[c] = w;
  }
  return out;
}

/**
 * The hybrid score of one request, split by how each part is best computed. Every term is on a comparable
 * [0, 1]-ish scale so that weights mean what they say:
 * - `queries` and `bias` go to the vector kernel, which scans every item in one pass: similarity to the taste
 *   vector, minus similarity to what was dismissed, plus popularity, trend and the trained sequence model's
 *   next-item probability (per-item terms that need no per-item work from JS);
 * - `boosts` holds the collaborative neighbours and next-item transitions of the recent sequence, sparse by
 *   nature: only the items they name get one, and those always join the candidates;
 * - `features(i)`, the profile's affinities (freshness, category, tags, brand, price band, situation), runs on the
 *   candidates only, and `featureBound` caps what it can give any item, which is what lets the candidate stage
 *   prove that no item it skipped could have made the list.
 */
export interface Scorer {
  readonly queries: readonly ScanQuery[];
  readonly bias?: Float32Array;
  readonly boosts: ReadonlyMap<number, number>;
  readonly featureBound: number;
  features(index: number): number;
}

export function createScorer(model: RankModel, profile: Profile, settings: RankSettings, profileSettings: ProfileSettings, now: number, context?: EventContext, sequence?: Float32Array): Scorer {
  const taste = tasteVector(profile, settings);
  const negative = profile.negative.mass > 0 && settings.negativeWeight !== 0 ? normalize(Float32Array.from(profile.negative.vector)) : null;
  const queries: ScanQuery[] = [];
  if (taste) queries.push({ vector: taste, weight: 1 });
  if (negative) queries.push({ vector: negative, weight: -settings.negativeWeight, positiveOnly: true });

  const freshMs = settings.freshnessDays * DAY_MS;
  const categoryNames = model.categories.names.length;
  const categories = settings.categoryWeight > 0 ? byCode(shares(profile.categoryAffinity), categoryNames, model.categoryCode) : null;
  const tags = settings.tagWeight > 0 ? byCode(shares(profile.tagAffinity), model.tagNames.length, model.tagCode) : null;
  const brands = settings.brandWeight > 0 ? byCode(shares(profile.brandAffinity), model.brands.names.length, model.brandCode) : null;
  const situational = settings.contextWeight > 0 ? byCode(contextShares(profile, now, context), categoryNames, model.categoryCode) : null;
  const p = profile.price;
  // A price band needs a few priced items; its width never drops below ±50 % so one purchase cannot pin it.
  const priceMean = p.weight > 0 ? p.sumLog / p.weight : 0;
  const priceSd = p.weight > 0 ? Math.max(0.4, Math.sqrt(Math.max(0, p.sumLog2 / p.weight - priceMean * priceMean))) : 0;
  const usePrice = settings.priceWeight > 0 && p.weight >= 2;
  const useFresh = settings.freshnessWeight > 0 && newestPublished(model) > now - freshMs;
  const categoryCodes = model.categories.codes;
  const brandCodes = model.brands.codes;
  const tagOffsets = model.tags.offsets;
  const tagCodes = model.tags.codes;

  const features = (i: number): number => {
    let s = 0;
    if (useFresh) {
      const age = now - model.publishedMs[i]!;
      if (age >= 0 && age < freshMs) s += settings.freshnessWeight * (1 - age / freshMs);
    }
    const category = categoryCodes[i]!;
    if (category !== 0) {
      if (categories) s += settings.categoryWeight * categories[category]!;
      if (situational) s += settings.contextWeight * situational[category]!;
    }
    if (tags) {
      let t = 0;
      for (let q = tagOffsets[i]!; q < tagOffsets[i + 1]!; q++) t += tags[tagCodes[q]!]!;
      s += settings.tagWeight * Math.min(1, t);
    }
    const brand = brandCodes[i]!;
    if (brand !== 0 && brands) s += settings.brandWeight * brands[brand]!;
    if (usePrice) {
      const price = model.prices[i]!;
      if (price > 0) {
        const z = (Math.log(price) - priceMean) / priceSd;
        s += settings.priceWeight * Math.exp(-0.5 * z * z);
      }
    }
    return s;
  };
  const featureBound =
    (useFresh ? settings.freshnessWeight : 0) +
    (categories ? settings.categoryWeight * maxOf(categories) : 0) +
    (situational ? settings.contextWeight * maxOf(situational) : 0) +
    (tags ? settings.tagWeight : 0) +
    (brands ? settings.brandWeight * maxOf(brands) : 0) +
    (usePrice ? settings.priceWeight : 0);

  const boosts = new Map<number, number>();
  const halfLife = profileSettings.halfLifeDays * DAY_MS;
  addSequenceSignal(model.neighbors, profile.recent, settings.neighborWeight, now, halfLife, boosts);
  // Transitions speak about what comes right after the latest items, so only the last few count.
  addSequenceSignal(model.transitions, profile.recent.slice(-3), settings.transitionWeight, now, halfLife, boosts);

  return { queries, bias: scanBias(model, settings, sequence), boosts, featureBound, features };
}

/**
 * Every item's final score into `out` (length count), the dense way: the whole catalogue through the kernel and
 * the features. What the candidate stage computes for its candidates, for callers that need every item (the
 * evaluation's full ranking, tests).
 */
export function scoreAll(model: RankModel, scorer: Scorer, out: Float32Array = new Float32Array(model.count)): Float32Array {
  model.kernel.score(model.rows, scorer.queries, out, scorer.bias);
  for (let i = 0; i < model.count; i++) out[i]! += scorer.features(i);
  for (const [i, boost] of scorer.boosts) out[i]! += boost;
  return out;
}

/** The hybrid score of every item (see `Scorer`) into `out`. */
export function scoreItems(model: RankModel, profile: Profile, settings: RankSettings, profileSettings: ProfileSettings, now: number, out: Float32Array, context?: EventContext, sequence?: Float32Array): Float32Array {
  return scoreAll(model, createScorer(model, profile, settings, profileSettings, now, context, sequence), out);
}

/** Largest entry of a per-code weight table (0 when empty). */
function maxOf(weights: Float64Array): number {
  let max = 0;
  for (const w of weights) max = Math.max(max, w);
  return max;
}

const newest = new WeakMap<RankModel, number>();
/** The latest publication time in the catalogue: with nothing recent, no item can get the freshness bonus. */
function newestPublished(model: RankModel): number {
  let value = newest.get(model);
  if (value === undefined) {
    value = -Infinity;
    for (const t of model.publishedMs) if (t > value) value = t;
    newest.set(model, value);
  }
  return value;
}

const staticBiases = new WeakMap<RankModel, { popularity: number; trending: number; bias: Float32Array }>();
const sequenceBiases = new WeakMap<Float32Array, { base: Float32Array; weight: number; bias: Float32Array }>();
/**
 * Popularity and trend weighted, plus the sequence model's vote: built once per settings and once per model run
 * (the sequence probabilities change only when the history does), so a request adds no per-item JS pass.
 */
function scanBias(model: RankModel, settings: RankSettings, sequence: Float32Array | undefined): Float32Array {
  let cached = staticBiases.get(model);
  if (!cached || cached.popularity !== settings.popularityWeight || cached.trending !== settings.trendingWeight) {
    const bias = new Float32Array(model.count);
    for (let i = 0; i < model.count; i++) bias[i] = settings.popularityWeight * model.popularity[i]! + settings.trendingWeight * model.trending[i]!;
    cached = { popularity: settings.popularityWeight, trending: settings.trendingWeight, bias };
    staticBiases.set(model, cached);
  }
  if (!sequence || settings.sequenceWeight === 0) return cached.bias;
  const base = cached.bias;
  let withSequence = sequenceBiases.get(sequence);
  if (!withSequence || withSequence.base !== base || withSequence.weight !== settings.sequenceWeight) {
    const bias = new Float32Array(model.count);
    for (let i = 0; i < model.count; i++) bias[i] = base[i]! + settings.sequenceWeight * sequence[i]!;
    withSequence = { base, weight: settings.sequenceWeight, bias };
    sequenceBiases.set(sequence, withSequence);
  }
  return withSequence.bias;
}

function addSequenceSignal(rows: RankModel['neighbors'], recent: Profile['recent'], weight: number, now: number, halfLifeMs: number, out: Map<number, number>): void {
  if (!rows || weight === 0 || recent.length === 0) return;
  const n = recent.length;
  recent.forEach((event, position) => {
    if (event.weight <= 0) return;
    // Later events count more, both by position in the sequence and by age.
    const recency = Math.pow(2, -(now - event.ts) / halfLifeMs) * ((position + 1) / n);
    for (let p = rows.offsets[event.index]!; p < rows.offsets[event.index + 1]!; p++) {
      const target = rows.targets[p]!;
      out.set(target, (out.get(target) ?? 0) + weight * recency * (rows.weights[p]! / WEIGHT_SCALE));
    }
  });
}

/**
 * Candidate-aware attention over the recent sequence, for a candidate pool only: each candidate attends to the
 * recent items most like it (softmax over similarities), so a visitor with two interests gets both served
 * instead of one blurred average. Adds to `scores` (aligned with `pool`) in place.
 */
export function addAttention(model: RankModel, profile: Profile, pool: ArrayLike<number>, weight: number, scores: Float32Array): void {
  const recent = profile.recent.filter((e) => e.weight > 0).slice(-20);
  if (weight === 0 || recent.length === 0 || pool.length === 0) return;
  const TEMPERATURE = 0.1;
  const n = recent.length;
  const sims = model.kernel.dots(model.rows, pool, recent.map((e) => e.index));
  for (let c = 0; c < pool.length; c++) {
    let max = -Infinity;
    for (let p = 0; p < n; p++) {
      if (recent[p]!.index === pool[c]) sims[c * n + p] = 0;
      max = Math.max(max, sims[c * n + p]!);
    }
    let z = 0;
    let att = 0;
    for (let p = 0; p < n; p++) {
      const sim = sims[c * n + p]!;
      const a = Math.exp((sim - max) / TEMPERATURE) * ((p + 1) / n);
      z += a;
      att += a * sim;
    }
    scores[c]! += weight * (z > 0 ? att / z : 0);
  }
}
