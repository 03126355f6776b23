import { dotRow, topK } from '../vector';
import { passesFilter } from './recommend';
import type { RankModel, Ranked, Reason, SparseRows, SurfaceRequest } from './types';

/** How much what visitors chose together adds to content resemblance in `related` (as `similar` always did). */
const RELATED_COOCCURRENCE = 0.2;

/**
 * Items often put in the same basket as the seeds (a product page's item, a cart). An item's score is the mean,
 * over the seeds, of its row-normalised co-basket weight, so it lies in (0, 1]: 1 means "every seed's favourite
 * companion". Only items with basket evidence are candidates; the reason names the seed that contributed most.
 */
export function boughtTogether(model: RankModel, seeds: readonly number[], request: SurfaceRequest): Ranked[] {
  const scores = new Float32Array(model.count).fill(Number.NaN);
  const source = new Int32Array(model.count).fill(-1);
  const best = new Float32Array(model.count);
  for (const seed of seeds) {
    forRow(model.boughtTogether, seed, (target, weight) => {
      scores[target] = (Number.isNaN(scores[target]!) ? 0 : scores[target]!) + weight / seeds.length;
      if (weight > best[target]!) (best[target] = weight), (source[target] = seed);
    });
  }
  const primary = pick(model, scores, seeds, request, (i) => ({ kind: 'bought-together', source: source[i]! }));
  return withFallback(model, primary, seeds, request);
}

/**
 * Items related to one or several seeds: content resemblance plus what visitors chose together, averaged over
 * the seeds, so a cart's related row leans to what fits all of it. Per seed an item scores
 * `cos(item, seed) + 0.2 × co-occurrence weight`; the reason names the (seed, signal) pair that added most.
 */
export function related(model: RankModel, seeds: readonly number[], request: SurfaceRequest): Ranked[] {
  const scores = new Float32Array(model.count);
  const reasons = new Array<Reason | undefined>(model.count);
  const strongest = new Float32Array(model.count).fill(-Infinity);
  const credit = (i: number, value: number, reason: Reason) => {
    scores[i]! += value;
    if (value > strongest[i]!) (strongest[i] = value), (reasons[i] = reason);
  };
  for (const seed of seeds) {
    const row = model.vectors.subarray(seed * model.dim, (seed + 1) * model.dim);
    for (let i = 0; i < model.count; i++) credit(i, dotRow(model.vectors, i, row) / seeds.length, { kind: 'similar', source: seed });
    forRow(model.neighbors, seed, (target, weight) => credit(target, (RELATED_COOCCURRENCE * weight) / seeds.length, { kind: 'also-liked', source: seed }));
  }
  const primary = pick(model, scores, seeds, request, (i) => reasons[i]!);
  return withFallback(model, primary, seeds, request);
}

/** Items whose content (text and attributes, as the encoder read them) is closest to one item's: cosine alone. */
export function lookingSimilar(model: RankModel, seed: number, request: SurfaceRequest): Ranked[] {
  const scores = new Float32Array(model.count);
  const row = model.vectors.subarray(seed * model.dim, (seed + 1) * model.dim);
  for (let i = 0; i < model.count; i++) scores[i] = dotRow(model.vectors, i, row);
  const primary = pick(model, scores, [seed], request, () => ({ kind: 'looks-like', source: seed }));
  return withFallback(model, primary, [seed], request);
}

/**
 * What is trending, optionally in one category, over one of the catalogue's trending windows (`undefined`: the
 * catalogue's main window). Scores are the log-scaled trend in (0, 1]; items with no recent events never count.
 */
export function trending(model: RankModel, category: string | undefined, trend: Float32Array, request: SurfaceRequest): Ranked[] {
  const scores = Float32Array.from(trend, (t, i) => (t > 0 && (category === undefined || model.categories[i] === category) ? t : Number.NaN));
  const primary = pick(model, scores, [], request, () => (category === undefined ? { kind: 'trending' } : { kind: 'trending', category }));
  return withFallback(model, primary, [], request);
}

/** The best `k` of `scores` that clear the threshold, pass the filter and are neither seeds nor excluded. */
function pick(model: RankModel, scores: Float32Array, seeds: readonly number[], request: SurfaceRequest, reasonOf: (i: number) => Reason): Ranked[] {
  const seedSet = new Set(seeds);
  const skip = (i: number) => seedSet.has(i) || request.exclude?.has(i) === true || scores[i]! < request.threshold || !passesFilter(model, i, request.filter);
  return topK(scores, request.k, skip).map((index) => ({ index, score: scores[index]!, reason: reasonOf(index) }));
}

/**
 * Fills the places the model left empty (too little evidence, or nothing above the threshold) from the
 * fallback: trending overall or in the seeds' categories, or popular. Fallback items must have evidence of
 * their own (a trend or a popularity above zero); when none has, the result stays short, which is the truth.
 */
function withFallback(model: RankModel, primary: Ranked[], seeds: readonly number[], request: SurfaceRequest): Ranked[] {
  const { fallback } = request;
  const missing = request.k - primary.length;
  if (fallback === 'none' || missing <= 0) return primary;
  const taken = new Set([...seeds, ...primary.map((r) => r.index)]);
  const seedCategories = new Set(seeds.map((s) => model.categories[s]).filter((c): c is string => c !== undefined));
  const evidence = fallback === 'popular' ? model.popularity : model.trending;
  const skip = (i: number) =>
    taken.has(i) ||
    request.exclude?.has(i) === true ||
    !(evidence[i]! > 0) ||
    (fallback === 'trending-in-category' && !seedCategories.has(model.categories[i] ?? '')) ||
    !passesFilter(model, i, request.filter);
  const extra = topK(evidence, missing, skip).map((index): Ranked => {
    const category = model.categories[index];
    const reason: Reason = fallback === 'popular' ? { kind: 'popular' } : fallback === 'trending-in-category' && category !== undefined ? { kind: 'trending', category } : { kind: 'trending' };
    return { index, score: evidence[index]!, reason };
  });
  return [...primary, ...extra];
}

function forRow(rows: SparseRows | null, source: number, visit: (target: number, weight: number) => void): void {
  if (!rows) return;
  for (let p = rows.offsets[source]!; p < rows.offsets[source + 1]!; p++) visit(rows.targets[p]!, rows.weights[p]!);
}
