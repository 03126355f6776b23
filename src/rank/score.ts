import { contextKeys, type EventContext, type Profile, type ProfileSettings } from '../profile';
import { dotInt8Row, normalize, type ScanQuery } from '../vector';
import { createScratch } from './scratch';
import type { RankModel, RankSettings } from './types';

const DAY_MS = 86_400_000;
/** CSR weights are uint16 fractions of their row's strongest entry. */
export const WEIGHT_SCALE = 65_535;

/** The user's taste as one query vector: long-term interests, tilted towards this session and explicit intents. */
export function tasteVector(profile: Profile, settings: RankSettings): Float32Array | null {
  return tasteParts(profile, settings).taste;
}

/** The unit copy `tasteParts` normalises each part in. */
const tasteScratch = createScratch();

/**
 * The taste vector and the parts history and explicit intents put into it, each already divided by the taste's
 * norm, so that their dot products with an item sum to the taste term (for reporting).
 */
function tasteParts(profile: Profile, settings: RankSettings): { taste: Float32Array | null; history: Float32Array; intent: Float32Array } {
  const dim = profile.longTerm.vector.length;
  // History and intent outlive the call (the term reporter reads them) in one allocation; the unit copy is scratch.
  const parts = new Float32Array(2 * dim);
  const history = parts.subarray(0, dim);
  const intent = parts.subarray(dim);
  // Plain loops over one scratch copy: this runs on every request (typed-array `from` with a map function is a
  // generic, slow path in V8). Same operations in the same order as before, so the same f32 results.
  tasteScratch.begin();
  const unit = tasteScratch.f32(dim);
  const add = (into: Float32Array, v: Float32Array, w: number) => {
    unit.set(v);
    normalize(unit);
    for (let i = 0; i < dim; i++) into[i]! += w * unit[i]!;
  };
  if (profile.longTerm.mass > 0) add(history, profile.longTerm.vector, 1);
  if (profile.session.mass > 0) add(history, profile.session.vector, settings.sessionWeight);
  if (profile.intents.mass > 0) add(intent, profile.intents.vector, settings.intentWeight);
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += (history[i]! + intent[i]!) ** 2;
  if (norm === 0) return { taste: null, history, intent };
  const scale = 1 / Math.sqrt(norm);
  const taste = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    history[i]! *= scale;
    intent[i]! *= scale;
    taste[i] = history[i]! + intent[i]!;
  }
  return { taste, history, intent };
}

/**
 * Weights by name, visited in order: what the per-code tables and the baselines read. A Map is one; `shares`
 * makes one without building a Map per request (an entry array and a boxed number per name).
 */
interface Weights {
  readonly size: number;
  forEach(visit: (weight: number, name: string) => void): void;
}

/** Positive affinities as shares of their total, so each term lies in [0, 1] whatever the history length. */
function shares(map: ReadonlyMap<string, number>): Weights {
  let total = 0;
  let size = 0;
  map.forEach((v) => ((total += Math.max(0, v)), v > 0 && size++));
  if (!(total > 0)) size = 0;
  return { size, forEach: (visit) => size > 0 && map.forEach((v, k) => v > 0 && visit(v / total, k)) };
}

/** Category shares in the request's situation, averaged over its keys (daypart, week part, device). */
function contextShares(profile: Profile, now: number, context: EventContext | undefined): Map<string, number> {
  const out = new Map<string, number>();
  const keys = contextKeys(now, context).filter((k) => profile.contextAffinity.has(k));
  for (const key of keys) shares(profile.contextAffinity.get(key)!).forEach((v, c) => out.set(c, (out.get(c) ?? 0) + v / keys.length));
  return out;
}

/**
 * A per-request weight for every dictionary code (0 = none stays 0), so the per-item loop reads one array
 * element instead of looking a string up in a Map. Null when nothing has weight.
 */
function byCode(weights: Weights, out: Float64Array, codeOf: (name: string) => number | undefined): Float64Array | null {
  if (weights.size === 0) return null;
  weights.forEach((w, name) => {
    const c = codeOf(name);
    if (c !== undefined) out[c] = w;
  });
  return out;
}

/**
 * The most the tag term's sum can reach on one item: the `most` largest weights added, when no item repeats a
 * tag, else `most` times the largest (a repeated tag counts twice). Read off the profile's few weights, never the
 * dictionary (a weight whose name no item has only loosens it), so it costs nothing at a million tags; far below
 * the term's cap of 1 for a varied history, which is what keeps the candidate stage's pool small.
 */
function tagSumBound(shares: Weights, model: RankModel): number {
  const { most, distinct } = tagShapeOf(model);
  if (most === 0) return 0;
  // The `most` largest, kept in descending order by insertion (a few of a few dozen).
  const top: number[] = [];
  shares.forEach((w) => {
    if (top.length === most && w <= top[most - 1]!) return;
    let at = Math.min(top.length, most - 1);
    top[at] = w;
    while (at > 0 && top[at - 1]! < w) (top[at] = top[at - 1]!), (top[--at] = w);
  });
  if (!distinct) return most * (top[0] ?? 0);
  let sum = 0;
  for (const w of top) sum += w;
  return sum;
}

const tagShapes = new WeakMap<RankModel, { most: number; distinct: boolean }>();
/** The most tags one item has, and whether every item's tags are distinct: once per model. */
function tagShapeOf(model: RankModel): { most: number; distinct: boolean } {
  let shape = tagShapes.get(model);
  if (!shape) {
    const { offsets, codes } = model.tags;
    let most = 0;
    let distinct = true;
    for (let i = 0; i < model.count; i++) {
      const start = offsets[i]!;
      const end = offsets[i + 1]!;
      most = Math.max(most, end - start);
      for (let p = start + 1; p < end && distinct; p++) for (let q = start; q < p; q++) if (codes[q] === codes[p]) distinct = false;
    }
    shape = { most, distinct };
    tagShapes.set(model, shape);
  }
  return shape;
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
  readonly boosts: SparseBoosts;
  readonly featureBound: number;
  /** With `record`, each feature term is reported as it is added, so the report and the score cannot disagree. */
  features(index: number, record?: TermSink): number;
  /**
   * into[j] += features(items[j]) for from ≤ j < to, in one call: the candidate stage's batch, where a call and a
   * boxed number per item were a fifth of the features' cost and the largest part of a request's garbage.
   */
  addFeatures(items: Uint32Array, into: Float64Array, from: number, to: number): void;
}

/** The feature part of a scorer without features (search, look-alikes). */
export const NO_FEATURES = Object.freeze({ featureBound: 0, features: () => 0, addFeatures: () => {} });

/**
 * Sparse per-item additions as two parallel columns: item `indices[j]` gets `values[j]`, each item at most once.
 * Typed arrays rather than a Map: the candidate stage walks them on every request.
 */
export interface SparseBoosts {
  readonly indices: Uint32Array;
  readonly values: Float64Array;
}

/** No boosts (search, look-alikes). */
export const NO_BOOSTS: SparseBoosts = Object.freeze({ indices: new Uint32Array(0), values: new Float64Array(0) });

/** Sparse boosts from a Map, in its order. */
export function boostsFromMap(map: ReadonlyMap<number, number>): SparseBoosts {
  const indices = new Uint32Array(map.size);
  const values = new Float64Array(map.size);
  let j = 0;
  for (const [i, v] of map) (indices[j] = i), (values[j++] = v);
  return { indices, values };
}

/** The boost of one item (0 without): a walk over the few boosted, for an item outside the candidate pool. */
export function boostOf(boosts: SparseBoosts, index: number): number {
  const at = boosts.indices.indexOf(index);
  return at < 0 ? 0 : boosts.values[at]!;
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
export type TermSink = (term: ScoreTerm, value: number) => void;

/**
 * One sparse signal of the recent sequence (neighbours or transitions): its rows, the events it reads, its
 * weight and each event's recency. The candidate stage's boosts and the reasons' report read the same ones.
 */
interface SequenceSignal {
  term: 'neighbors' | 'transitions';
  rows: RankModel['neighbors'];
  recent: Profile['recent'];
  weight: number;
  recency: Float64Array;
}

/** What a profile's scorer was made from, for its term reporter: the same request need not prepare it twice. */
interface Prepared {
  parts: ReturnType<typeof tasteParts>;
  categoryShares: Weights | null;
  contextShares: Weights | null;
  brandShares: Weights | null;
  signals: readonly SequenceSignal[];
}
/** A scorer as createScorer makes it from a profile; others (search, look-alikes) have nothing to report. */
export interface ProfileScorer extends Scorer {
  readonly prepared: Prepared;
}

export function createScorer(model: RankModel, profile: Profile, settings: RankSettings, profileSettings: ProfileSettings, now: number, context?: EventContext, sequence?: Float32Array): ProfileScorer {
  const parts = tasteParts(profile, settings);
  const { taste } = parts;
  const negative = profile.negative.mass > 0 && settings.negativeWeight !== 0 ? normalize(Float32Array.from(profile.negative.vector)) : null;
  const queries: ScanQuery[] = [];
  if (taste) queries.push({ vector: taste, weight: 1 });
  if (negative) queries.push({ vector: negative, weight: -settings.negativeWeight, positiveOnly: true });

  const freshMs = settings.freshnessDays * DAY_MS;
  const categoryNames = model.categories.names.length;
  const categoryShares = settings.categoryWeight > 0 ? shares(profile.categoryAffinity) : null;
  const tagShares = settings.tagWeight > 0 ? shares(profile.tagAffinity) : null;
  const brandShares = settings.brandWeight > 0 ? shares(profile.brandAffinity) : null;
  const situationShares = settings.contextWeight > 0 ? contextShares(profile, now, context) : null;
  // The four per-code tables in one allocation: the features closure keeps them for the scorer's lifetime.
  const tables = new Float64Array((categoryShares ? categoryNames : 0) + (tagShares ? model.tagNames.length : 0) + (brandShares ? model.brands.names.length : 0) + (situationShares ? categoryNames : 0));
  let taken = 0;
  const table = (size: number) => tables.subarray(taken, (taken += size));
  const categories = categoryShares ? byCode(categoryShares, table(categoryNames), model.categoryCode) : null;
  const tags = tagShares ? byCode(tagShares, table(model.tagNames.length), model.tagCode) : null;
  const brands = brandShares ? byCode(brandShares, table(model.brands.names.length), model.brandCode) : null;
  const situational = situationShares ? byCode(situationShares, table(categoryNames), model.categoryCode) : null;
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

  const publishedMs = model.publishedMs;
  const logPrices = usePrice ? logPricesOf(model) : null;
  const { freshnessWeight, categoryWeight, contextWeight, tagWeight, brandWeight, priceWeight } = settings;

  // Adds item i's features to into[at] rather than returning them: too large for V8 to inline, the function would
  // box each returned double, one allocation per candidate.
  const addTo = (i: number, into: Float64Array, at: number, record?: TermSink): void => {
    // Plain statements over typed arrays, no closure or Map: this runs for every candidate on every request.
    let s = 0;
    let v = 0;
    if (useFresh) {
      const age = now - publishedMs[i]!;
      if (age >= 0 && age < freshMs) {
        s += v = freshnessWeight * (1 - age / freshMs);
        record?.('fresh', v);
      }
    }
    const category = categoryCodes[i]!;
    if (category !== 0) {
      if (categories) {
        s += v = categoryWeight * categories[category]!;
        record?.('category', v);
      }
      if (situational) {
        s += v = contextWeight * situational[category]!;
        record?.('context', v);
      }
    }
    if (tags) {
      let t = 0;
      const end = tagOffsets[i + 1]!;
      for (let q = tagOffsets[i]!; q < end; q++) t += tags[tagCodes[q]!]!;
      s += v = tagWeight * Math.min(1, t);
      record?.('tag', v);
    }
    const brand = brandCodes[i]!;
    if (brand !== 0 && brands) {
      s += v = brandWeight * brands[brand]!;
      record?.('brand', v);
    }
    if (logPrices) {
      // NaN (no price) and log(0) = -Infinity fail the test, as `price > 0` did.
      const logPrice = logPrices[i]!;
      if (logPrice > -Infinity) {
        const z = (logPrice - priceMean) / priceSd;
        s += v = priceWeight * Math.exp(-0.5 * z * z);
        record?.('price', v);
      }
    }
    into[at]! += s;
  };
  const one = new Float64Array(1);
  const features = (i: number, record?: TermSink): number => {
    one[0] = 0;
    addTo(i, one, 0, record);
    return one[0]!;
  };
  const addFeatures = (items: Uint32Array, into: Float64Array, from: number, to: number): void => {
    for (let j = from; j < to; j++) addTo(items[j]!, into, j);
  };
  // Each term's own maximum, category and situation together (both are read off the item's category), so that
  // the bound is near what the best item can really get: every point of slack widens the candidate pool.
  let categoryBound = 0;
  for (let c = 1; c < categoryNames && (categories || situational); c++) {
    categoryBound = Math.max(categoryBound, (categories ? categoryWeight * categories[c]! : 0) + (situational ? contextWeight * situational[c]! : 0));
  }
  const featureBound =
    (useFresh ? freshnessWeight : 0) +
    categoryBound +
    (tags ? tagWeight * Math.min(1, tagSumBound(tagShares!, model)) : 0) +
    (brands ? brandWeight * maxOf(brands) : 0) +
    (usePrice ? priceWeight : 0);

  const signals = sequenceSignals(model, profile, settings, profileSettings.halfLifeDays * DAY_MS);
  const prepared: Prepared = { parts, categoryShares, contextShares: situationShares, brandShares, signals };
  return { queries, bias: scanBias(model, settings, sequence), boosts: sequenceBoosts(model, signals), featureBound, features, addFeatures, prepared };
}

/**
 * Every item's final score into `out` (length count), the dense way: the whole catalogue through the kernel and
 * the features. What the candidate stage computes for its candidates, for callers that need every item (the
 * evaluation's full ranking, tests).
 */
export function scoreAll(model: RankModel, scorer: Scorer, out: Float32Array = new Float32Array(model.count)): Float32Array {
  model.kernel.score(model.rows, scorer.queries, out, scorer.bias);
  for (let i = 0; i < model.count; i++) out[i]! += scorer.features(i);
  const { indices, values } = scorer.boosts;
  for (let j = 0; j < indices.length; j++) out[indices[j]!]! += values[j]!;
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

const logPrices = new WeakMap<RankModel, Float64Array>();
/** ln(price) per item, once per model: the price band needs it for every candidate of every request. */
function logPricesOf(model: RankModel): Float64Array {
  let value = logPrices.get(model);
  if (!value) {
    value = new Float64Array(model.count);
    for (let i = 0; i < model.count; i++) value[i] = Math.log(model.prices[i]!);
    logPrices.set(model, value);
  }
  return value;
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

const boostScratch = new WeakMap<RankModel, { sums: Float64Array; marked: Uint8Array }>();

/**
 * The neighbours' and transitions' boosts of the recent sequence, summed per target in a per-model scratch column
 * (no Map look-up per entry) and handed out as sparse columns in the order the targets were first named. The scratch is zeroed again before returning.
 */
function sequenceBoosts(model: RankModel, signals: readonly SequenceSignal[]): SparseBoosts {
  let scratch = boostScratch.get(model);
  if (!scratch) boostScratch.set(model, (scratch = { sums: new Float64Array(model.count), marked: new Uint8Array(model.count) }));
  const touched: number[] = [];
  for (const signal of signals) addSequenceSignal(signal, scratch, touched);
  const { sums, marked } = scratch;
  // Both columns in one allocation (they live as long as the scorer).
  const columns = new ArrayBuffer(touched.length * 12);
  const values = new Float64Array(columns, 0, touched.length);
  const indices = new Uint32Array(columns, touched.length * 8, touched.length);
  for (let j = 0; j < touched.length; j++) {
    const i = touched[j]!;
    indices[j] = i;
    values[j] = sums[i]!;
    sums[i] = 0;
    marked[i] = 0;
  }
  return { indices, values };
}

/** The neighbours of every recent item, and the transitions of the latest few. */
function sequenceSignals(model: RankModel, profile: Profile, settings: RankSettings, halfLifeMs: number): SequenceSignal[] {
  // Transitions speak about what comes right after the latest items, so only the last few count.
  const latest = profile.recent.slice(-3);
  return [
    { term: 'neighbors', rows: model.neighbors, recent: profile.recent, weight: settings.neighborWeight, recency: recencyWeights(profile.recent, profile.lastTs, halfLifeMs) },
    { term: 'transitions', rows: model.transitions, recent: latest, weight: settings.transitionWeight, recency: recencyWeights(latest, profile.lastTs, halfLifeMs) },
  ];
}

/**
 * How much each recent event's neighbours and transitions count (0 for negative events): later ones more, by
 * position in the sequence and by age. Age runs from the visitor's own latest event, not from the request's clock:
 * a visitor back after months still wants what follows what they did last, and at a half-life of days wall-clock
 * age would zero these boosts while popularity kept its weight. On ml-latest-small's temporal split (returning
 * visitors, histories months old) that decay alone took the engine from 0.035 to 0.010 NDCG@10.
 */
function recencyWeights(recent: Profile['recent'], latestTs: number, halfLifeMs: number): Float64Array {
  const n = recent.length;
  const out = new Float64Array(n);
  for (let position = 0; position < n; position++) {
    const event = recent[position]!;
    if (event.weight > 0) out[position] = Math.pow(2, -(latestTs - event.ts) / halfLifeMs) * ((position + 1) / n);
  }
  return out;
}

function addSequenceSignal({ rows, recent, weight, recency }: SequenceSignal, into: { sums: Float64Array; marked: Uint8Array }, touched: number[]): void {
  if (!rows || weight === 0 || recent.length === 0) return;
  const n = recent.length;
  const { offsets, targets, weights } = rows;
  const { sums, marked } = into;
  for (let position = 0; position < n; position++) {
    const event = recent[position]!;
    if (recency[position] === 0) continue;
    const end = offsets[event.index + 1]!;
    for (let p = offsets[event.index]!; p < end; p++) {
      const target = targets[p]!;
      if (marked[target] === 0) (marked[target] = 1), touched.push(target);
      sums[target]! += weight * recency[position]! * (weights[p]! / WEIGHT_SCALE);
    }
  }
}

/**
 * Candidate-aware attention over the recent sequence, for a candidate pool only: each candidate attends to the
 * recent items most like it (softmax over similarities), so a visitor with two interests gets both served
 * instead of one blurred average. Adds to `scores` (aligned with `pool`) in place.
 */
export function addAttention(model: RankModel, profile: Profile, pool: ArrayLike<number>, weight: number, scores: Float32Array): void {
  const recent = attendedEvents(profile);
  if (weight === 0 || recent.length === 0 || pool.length === 0) return;
  const sims = model.kernel.dots(model.rows, pool, recent.map((e) => e.index));
  for (let c = 0; c < pool.length; c++) scores[c]! += weight * attend(sims, c, pool[c]!, recent).value;
}

const ATTENTION_TEMPERATURE = 0.1;

function attendedEvents(profile: Profile): Profile['recent'] {
  return profile.recent.filter((e) => e.weight > 0).slice(-20);
}

/** One candidate's attention (row `c` of `sims`, candidate item `item`), and the recent item it attended to most. */
function attend(sims: Float32Array, c: number, item: number, recent: Profile['recent']): { value: number; source: number | undefined } {
  const n = recent.length;
  let max = -Infinity;
  for (let p = 0; p < n; p++) {
    if (recent[p]!.index === item) sims[c * n + p] = 0;
    max = Math.max(max, sims[c * n + p]!);
  }
  let z = 0;
  let att = 0;
  let top = 0;
  let source: number | undefined;
  for (let p = 0; p < n; p++) {
    const sim = sims[c * n + p]!;
    const a = Math.exp((sim - max) / ATTENTION_TEMPERATURE) * ((p + 1) / n);
    z += a;
    att += a * sim;
    if (a > top && recent[p]!.index !== item) (top = a), (source = recent[p]!.index);
  }
  return { value: z > 0 ? att / z : 0, source };
}

/**
 * Every term of one item's final score (attention included when it ran), for the few results only: the reason
 * then names what truly contributed most. The values sum to the score `rankIndices` gave the item.
 */
export function scoreTerms(model: RankModel, profile: Profile, settings: RankSettings, profileSettings: ProfileSettings, now: number, index: number, context?: EventContext, sequence?: Float32Array): TermContribution[] {
  return createTermReporter(model, profile, settings, profileSettings, now, context, sequence)([index])[0]!;
}

/**
 * `scoreTerms` for the results of one request: the baselines are prepared once, and `scorer` is the ranking's
 * own when the caller has it (it must be the one these arguments make). The scan part is split per query through
 * one `kernel.scoreRows` call over all the items; popularity, trend and the sequence vote are the bias's parts;
 * features and boosts are recomputed for each item with their sources. No pass over the catalogue, except the
 * average item's statistics, computed once per model.
 */
export function createTermReporter(
  model: RankModel,
  profile: Profile,
  settings: RankSettings,
  profileSettings: ProfileSettings,
  now: number,
  context?: EventContext,
  sequence?: Float32Array,
  scorer: ProfileScorer = createScorer(model, profile, settings, profileSettings, now, context, sequence),
): (indices: readonly number[]) => TermContribution[][] {
  const made = scorer.prepared;
  const { parts, signals } = made;
  const stats = statsOf(model);
  const share = (counts: Uint32Array, codeOf: (name: string) => number | undefined, weights: Weights) => {
    let sum = 0;
    weights.forEach((w, name) => {
      const c = codeOf(name);
      if (c !== undefined) sum += (w * counts[c]!) / model.count;
    });
    return sum;
  };
  const baselines: Partial<Record<ScoreTerm, number>> = {
    history: dotMean(stats.mean, parts.history),
    intent: dotMean(stats.mean, parts.intent),
    popularity: settings.popularityWeight * stats.meanPopularity,
    trending: settings.trendingWeight * stats.meanTrending,
    // Null shares: a weight of 0 or less, whose term no item is given.
    category: made.categoryShares ? settings.categoryWeight * share(stats.categories, model.categoryCode, made.categoryShares) : 0,
    context: made.contextShares ? settings.contextWeight * share(stats.categories, model.categoryCode, made.contextShares) : 0,
    brand: made.brandShares ? settings.brandWeight * share(stats.brands, model.brandCode, made.brandShares) : 0,
  };
  const attended = settings.attentionWeight !== 0 ? attendedEvents(profile) : [];
  // A loop, not `some`: a callback per value boxes each one.
  let hasIntent = false;
  for (let d = 0; d < parts.intent.length && !hasIntent; d++) hasIntent = parts.intent[d] !== 0;

  return (indices) => {
    const scans = scorer.queries.map((query) => model.kernel.scoreRows(model.rows, [query], indices));
    // The first position of each item: the signals are summed once for all the items, not once per item.
    const slot = new Map<number, number>();
    indices.forEach((index, j) => slot.has(index) || slot.set(index, j));
    const sums = signals.map((signal) => signalSums(signal, slot, indices.length));
    return indices.map((index, j) => termsOf(index, j, slot.get(index)!, scans, sums));
  };

  /**
   * Per item position: its total from one signal and the recent item that gave the largest part, summed in the
   * order the candidate stage sums its boosts (event by event, each row's entries in order), so the values match.
   */
  function signalSums({ rows, recent, weight, recency }: SequenceSignal, slot: ReadonlyMap<number, number>, n: number): { value: number[]; best: number[]; source: number[] } | null {
    if (!rows || weight === 0 || recent.length === 0) return null;
    // Plain arrays: a few results, where typed arrays would each cost an allocation of their own.
    const value = new Array<number>(n).fill(0);
    const best = new Array<number>(n).fill(0);
    const source = new Array<number>(n).fill(-1);
    const { offsets, targets, weights } = rows;
    for (let position = 0; position < recent.length; position++) {
      if (recency[position] === 0) continue;
      const event = recent[position]!;
      const end = offsets[event.index + 1]!;
      for (let p = offsets[event.index]!; p < end; p++) {
        const j = slot.get(targets[p]!);
        if (j === undefined) continue;
        const v = weight * recency[position]! * (weights[p]! / WEIGHT_SCALE);
        value[j]! += v;
        if (v > best[j]!) (best[j] = v), (source[j] = event.index);
      }
    }
    return { value, best, source };
  }

  function termsOf(index: number, j: number, at: number, scans: readonly Float32Array[], sums: ReadonlyArray<ReturnType<typeof signalSums>>): TermContribution[] {
    const terms: TermContribution[] = [];
    const push = (term: ScoreTerm, value: number, source?: number) => {
      const contribution: TermContribution = { term, value };
      if (source !== undefined) contribution.source = source;
      const base = baselines[term];
      if (base !== undefined) contribution.lift = value - base;
      terms.push(contribution);
    };
    for (let q = 0; q < scorer.queries.length; q++) {
      const value = scans[q]![j]!;
      if (scorer.queries[q]!.weight < 0) push('negative', value);
      else if (!hasIntent) push('history', value);
      else {
        // The scan quantises the taste as one query; the split follows the parts' exact dot products, and the
        // intent takes the rounding so that the two still sum to what the scan gave.
        const history = dotInt8Row(model.rows, index, parts.history);
        push('history', history);
        push('intent', value - history);
      }
    }
    push('popularity', settings.popularityWeight * model.popularity[index]!);
    push('trending', settings.trendingWeight * model.trending[index]!);
    if (sequence && settings.sequenceWeight !== 0) {
      const latest = latestEvent(profile.recent, (e) => e.weight > 0 && e.index !== index);
      push('sequence', settings.sequenceWeight * sequence[index]!, latest?.index);
    }
    let category = false;
    let situation = false;
    scorer.features(index, (term, value) => {
      if (term === 'category') category = true;
      else if (term === 'context') situation = true;
      push(term, value);
    });
    // A weighted term the profile gives nothing yet is still a term of the score, at 0.
    if (model.categories.codes[index] !== 0) {
      if (settings.categoryWeight > 0 && !category) push('category', 0);
      if (settings.contextWeight > 0 && !situation) push('context', 0);
    }
    for (let s = 0; s < signals.length; s++) {
      const sum = sums[s];
      if (!sum) continue;
      const source = sum.source[at]!;
      push(signals[s]!.term, sum.value[at]!, source < 0 ? undefined : source);
    }
    if (attended.length > 0) {
      const { value, source } = attend(model.kernel.dots(model.rows, [index], attended.map((e) => e.index)), 0, index, attended);
      push('attention', settings.attentionWeight * value, source);
    }
    return terms;
  }
}

/** The latest recent event that `matches`, without copying the history to reverse it. */
export function latestEvent(recent: Profile['recent'], matches: (event: Profile['recent'][number]) => boolean): Profile['recent'][number] | undefined {
  for (let p = recent.length - 1; p >= 0; p--) if (matches(recent[p]!)) return recent[p];
  return undefined;
}

function dotMean(mean: Float64Array, v: Float32Array): number {
  let s = 0;
  for (let d = 0; d < mean.length; d++) s += mean[d]! * v[d]!;
  return s;
}

/** What the average item looks like: the baselines of `lift`. */
interface ModelStats {
  mean: Float64Array;
  /** Items per category and brand code. */
  categories: Uint32Array;
  brands: Uint32Array;
  meanPopularity: number;
  meanTrending: number;
}

const modelStats = new WeakMap<RankModel, ModelStats>();

/** Computed once per model, in one pass over the rows and columns, on the first explained result. */
function statsOf(model: RankModel): ModelStats {
  let stats = modelStats.get(model);
  if (stats) return stats;
  const { dim, values, scales } = model.rows;
  const mean = new Float64Array(dim);
  for (let i = 0; i < model.count; i++) {
    const scale = scales[i]! / model.count;
    for (let d = 0; d < dim; d++) mean[d]! += values[i * dim + d]! * scale;
  }
  const categories = new Uint32Array(model.categories.names.length);
  for (const c of model.categories.codes) categories[c]!++;
  const brands = new Uint32Array(model.brands.names.length);
  for (const b of model.brands.codes) brands[b]!++;
  let popularity = 0;
  let trending = 0;
  for (let i = 0; i < model.count; i++) (popularity += model.popularity[i]!), (trending += model.trending[i]!);
  stats = { mean, categories, brands, meanPopularity: popularity / model.count, meanTrending: trending / model.count };
  modelStats.set(model, stats);
  return stats;
}
