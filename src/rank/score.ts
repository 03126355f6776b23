import { contextKeys, type EventContext, type Profile, type ProfileSettings, type RecentEvent } from '../profile';
import { dotRow, normalize } from '../vector';
import type { RankModel, RankSettings, SparseRows } from './types';

const DAY_MS = 86_400_000;

/** The user's taste as one query vector: long-term interests, tilted towards this session and explicit intents. */
export function tasteVector(profile: Profile, settings: RankSettings): Float32Array | null {
  return tasteParts(profile, settings).taste;
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

/** The additive terms of the hybrid score, as `scoreTerms` reports them for a result. */
export type ScoreTerm =
  | 'history'
  | 'intent'
  | 'negative'
  | 'popularity'
  | 'trending'
  | 'fresh'
  | 'category'
  | 'context'
  | 'tag'
  | 'brand'
  | 'price'
  | 'neighbors'
  | 'transitions'
  | 'sequence'
  | 'attention';

/** One term's share of one item's score; `source` is the recent item (position) that earned it, when one did. */
export interface TermContribution {
  term: ScoreTerm;
  value: number;
  source?: number;
  /**
   * The value minus what the catalogue's average item gets from the same term, for the terms every item gets
   * something from (content, category, context, brand, popularity, trend). Sentence encoders put unrelated items
   * at a cosine of 0.3 or more, so the raw content value is large for everything; the lift is what sets this item
   * apart, and what a reason should name. Sparse terms (co-occurrence, transitions, sequence, tags, price,
   * freshness) average near zero and carry no lift.
   */
  lift?: number;
}

/** Receives each term of one item's score as it is added. */
type TermSink = (term: ScoreTerm, value: number, source?: number) => void;

/** What every item's score reads from the profile, computed once per request. */
interface Prepared {
  taste: Float32Array | null;
  /** The taste vector's history and intent parts, whose dot products sum to the taste term (for reporting). */
  historyPart: Float32Array | null;
  intentPart: Float32Array | null;
  negative: Float32Array | null;
  freshMs: number;
  categories: Map<string, number>;
  tags: Map<string, number>;
  brands: Map<string, number>;
  situational: Map<string, number>;
  priceMean: number;
  priceSd: number;
  usePrice: boolean;
}

function prepare(profile: Profile, settings: RankSettings, now: number, context: EventContext | undefined): Prepared {
  const p = profile.price;
  // A price band needs a few priced items; its width never drops below ±50 % so one purchase cannot pin it.
  const priceMean = p.weight > 0 ? p.sumLog / p.weight : 0;
  return {
    ...tasteParts(profile, settings),
    negative: profile.negative.mass > 0 ? normalize(Float32Array.from(profile.negative.vector)) : null,
    freshMs: settings.freshnessDays * DAY_MS,
    categories: shares(profile.categoryAffinity),
    tags: settings.tagWeight > 0 ? shares(profile.tagAffinity) : new Map<string, number>(),
    brands: settings.brandWeight > 0 ? shares(profile.brandAffinity) : new Map<string, number>(),
    situational: settings.contextWeight > 0 ? contextShares(profile, now, context) : new Map<string, number>(),
    priceMean,
    priceSd: p.weight > 0 ? Math.max(0.4, Math.sqrt(Math.max(0, p.sumLog2 / p.weight - priceMean * priceMean))) : 0,
    usePrice: settings.priceWeight > 0 && p.weight >= 2,
  };
}

/** The taste vector split into what history and what explicit intents put into it, each already divided by its norm. */
function tasteParts(profile: Profile, settings: RankSettings): Pick<Prepared, 'taste' | 'historyPart' | 'intentPart'> {
  const dim = profile.longTerm.vector.length;
  const history = new Float32Array(dim);
  const intent = new Float32Array(dim);
  const add = (into: Float32Array, v: Float32Array, w: number) => {
    const unit = normalize(Float32Array.from(v));
    for (let i = 0; i < dim; i++) into[i]! += w * unit[i]!;
  };
  if (profile.longTerm.mass > 0) add(history, profile.longTerm.vector, 1);
  if (profile.session.mass > 0) add(history, profile.session.vector, settings.sessionWeight);
  if (profile.intents.mass > 0) add(intent, profile.intents.vector, settings.intentWeight);
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += (history[i]! + intent[i]!) ** 2;
  if (norm === 0) return { taste: null, historyPart: null, intentPart: null };
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dim; i++) (history[i]! *= scale), (intent[i]! *= scale);
  return { taste: Float32Array.from(history, (h, i) => h + intent[i]!), historyPart: history, intentPart: intent };
}

/**
 * The per-item part of the hybrid score. With `record`, each term is reported as it is added, so the report
 * and the score can never disagree; without it (every item on every request) it costs what a plain sum costs.
 */
function itemScore(model: RankModel, c: Prepared, settings: RankSettings, now: number, i: number, record?: TermSink): number {
  // Plain statements, no closure: this runs for every item on every request.
  let s = 0;
  let v = 0;
  if (c.taste && record) {
    record('history', (v = dotRow(model.vectors, i, c.historyPart!)));
    s += v;
    record('intent', (v = dotRow(model.vectors, i, c.intentPart!)));
    s += v;
  } else if (c.taste) s += dotRow(model.vectors, i, c.taste);
  if (c.negative) {
    s += v = -settings.negativeWeight * Math.max(0, dotRow(model.vectors, i, c.negative));
    record?.('negative', v);
  }
  s += v = settings.popularityWeight * model.popularity[i]!;
  record?.('popularity', v);
  s += v = settings.trendingWeight * model.trending[i]!;
  record?.('trending', v);
  const age = now - model.publishedMs[i]!;
  if (age >= 0 && age < c.freshMs) {
    s += v = settings.freshnessWeight * (1 - age / c.freshMs);
    record?.('fresh', v);
  }
  const category = model.categories[i];
  if (category !== undefined) {
    s += v = settings.categoryWeight * (c.categories.get(category) ?? 0);
    record?.('category', v);
    s += v = settings.contextWeight * (c.situational.get(category) ?? 0);
    record?.('context', v);
  }
  if (c.tags.size > 0) {
    let t = 0;
    for (const tag of model.tags[i]!) t += c.tags.get(tag) ?? 0;
    s += v = settings.tagWeight * Math.min(1, t);
    record?.('tag', v);
  }
  const brand = model.brands[i];
  if (brand !== undefined) {
    s += v = settings.brandWeight * (c.brands.get(brand) ?? 0);
    record?.('brand', v);
  }
  const price = model.prices[i]!;
  if (c.usePrice && price > 0) {
    const z = (Math.log(price) - c.priceMean) / c.priceSd;
    s += v = settings.priceWeight * Math.exp(-0.5 * z * z);
    record?.('price', v);
  }
  return s;
}

/**
 * Hybrid score of every item into `out`: content similarity to the taste vector, minus similarity to what was
 * dismissed, plus collaborative neighbours and next-item transitions of the recent sequence, popularity, trend,
 * freshness, affinities to category, tags, brand, price band and the current situation, and the trained sequence
 * model's next-item probabilities when the catalogue ships one. Every term is on a
 * comparable [0, 1]-ish scale so that weights mean what they say.
 */
export function scoreItems(model: RankModel, profile: Profile, settings: RankSettings, profileSettings: ProfileSettings, now: number, out: Float32Array, context?: EventContext, sequence?: Float32Array): Float32Array {
  const prepared = prepare(profile, settings, now, context);
  for (let i = 0; i < model.count; i++) out[i] = itemScore(model, prepared, settings, now, i);
  const halfLife = profileSettings.halfLifeDays * DAY_MS;
  for (const [rows, recent, weight] of sequenceSignals(model, profile, settings)) {
    recent.forEach((event, position) => {
      const w = weight * recencyOf(event, position, recent.length, now, halfLife);
      if (w === 0) return;
      for (let p = rows.offsets[event.index]!; p < rows.offsets[event.index + 1]!; p++) out[rows.targets[p]!]! += w * rows.weights[p]!;
    });
  }
  if (sequence && settings.sequenceWeight !== 0) for (let i = 0; i < model.count; i++) out[i]! += settings.sequenceWeight * sequence[i]!;
  return out;
}

/**
 * Every term of one item's final score (attention included when it ran), for the few results only: the reason
 * then names what truly contributed most. The values sum to the score `rankIndices` gave the item.
 */
export function scoreTerms(model: RankModel, profile: Profile, settings: RankSettings, profileSettings: ProfileSettings, now: number, index: number, context?: EventContext, sequence?: Float32Array): TermContribution[] {
  const terms: TermContribution[] = [];
  const prepared = prepare(profile, settings, now, context);
  const stats = statsOf(model);
  const share = (counts: Map<string, number>, shares: Map<string, number>) => {
    let sum = 0;
    for (const [key, s] of shares) sum += (s * (counts.get(key) ?? 0)) / model.count;
    return sum;
  };
  const baseline = (term: ScoreTerm): number | undefined => {
    switch (term) {
      case 'history':
        return dotRow(stats.mean, 0, prepared.historyPart!);
      case 'intent':
        return dotRow(stats.mean, 0, prepared.intentPart!);
      case 'category':
        return settings.categoryWeight * share(stats.categories, prepared.categories);
      case 'context':
        return settings.contextWeight * share(stats.categories, prepared.situational);
      case 'brand':
        return settings.brandWeight * share(stats.brands, prepared.brands);
      case 'popularity':
        return settings.popularityWeight * stats.meanPopularity;
      case 'trending':
        return settings.trendingWeight * stats.meanTrending;
      default:
        return undefined;
    }
  };
  itemScore(model, prepared, settings, now, index, (term, value) => {
    const base = baseline(term);
    terms.push(base === undefined ? { term, value } : { term, value, lift: value - base });
  });
  const halfLife = profileSettings.halfLifeDays * DAY_MS;
  for (const [rows, recent, weight, term] of sequenceSignals(model, profile, settings)) {
    let value = 0;
    let source: number | undefined;
    let best = 0;
    recent.forEach((event, position) => {
      const w = weight * recencyOf(event, position, recent.length, now, halfLife);
      if (w === 0) return;
      for (let p = rows.offsets[event.index]!; p < rows.offsets[event.index + 1]!; p++) {
        if (rows.targets[p] !== index) continue;
        const v = w * rows.weights[p]!;
        value += v;
        if (v > best) (best = v), (source = event.index);
      }
    });
    terms.push(source === undefined ? { term, value } : { term, value, source });
  }
  if (sequence && settings.sequenceWeight !== 0) {
    const latest = [...profile.recent].reverse().find((e) => e.weight > 0 && e.index !== index);
    terms.push({ term: 'sequence', value: settings.sequenceWeight * sequence[index]!, ...(latest ? { source: latest.index } : {}) });
  }
  if (settings.attentionWeight !== 0) {
    const { value, source } = attentionOf(model, profile, index);
    terms.push({ term: 'attention', value: settings.attentionWeight * value, ...(source === undefined ? {} : { source }) });
  }
  return terms;
}

/** What the average item looks like: the baselines of `lift`. */
interface ModelStats {
  mean: Float32Array;
  categories: Map<string, number>;
  brands: Map<string, number>;
  meanPopularity: number;
  meanTrending: number;
}

const modelStats = new WeakMap<RankModel, ModelStats>();

/** Computed once per model, in one pass over the items, on the first explained result. */
function statsOf(model: RankModel): ModelStats {
  let stats = modelStats.get(model);
  if (stats) return stats;
  stats = { mean: new Float32Array(model.dim), categories: new Map(), brands: new Map(), meanPopularity: 0, meanTrending: 0 };
  for (let i = 0; i < model.count; i++) {
    for (let d = 0; d < model.dim; d++) stats.mean[d]! += model.vectors[i * model.dim + d]! / model.count;
    const category = model.categories[i];
    if (category !== undefined) stats.categories.set(category, (stats.categories.get(category) ?? 0) + 1);
    const brand = model.brands[i];
    if (brand !== undefined) stats.brands.set(brand, (stats.brands.get(brand) ?? 0) + 1);
    stats.meanPopularity += model.popularity[i]! / model.count;
    stats.meanTrending += model.trending[i]! / model.count;
  }
  modelStats.set(model, stats);
  return stats;
}

/** Neighbours over the whole recent sequence; transitions only after the latest few items, which they speak about. */
function sequenceSignals(model: RankModel, profile: Profile, settings: RankSettings): Array<[SparseRows, Profile['recent'], number, 'neighbors' | 'transitions']> {
  const out: Array<[SparseRows, Profile['recent'], number, 'neighbors' | 'transitions']> = [];
  if (model.neighbors && settings.neighborWeight !== 0 && profile.recent.length > 0) out.push([model.neighbors, profile.recent, settings.neighborWeight, 'neighbors']);
  if (model.transitions && settings.transitionWeight !== 0 && profile.recent.length > 0) out.push([model.transitions, profile.recent.slice(-3), settings.transitionWeight, 'transitions']);
  return out;
}

/** Later events count more, both by position in the sequence and by age; dislikes count not at all. */
function recencyOf(event: RecentEvent, position: number, n: number, now: number, halfLifeMs: number): number {
  if (event.weight <= 0) return 0;
  return Math.pow(2, -(now - event.ts) / halfLifeMs) * ((position + 1) / n);
}

/**
 * Candidate-aware attention over the recent sequence, for a candidate pool only: each candidate attends to the
 * recent items most like it (softmax over similarities), so a visitor with two interests gets both served
 * instead of one blurred average. Adds to `scores` in place.
 */
export function addAttention(model: RankModel, profile: Profile, pool: readonly number[], weight: number, scores: Float32Array): void {
  if (weight === 0) return;
  for (const c of pool) scores[c]! += weight * attentionOf(model, profile, c).value;
}

const ATTENTION_TEMPERATURE = 0.1;

/** One candidate's attention value, and the recent item it attended to most. */
function attentionOf(model: RankModel, profile: Profile, c: number): { value: number; source: number | undefined } {
  const recent = profile.recent.filter((e) => e.weight > 0).slice(-20);
  if (recent.length === 0) return { value: 0, source: undefined };
  const sims = new Float64Array(recent.length);
  const row = model.vectors.subarray(c * model.dim, (c + 1) * model.dim);
  let max = -Infinity;
  recent.forEach((e, p) => {
    sims[p] = e.index === c ? 0 : dotRow(model.vectors, e.index, row);
    max = Math.max(max, sims[p]!);
  });
  let z = 0;
  let att = 0;
  let top = 0;
  let source: number | undefined;
  for (let p = 0; p < recent.length; p++) {
    const a = Math.exp((sims[p]! - max) / ATTENTION_TEMPERATURE) * ((p + 1) / recent.length);
    z += a;
    att += a * sims[p]!;
    if (a > top && recent[p]!.index !== c) (top = a), (source = recent[p]!.index);
  }
  return { value: z > 0 ? att / z : 0, source };
}
