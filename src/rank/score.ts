import { contextKeys, type EventContext, type Profile, type ProfileSettings } from '../profile';
import { dotInt8Row, normalize, readInt8Row } from '../vector';
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
 * Hybrid score of every item into `out`: content similarity to the taste vector, minus similarity to what was
 * dismissed, plus collaborative neighbours and next-item transitions of the recent sequence, popularity, trend,
 * freshness, affinities to category, tags, brand, price band and the current situation, and the trained sequence
 * model's next-item probabilities when the catalogue ships one. Every term is on a
 * comparable [0, 1]-ish scale so that weights mean what they say.
 */
export function scoreItems(model: RankModel, profile: Profile, settings: RankSettings, profileSettings: ProfileSettings, now: number, out: Float32Array, context?: EventContext, sequence?: Float32Array): Float32Array {
  const taste = tasteVector(profile, settings);
  const negative = profile.negative.mass > 0 ? normalize(Float32Array.from(profile.negative.vector)) : null;
  const freshMs = settings.freshnessDays * DAY_MS;
  const categoryNames = model.categories.names.length;
  const categories = byCode(shares(profile.categoryAffinity), categoryNames, model.categoryCode);
  const tags = settings.tagWeight > 0 ? byCode(shares(profile.tagAffinity), model.tagNames.length, model.tagCode) : null;
  const brands = settings.brandWeight > 0 ? byCode(shares(profile.brandAffinity), model.brands.names.length, model.brandCode) : null;
  const situational = settings.contextWeight > 0 ? byCode(contextShares(profile, now, context), categoryNames, model.categoryCode) : null;
  const p = profile.price;
  // A price band needs a few priced items; its width never drops below ±50 % so one purchase cannot pin it.
  const priceMean = p.weight > 0 ? p.sumLog / p.weight : 0;
  const priceSd = p.weight > 0 ? Math.max(0.4, Math.sqrt(Math.max(0, p.sumLog2 / p.weight - priceMean * priceMean))) : 0;
  const usePrice = settings.priceWeight > 0 && p.weight >= 2;
  const { rows } = model;
  const categoryCodes = model.categories.codes;
  const brandCodes = model.brands.codes;
  const tagOffsets = model.tags.offsets;
  const tagCodes = model.tags.codes;

  for (let i = 0; i < model.count; i++) {
    let s = 0;
    if (taste) s += dotInt8Row(rows, i, taste);
    if (negative) s -= settings.negativeWeight * Math.max(0, dotInt8Row(rows, i, negative));
    s += settings.popularityWeight * model.popularity[i]! + settings.trendingWeight * model.trending[i]!;
    const age = now - model.publishedMs[i]!;
    if (age >= 0 && age < freshMs) s += settings.freshnessWeight * (1 - age / freshMs);
    const category = categoryCodes[i]!;
    if (category !== 0) {
      s += settings.categoryWeight * (categories ? categories[category]! : 0);
      s += settings.contextWeight * (situational ? situational[category]! : 0);
    }
    if (tags) {
      let t = 0;
      for (let q = tagOffsets[i]!; q < tagOffsets[i + 1]!; q++) t += tags[tagCodes[q]!]!;
      s += settings.tagWeight * Math.min(1, t);
    }
    const brand = brandCodes[i]!;
    if (brand !== 0) s += settings.brandWeight * (brands ? brands[brand]! : 0);
    const price = model.prices[i]!;
    if (usePrice && price > 0) {
      const z = (Math.log(price) - priceMean) / priceSd;
      s += settings.priceWeight * Math.exp(-0.5 * z * z);
    }
    out[i] = s;
  }

  const halfLife = profileSettings.halfLifeDays * DAY_MS;
  addSequenceSignal(model.neighbors, profile.recent, settings.neighborWeight, now, halfLife, out);
  // Transitions speak about what comes right after the latest items, so only the last few count.
  addSequenceSignal(model.transitions, profile.recent.slice(-3), settings.transitionWeight, now, halfLife, out);
  if (sequence && settings.sequenceWeight !== 0) for (let i = 0; i < model.count; i++) out[i]! += settings.sequenceWeight * sequence[i]!;
  return out;
}

function addSequenceSignal(rows: RankModel['neighbors'], recent: Profile['recent'], weight: number, now: number, halfLifeMs: number, out: Float32Array): void {
  if (!rows || weight === 0 || recent.length === 0) return;
  const n = recent.length;
  recent.forEach((event, position) => {
    if (event.weight <= 0) return;
    // Later events count more, both by position in the sequence and by age.
    const recency = Math.pow(2, -(now - event.ts) / halfLifeMs) * ((position + 1) / n);
    for (let p = rows.offsets[event.index]!; p < rows.offsets[event.index + 1]!; p++) {
      out[rows.targets[p]!]! += weight * recency * (rows.weights[p]! / WEIGHT_SCALE);
    }
  });
}

/**
 * Candidate-aware attention over the recent sequence, for a candidate pool only: each candidate attends to the
 * recent items most like it (softmax over similarities), so a visitor with two interests gets both served
 * instead of one blurred average. Adds to `scores` in place.
 */
export function addAttention(model: RankModel, profile: Profile, pool: readonly number[], weight: number, scores: Float32Array): void {
  const recent = profile.recent.filter((e) => e.weight > 0).slice(-20);
  if (weight === 0 || recent.length === 0) return;
  const TEMPERATURE = 0.1;
  const sims = new Float64Array(recent.length);
  const scratch = new Float32Array(model.dim);
  for (const c of pool) {
    const row = readInt8Row(model.rows, c, scratch);
    let max = -Infinity;
    recent.forEach((e, p) => {
      sims[p] = e.index === c ? 0 : dotInt8Row(model.rows, e.index, row);
      max = Math.max(max, sims[p]!);
    });
    let z = 0;
    let att = 0;
    for (let p = 0; p < recent.length; p++) {
      const a = Math.exp((sims[p]! - max) / TEMPERATURE) * ((p + 1) / recent.length);
      z += a;
      att += a * sims[p]!;
    }
    scores[c]! += weight * (z > 0 ? att / z : 0);
  }
}
