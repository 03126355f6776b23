import { describe, expect, it } from 'vitest';
import type { Item } from '../../src/catalog';
import { createProfile, foldEvent } from '../../src/profile';
import { boughtTogether, DEFAULT_RANK_SETTINGS, explain, lookingSimilar, recommend, related, searchItems, trending, type Ranked, type RankSettings, type SurfaceRequest } from '../../src/rank';
import { cosineOf, modelOf } from '../fixtures/rank-model';

const NOW = Date.parse('2026-06-01T00:00:00Z');
// Five unit vectors in 2-D, so every cosine below can be checked by hand.
const items: Item[] = [
  { id: 'espresso', title: 'Espresso beans', category: 'coffee' }, // (1, 0)
  { id: 'grinder', title: 'Burr grinder', category: 'coffee' }, // (0.8, 0.6)
  { id: 'mug', title: 'Stoneware mug', category: 'kitchen' }, // (0.6, 0.8)
  { id: 'tent', title: 'Tent', category: 'outdoor' }, // (0, 1)
  { id: 'stove', title: 'Camping stove', category: 'outdoor' }, // (-0.28, 0.96)
];
const vectors = Float32Array.from([1, 0, 0.8, 0.6, 0.6, 0.8, 0, 1, -0.28, 0.96]);
const model = modelOf(items, vectors, 2, {
  // Rows are normalised by their largest weight: espresso → mug 1, grinder 0.5.
  boughtTogether: { espresso: [['mug', 4], ['grinder', 2]], grinder: [['espresso', 1]], tent: [['stove', 3]] },
  neighbors: { espresso: [['tent', 1]] },
  // log1p, then divided by the largest: tent 1, stove ln 11 / ln 101 ≈ 0.5196, espresso ln 2 / ln 101 ≈ 0.1502.
  trending: { tent: 100, stove: 10, espresso: 1 },
  trendingWindows: { '1': { stove: 3 } },
  popularity: { mug: 5 },
});
const [ESPRESSO, GRINDER, MUG, TENT, STOVE] = [0, 1, 2, 3, 4];
const base: SurfaceRequest = { k: 3, threshold: -Infinity, fallback: 'none' };
const ids = (out: Ranked[]) => out.map((r) => model.ids[r.index]);
const words = (out: Ranked[]) => out.map((r) => explain(model, r.reason));

describe('boughtTogether', () => {
  it("ranks the seed's basket companions by their row-normalised weight and says so", () => {
    const out = boughtTogether(model, [ESPRESSO], base);
    // Only two items were ever in a basket with espresso: an honest short list, not padding.
    expect(ids(out)).toEqual(['mug', 'grinder']);
    // Weights are kept as uint16 fractions of the row's strongest: 0.5 within a step of 1 / 65535.
    expect(out.map((r) => r.score)).toEqual([1, expect.closeTo(0.5, 4)]);
    expect(words(out)).toEqual(['Often bought with “Espresso beans”', 'Often bought with “Espresso beans”']);
  });

  it('averages over several seeds and never returns a seed', () => {
    // Espresso's mug (1) over two seeds is 0.5; grinder and espresso are both seeds.
    const out = boughtTogether(model, [ESPRESSO, GRINDER], base);
    expect(ids(out)).toEqual(['mug']);
    expect(out[0]!.score).toBeCloseTo(0.5, 6);
  });

  it('returns nothing when nothing clears the threshold', () => {
    expect(ids(boughtTogether(model, [ESPRESSO], { ...base, threshold: 0.6 }))).toEqual(['mug']);
    expect(boughtTogether(model, [ESPRESSO], { ...base, threshold: 1.1 })).toEqual([]);
  });

  it('fills empty places from trending, overall or in the seed’s category, with evidence only', () => {
    const overall = boughtTogether(model, [GRINDER], { ...base, fallback: 'trending' });
    expect(ids(overall)).toEqual(['espresso', 'tent', 'stove']);
    expect(words(overall)).toEqual(['Often bought with “Burr grinder”', 'Trending now', 'Trending now']);
    expect(overall[2]!.score).toBeCloseTo(Math.log(11) / Math.log(101), 6);
    // The stove has no basket row: its category's trending item fills in.
    const inCategory = boughtTogether(model, [STOVE], { ...base, fallback: 'trending-in-category' });
    expect(ids(inCategory)).toEqual(['tent']);
    expect(words(inCategory)).toEqual(['Trending in outdoor']);
    // Nothing in the kitchen trends: the result stays empty rather than showing something untrue.
    expect(boughtTogether(model, [MUG], { ...base, fallback: 'trending-in-category' })).toEqual([]);
  });

  it('respects exclude and filter', () => {
    expect(ids(boughtTogether(model, [ESPRESSO], { ...base, exclude: new Set([MUG]) }))).toEqual(['grinder']);
    expect(ids(boughtTogether(model, [ESPRESSO], { ...base, filter: { categories: ['coffee'] } }))).toEqual(['grinder']);
  });
});

describe('related', () => {
  it('adds co-occurrence to content resemblance, and names the larger one as the reason', () => {
    const out = related(model, [ESPRESSO], { ...base, k: 4 });
    // cos: grinder 0.8, mug 0.6, tent 0 (+ 0.2 × neighbour weight 1), stove −0.28.
    expect(ids(out)).toEqual(['grinder', 'mug', 'tent', 'stove']);
    expect(out[2]!.score).toBeCloseTo(0.2, 6);
    expect(out[3]!.score).toBeCloseTo(-0.28, 3);
    expect(out[3]!.score).toBeCloseTo(cosineOf(model, STOVE, ESPRESSO), 6);
    expect(words(out)).toEqual(['Similar to “Espresso beans”', 'Similar to “Espresso beans”', 'Often chosen with “Espresso beans”', 'Similar to “Espresso beans”']);
  });

  it('averages over several seeds and names the seed that contributed most', () => {
    const out = related(model, [GRINDER, TENT], base);
    // mug (0.96 + 0.8) / 2 = 0.88, stove (0.352 + 0.96) / 2 = 0.656, espresso (0.8 + 0) / 2 = 0.4.
    expect(ids(out)).toEqual(['mug', 'stove', 'espresso']);
    expect(out.map((r) => r.score)).toEqual([expect.closeTo(0.88, 2), expect.closeTo(0.656, 2), expect.closeTo(0.4, 2)]);
    // Exactly the mean of the int8 rows' cosines: one fused scan with a query per seed, weighted 1/2.
    const mean = (i: number) => (cosineOf(model, i, GRINDER) + cosineOf(model, i, TENT)) / 2;
    expect(out.map((r) => r.score)).toEqual([expect.closeTo(mean(MUG), 5), expect.closeTo(mean(STOVE), 5), expect.closeTo(mean(ESPRESSO), 5)]);
    expect(words(out)).toEqual(['Similar to “Burr grinder”', 'Similar to “Tent”', 'Similar to “Burr grinder”']);
  });

  it('honours the threshold, then the fallback', () => {
    expect(ids(related(model, [ESPRESSO], { ...base, threshold: 0.5 }))).toEqual(['grinder', 'mug']);
    // The third place goes to the best trending item left (tent, 1).
    expect(ids(related(model, [ESPRESSO], { ...base, threshold: 0.5, fallback: 'trending' }))).toEqual(['grinder', 'mug', 'tent']);
    expect(related(model, [ESPRESSO], { ...base, threshold: 0.9 })).toEqual([]);
  });
});

describe('lookingSimilar', () => {
  it('is content alone: co-occurrence adds nothing', () => {
    const out = lookingSimilar(model, ESPRESSO, { ...base, k: 4 });
    expect(ids(out)).toEqual(['grinder', 'mug', 'tent', 'stove']);
    // Tent is espresso's co-occurrence neighbour, yet scores its plain cosine, 0.
    expect(out[2]!.score).toBe(0);
    expect(words(out)[0]).toBe('Looks like “Espresso beans”');
  });

  it('falls back to popular items when nothing looks close enough', () => {
    expect(ids(lookingSimilar(model, ESPRESSO, { ...base, threshold: 0.7 }))).toEqual(['grinder']);
    const out = lookingSimilar(model, ESPRESSO, { ...base, threshold: 0.9, fallback: 'popular' });
    expect(ids(out)).toEqual(['mug']);
    expect(words(out)).toEqual(['Popular with other visitors']);
  });
});

describe('trending', () => {
  it('ranks by the log-scaled trend, skipping items with no recent events', () => {
    const out = trending(model, undefined, model.trending, { ...base, k: 5 });
    expect(ids(out)).toEqual(['tent', 'stove', 'espresso']);
    expect(out.map((r) => r.score)).toEqual([1, expect.closeTo(Math.log(11) / Math.log(101), 6), expect.closeTo(Math.log(2) / Math.log(101), 6)]);
  });

  it('narrows to a category and says so', () => {
    const out = trending(model, 'outdoor', model.trending, base);
    expect(ids(out)).toEqual(['tent', 'stove']);
    expect(words(out)).toEqual(['Trending in outdoor', 'Trending in outdoor']);
  });

  it('reads another window, and honours threshold and filter', () => {
    expect(ids(trending(model, undefined, model.trendingWindows.get(1)!, base))).toEqual(['stove']);
    expect(ids(trending(model, undefined, model.trending, { ...base, threshold: 0.5 }))).toEqual(['tent', 'stove']);
    expect(ids(trending(model, undefined, model.trending, { ...base, filter: { categories: ['coffee'] } }))).toEqual(['espresso']);
    expect(trending(model, 'kitchen', model.trending, base)).toEqual([]);
  });
});

describe('thresholds on search and recommend', () => {
  it('search: nonsense matches nothing once a threshold is set, whatever the visitor likes', () => {
    const taste = Float32Array.from([1, 0]);
    expect(ids(searchItems(model, { query: 'espresso', vector: null, k: 3, taste }))).toEqual(['espresso', 'grinder', 'mug']);
    expect(ids(searchItems(model, { query: 'espresso', vector: null, k: 3, taste, threshold: 0.1 }))).toEqual(['espresso']);
    // Without a threshold a search always fills k; with one, the taste tilt (0.1 for espresso) cannot rescue a non-match.
    expect(searchItems(model, { query: 'zzqxv nonsense', vector: null, k: 3, taste })).toHaveLength(3);
    expect(searchItems(model, { query: 'zzqxv nonsense', vector: null, k: 3, taste, threshold: 0.05 })).toEqual([]);
  });

  it('recommend: results below the threshold are dropped, not replaced', () => {
    const plain: RankSettings = { ...DEFAULT_RANK_SETTINGS, popularityWeight: 0, trendingWeight: 0, freshnessWeight: 0, categoryWeight: 0, tagWeight: 0, brandWeight: 0, priceWeight: 0, contextWeight: 0, diversityLambda: 1, maxPerCategory: Infinity };
    const profile = createProfile(2);
    foldEvent(profile, { type: 'view', itemId: 'espresso', ts: NOW }, { space: model, attributesOf: (i) => model.attributesOf(i) });
    // Taste (1, 0): grinder 0.8, mug 0.6, tent 0 + 0.3 (neighbour), stove −0.28.
    expect(ids(recommend(model, profile, { k: 4, now: NOW }, plain))).toEqual(['grinder', 'mug', 'tent', 'stove']);
    expect(ids(recommend(model, profile, { k: 4, now: NOW, threshold: 0.5 }, plain))).toEqual(['grinder', 'mug']);
    expect(recommend(model, profile, { k: 4, now: NOW, threshold: 2 }, plain)).toEqual([]);
  });
});
