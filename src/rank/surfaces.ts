import { readInt8Row, type ScanQuery } from '../vector';
import { selectCandidates } from './candidates';
import { filterMask, passesFilter } from './recommend';
import { boostsFromMap, NO_BOOSTS, NO_FEATURES, WEIGHT_SCALE, type Scorer } from './score';
import type { RankModel, Ranked, Reason, SparseRows, SurfaceRequest } from './types';

/** How much what visitors chose together adds to content resemblance in `related` (as `similar` always did). */
const RELATED_COOCCURRENCE = 0.2;

/**
 * Items often put in the same basket as the seeds (a product page's item, a cart). An item's score is the mean,
 * over the seeds, of its row-normalised co-basket weight, so it lies in (0, 1]: 1 means "every seed's favourite
 * companion". Only items with basket evidence are candidates (the seeds' CSR rows, never the whole catalogue);
 * the reason names the seed that contributed most.
 */
export function boughtTogether(model: RankModel, seeds: readonly number[], request: SurfaceRequest): Ranked[] {
  const scores = new Map<number, number>();
  const source = new Map<number, { seed: number; weight: number }>();
  for (const seed of seeds) {
    forRow(model.boughtTogether, seed, (target, weight) => {
      scores.set(target, (scores.get(target) ?? 0) + weight / seeds.length);
      if (weight > (source.get(target)?.weight ?? 0)) source.set(target, { seed, weight });
    });
  }
  const seedSet = new Set(seeds);
  const primary = [...scores]
    .filter(([i, score]) => !seedSet.has(i) && request.exclude?.has(i) !== true && score >= request.threshold && passesFilter(model, i, request.filter))
    .sort(([a, sa], [b, sb]) => sb - sa || a - b)
    .slice(0, request.k)
    .map(([index, score]): Ranked => ({ index, score, reason: { kind: 'bought-together', source: source.get(index)!.seed } }));
  return withFallback(model, primary, seeds, request);
}

/**
 * Items related to one or several seeds: content resemblance plus what visitors chose together, averaged over
 * the seeds, so a cart's related row leans to what fits all of it. Per seed an item scores
 * `cos(item, seed) + 0.2 × co-occurrence weight`. One fused scan: a query per seed weighted 1/n (the kernel sums
 * them, so this is the mean cosine), the seeds' co-occurrence rows as sparse boosts. The reason names the
 * (seed, signal) pair that added most, worked out for the returned items only.
 */
export function related(model: RankModel, seeds: readonly number[], request: SurfaceRequest): Ranked[] {
  const n = seeds.length;
  const queries = seeds.map((seed): ScanQuery => ({ vector: readInt8Row(model.rows, seed), weight: 1 / n }));
  const boosts = new Map<number, number>();
  for (const seed of seeds) forRow(model.neighbors, seed, (target, weight) => boosts.set(target, (boosts.get(target) ?? 0) + (RELATED_COOCCURRENCE * weight) / n));
  const found = scan(model, { queries, boosts: boostsFromMap(boosts), ...NO_FEATURES }, seeds, request);
  const indices = found.map((r) => r.index);
  // Per seed: its share of the fused scan, for the results only.
  const similarity = seeds.map((_, s) => model.kernel.scoreRows(model.rows, [queries[s]!], indices));
  const primary = found.map(({ index, score }, j): Ranked => {
    let best = -Infinity;
    let reason: Reason = { kind: 'similar', source: seeds[0]! };
    seeds.forEach((seed, s) => {
      const sim = similarity[s]![j]!;
      if (sim > best) (best = sim), (reason = { kind: 'similar', source: seed });
      forRow(model.neighbors, seed, (target, weight) => {
        const value = (RELATED_COOCCURRENCE * weight) / n;
        if (target === index && value > best) (best = value), (reason = { kind: 'also-liked', source: seed });
      });
    });
    return { index, score, reason };
  });
  return withFallback(model, primary, seeds, request);
}

/** Items whose content (text and attributes, as the encoder read them) is closest to one item's: cosine alone. */
export function lookingSimilar(model: RankModel, seed: number, request: SurfaceRequest): Ranked[] {
  const scorer: Scorer = { queries: [{ vector: readInt8Row(model.rows, seed), weight: 1 }], boosts: NO_BOOSTS, ...NO_FEATURES };
  const primary = scan(model, scorer, [seed], request).map(({ index, score }): Ranked => ({ index, score, reason: { kind: 'looks-like', source: seed } }));
  return withFallback(model, primary, [seed], request);
}

/**
 * What is trending, optionally in one category, over one of the catalogue's trending windows (the catalogue's
 * main `trending` column for its main window). Scores are the log-scaled trend in (0, 1]; items with no recent
 * events never count.
 */
export function trending(model: RankModel, category: string | undefined, trend: Float32Array, request: SurfaceRequest): Ranked[] {
  const code = category === undefined ? undefined : (model.categoryCode(category) ?? -1);
  const primary = walk(model, trend, request.k, (i) => request.exclude?.has(i) === true || trend[i]! < request.threshold || (code !== undefined && model.categories.codes[i] !== code) || !passesFilter(model, i, request.filter)).map(
    (index): Ranked => ({ index, score: trend[index]!, reason: category === undefined ? { kind: 'trending' } : { kind: 'trending', category } }),
  );
  return withFallback(model, primary, [], request);
}

/** The best `k` by one fused scan that clear the threshold, pass the filter and are neither seeds nor excluded. */
function scan(model: RankModel, scorer: Scorer, seeds: readonly number[], request: SurfaceRequest): Array<{ index: number; score: number }> {
  const skip = filterMask(model, request.filter);
  for (const seed of seeds) skip[seed] = 1;
  request.exclude?.forEach((i) => (skip[i] = 1));
  const { indices, scores } = selectCandidates(model, scorer, request.k, skip);
  const out: Array<{ index: number; score: number }> = [];
  // Best first: the first score below the threshold ends the list, and nothing further down could clear it.
  for (let p = 0; p < indices.length && scores[p]! >= request.threshold; p++) out.push({ index: indices[p]!, score: scores[p]! });
  return out;
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
  const codes = model.categories.codes;
  const taken = new Set([...seeds, ...primary.map((r) => r.index)]);
  const seedCategories = new Set(seeds.map((s) => codes[s]!).filter((c) => c !== 0));
  const evidence = fallback === 'popular' ? model.popularity : model.trending;
  const extra = walk(model, evidence, missing, (i) => taken.has(i) || request.exclude?.has(i) === true || (fallback === 'trending-in-category' && !seedCategories.has(codes[i]!)) || !passesFilter(model, i, request.filter)).map((index): Ranked => {
    const code = codes[index]!;
    const reason: Reason = fallback === 'popular' ? { kind: 'popular' } : fallback === 'trending-in-category' && code !== 0 ? { kind: 'trending', category: model.categories.names[code]! } : { kind: 'trending' };
    return { index, score: evidence[index]!, reason };
  });
  return [...primary, ...extra];
}

const orders = new WeakMap<Float32Array, Uint32Array>();

/**
 * The first `k` items by `evidence` (only those above zero, best first, ties to the lower index) that `skip`
 * lets through. The order is sorted once per column and kept, so a request reads it from the top instead of
 * passing over the catalogue.
 */
function walk(model: RankModel, evidence: Float32Array, k: number, skip: (i: number) => boolean): number[] {
  let order = orders.get(evidence);
  if (!order) {
    const positive: number[] = [];
    for (let i = 0; i < model.count; i++) if (evidence[i]! > 0) positive.push(i);
    order = Uint32Array.from(positive.sort((a, b) => evidence[b]! - evidence[a]! || a - b));
    orders.set(evidence, order);
  }
  const out: number[] = [];
  for (let p = 0; p < order.length && out.length < k; p++) if (!skip(order[p]!)) out.push(order[p]!);
  return out;
}

/** Visits row `source` of a CSR signal with its weights as fractions of the row's strongest entry. */
function forRow(rows: SparseRows | null, source: number, visit: (target: number, weight: number) => void): void {
  if (!rows) return;
  for (let p = rows.offsets[source]!; p < rows.offsets[source + 1]!; p++) visit(rows.targets[p]!, rows.weights[p]! / WEIGHT_SCALE);
}
