import { beforeAll, describe, expect, it } from 'vitest';
import { columnsFromItems, recordsFromItems, type CatalogSignals, type Item } from '../../src/catalog';
import { createProfile, DEFAULT_PROFILE_SETTINGS, foldEvent, type BehaviourEvent } from '../../src/profile';
import { createRankModel, createScorer, DEFAULT_RANK_SETTINGS, rankIndices, scoreAll, scoreLexical, searchItems, selectCandidates, similarTo, type RankModel } from '../../src/rank';
import { createJsKernel, loadVectorKernel, normalize, type VectorKernel } from '../../src/vector';
import { seededRandom } from '../helpers/random';

const random = seededRandom;

const NOW = Date.parse('2026-06-01T00:00:00Z');
const DAY = 86_400_000;

/**
 * A shop with clustered vectors (items of a category point roughly the same way, so many items are near-ties and
 * the features decide), every column filled, and collaborative signals: the hard case for a candidate stage.
 */
function shop(kernel: VectorKernel, count: number, dim: number, seed: number): RankModel {
  const next = random(seed);
  const categories = ['shoes', 'tents', 'stoves', 'books', 'mugs', 'lamps'];
  const centres = categories.map(() => Float32Array.from({ length: dim }, () => next() * 2 - 1));
  const items: Item[] = Array.from({ length: count }, (_, i) => ({
    id: `sku-${i}`,
    title: `item ${i}`,
    category: categories[i % categories.length]!,
    brand: `brand-${Math.floor(next() * 12)}`,
    tags: [`tag-${Math.floor(next() * 20)}`, `tag-${Math.floor(next() * 20)}`],
    price: 5 + Math.floor(next() * 300),
    ...(next() < 0.3 ? { publishedAt: new Date(NOW - Math.floor(next() * 60) * DAY).toISOString() } : {}),
  }));
  const rows = kernel.allocate(count, dim);
  const v = new Float32Array(dim);
  for (let i = 0; i < count; i++) {
    const centre = centres[i % categories.length]!;
    for (let d = 0; d < dim; d++) v[d] = centre[d]! + 0.6 * (next() * 2 - 1);
    normalize(v);
    let max = 0;
    for (const x of v) max = Math.max(max, Math.abs(x));
    rows.scales[i] = max / 127;
    for (let d = 0; d < dim; d++) rows.values[i * dim + d] = Math.round(v[d]! / rows.scales[i]!);
  }
  const id = (i: number) => `sku-${i}`;
  const lists = () => Object.fromEntries(Array.from({ length: count }, (_, i) => [id(i), Array.from({ length: 5 }, () => [id(Math.floor(next() * count)), 1 + next() * 9] as [string, number])]));
  const signals: CatalogSignals = {
    popularity: Object.fromEntries(items.map((it) => [it.id, Math.floor(next() ** 3 * 500)])),
    trending: Object.fromEntries(items.map((it) => [it.id, Math.floor(next() ** 4 * 50)])),
    neighbors: lists(),
    transitions: lists(),
  };
  return createRankModel({ columns: columnsFromItems(items, signals), rows, records: recordsFromItems(items), kernel });
}

function history(model: RankModel, seed: number, length: number) {
  const next = random(seed);
  const profile = createProfile(model.dim);
  const types: BehaviourEvent['type'][] = ['view', 'view', 'click', 'add_to_cart', 'purchase', 'like', 'dismiss'];
  for (let e = 0; e < length; e++) {
    const event: BehaviourEvent = { type: types[Math.floor(next() * types.length)]!, itemId: `sku-${Math.floor(next() * model.count)}`, ts: NOW - (length - e) * 3_600_000, context: { device: next() < 0.5 ? 'mobile' : 'desktop' } };
    foldEvent(profile, event, { space: model, attributesOf: (i) => model.attributesOf(i) });
  }
  return profile;
}

/** The `want` best of a dense score array, skipped items out, ties to the lower index. */
function denseTop(scores: Float32Array, want: number, skip: (i: number) => boolean): number[] {
  return Array.from(scores.keys())
    .filter((i) => !skip(i))
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, want);
}

let wasm: VectorKernel;
beforeAll(async () => {
  wasm = await loadVectorKernel();
});

describe('the candidate stage equals a dense ranking', () => {
  for (const kind of ['wasm', 'js'] as const) {
    it(`${kind}: the pool is the dense top, for cold, short and long histories, with and without a sequence model`, () => {
      const kernel = kind === 'wasm' ? wasm : createJsKernel();
      // 5,000 items against a first scan of 1,024 rows: the stage must prove (or widen) rather than assume.
      const model = shop(kernel, 5000, 24, 11);
      const next = random(12);
      const sequence = Float32Array.from({ length: model.count }, () => next() ** 8);
      for (const [seed, length] of [[1, 0], [2, 3], [3, 40], [4, 200]] as const) {
        const profile = history(model, seed, length);
        for (const withSequence of [false, true]) {
          const request = { k: 10, now: NOW, context: { device: 'mobile' as const }, ...(withSequence ? { sequence } : {}) };
          const ranked = rankIndices(model, profile, request, { ...DEFAULT_RANK_SETTINGS, diversityLambda: 1, maxPerCategory: Infinity });
          const scorer = createScorer(model, profile, DEFAULT_RANK_SETTINGS, DEFAULT_PROFILE_SETTINGS, NOW, request.context, request.sequence);
          const dense = scoreAll(model, scorer);
          const skip = (i: number) => profile.seen.has(i) || profile.purchased.has(i) || profile.dismissed.has(i);
          const expected = denseTop(dense, 50, skip);
          expect(Array.from(ranked.pool), `history ${length}, sequence ${withSequence}`).toEqual(expected);
          expected.forEach((i, p) => expect(ranked.poolScores[p]).toBeCloseTo(dense[i]!, 5));
          expect(ranked.chosen).toEqual(expected.slice(0, 10));
        }
      }
    });
  }

  it('honours filters, exclusions and pinned items through the skip mask', () => {
    const model = shop(wasm, 3000, 16, 21);
    const profile = history(model, 5, 30);
    const filter = { categories: ['tents', 'mugs'], maxPrice: 150 };
    const exclude = new Set([1, 2, 3, 7]);
    const ranked = rankIndices(model, profile, { k: 8, now: NOW, filter, exclude, pinned: [4, 5] }, { ...DEFAULT_RANK_SETTINGS, diversityLambda: 1, maxPerCategory: Infinity });
    const dense = scoreAll(model, createScorer(model, profile, DEFAULT_RANK_SETTINGS, DEFAULT_PROFILE_SETTINGS, NOW));
    const names = model.categories.names;
    const skip = (i: number) =>
      exclude.has(i) || i === 4 || i === 5 || profile.seen.has(i) || profile.purchased.has(i) || profile.dismissed.has(i) || !filter.categories.includes(names[model.categories.codes[i]!]!) || !(model.prices[i]! <= 150);
    expect(ranked.pinned).toEqual([4, 5]);
    expect(Array.from(ranked.pool)).toEqual(denseTop(dense, 30, skip));
  });

  it('scores an item the same whether the scan, the boosts or scoreOf reached it', () => {
    const model = shop(wasm, 2000, 16, 31);
    const profile = history(model, 6, 25);
    const ranked = rankIndices(model, profile, { k: 10, now: NOW });
    const dense = ranked.scores;
    for (const i of [0, 17, 999, 1999, ...ranked.pool.subarray(0, 5)]) expect(ranked.scoreOf(i)).toBeCloseTo(dense[i]!, 5);
  });

  it('returns nothing for want 0 and everything eligible when the catalogue is smaller than the scan', () => {
    const model = shop(wasm, 40, 8, 41);
    const scorer = createScorer(model, createProfile(8), DEFAULT_RANK_SETTINGS, DEFAULT_PROFILE_SETTINGS, NOW);
    expect(selectCandidates(model, scorer, 0, new Uint8Array(40)).indices).toHaveLength(0);
    const skip = Uint8Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    expect(selectCandidates(model, scorer, 100, skip).indices).toHaveLength(30);
  });
});

describe('similar and search run on the same stage', () => {
  it('similarTo equals a dense scan of the source row plus its neighbours', () => {
    const model = shop(wasm, 3000, 16, 51);
    const source = 123;
    const got = similarTo(model, source, 10).map((r) => r.index);
    const row = new Float32Array(16);
    for (let d = 0; d < 16; d++) row[d] = model.rows.values[source * 16 + d]! * model.rows.scales[source]!;
    const dense = model.kernel.score(model.rows, [{ vector: row, weight: 1 }]);
    const n = model.neighbors!;
    for (let p = n.offsets[source]!; p < n.offsets[source + 1]!; p++) dense[n.targets[p]!]! += 0.2 * (n.weights[p]! / 65_535);
    expect(got).toEqual(denseTop(dense, 10, (i) => i === source));
  });

  it('searchItems ranks by words, meaning and taste in one pass, within the filter', () => {
    const model = shop(wasm, 3000, 16, 61);
    const q = normalize(Float32Array.from({ length: 16 }, (_, d) => Math.sin(d + 1)));
    const taste = normalize(Float32Array.from({ length: 16 }, (_, d) => Math.cos(d)));
    const got = searchItems(model, q, 'item 42', 5, taste, { categories: ['books'] }).map((r) => r.index);
    const words = scoreLexical(model.lexical, 'item 42', new Float32Array(model.count));
    expect(words[42]).toBe(1);
    const dense = model.kernel.score(model.rows, [{ vector: q, weight: 1 }, { vector: taste, weight: 0.1 }], undefined, words);
    expect(got).toEqual(denseTop(dense, 5, (i) => model.categories.names[model.categories.codes[i]!] !== 'books'));
  });
});
