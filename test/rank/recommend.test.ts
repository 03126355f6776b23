import { describe, expect, it } from 'vitest';
import type { Item } from '../../src/catalog';
import { createProfile, foldEvent } from '../../src/profile';
import { createRankModel, DEFAULT_RANK_SETTINGS, diversify, explain, recommend, similarTo, type RankSettings } from '../../src/rank';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');
// Four items in 2-D: two "coffee" items pointing along x, a "tea" item close to them, a "tent" along y.
const items: Item[] = [
  { id: 'espresso', title: 'Espresso beans', category: 'coffee' },
  { id: 'grinder', title: 'Burr grinder', category: 'coffee', repeatable: false },
  { id: 'tea', title: 'Green tea', category: 'tea' },
  { id: 'tent', title: 'Tent', category: 'outdoor', publishedAt: '2026-05-25T00:00:00Z' },
];
const s = Math.SQRT1_2;
const vectors = Float32Array.from([1, 0, 1, 0, s, s, 0, 1]);
const model = createRankModel({ items, vectors, dim: 2, signals: { popularity: { tent: 100, tea: 10 } } });
const plain: RankSettings = { ...DEFAULT_RANK_SETTINGS, popularityWeight: 0, trendingWeight: 0, freshnessWeight: 0, categoryWeight: 0, diversityLambda: 1 };
const fold = (p: ReturnType<typeof createProfile>, e: Parameters<typeof foldEvent>[1]) => foldEvent(p, e, { space: model, categoryOf: (i) => model.categories[i] });

describe('recommend', () => {
  it('ranks by similarity to the history and says why', () => {
    const p = createProfile(2);
    fold(p, { type: 'view', itemId: 'espresso', ts: NOW });
    const out = recommend(model, p, { k: 3, now: NOW }, plain);
    // Seen items are left out; grinder (cos 1) beats tea (cos .71) beats tent (cos 0).
    expect(out.map((r) => model.ids[r.index])).toEqual(['grinder', 'tea', 'tent']);
    expect(out[0]!.score).toBeCloseTo(1, 5);
    expect(explain(model, out[0]!.reason)).toBe('Because you viewed “Espresso beans”');
  });

  it('never returns purchased or dismissed items, nor excluded or filtered ones', () => {
    const p = createProfile(2);
    fold(p, { type: 'purchase', itemId: 'grinder', ts: NOW });
    fold(p, { type: 'dismiss', itemId: 'tea', ts: NOW });
    const ids = recommend(model, p, { k: 4, now: NOW, exclude: new Set([0]) }, plain).map((r) => model.ids[r.index]);
    expect(ids).toEqual(['tent']);
    expect(recommend(model, createProfile(2), { k: 4, now: NOW, filter: { categories: ['coffee'] } }, plain).map((r) => model.ids[r.index]).sort()).toEqual(['espresso', 'grinder']);
  });

  it('lets recent interests outweigh old ones', () => {
    const p = createProfile(2);
    fold(p, { type: 'purchase', itemId: 'espresso', ts: NOW - 60 * DAY });
    fold(p, { type: 'view', itemId: 'tent', ts: NOW });
    const settings = { ...plain, sessionWeight: 0 };
    // Purchase weight 5 at 60 days with a 14-day half-life ≈ 0.26 < view weight 1 today, so the taste points
    // along y and the tea (half y) beats the grinder (pure x).
    expect(model.ids[recommend(model, p, { k: 1, now: NOW }, settings)[0]!.index]).toBe('tea');
  });

  it('ranks a cold start by popularity and freshness', () => {
    const out = recommend(model, createProfile(2), { k: 2, now: NOW }, { ...DEFAULT_RANK_SETTINGS, diversityLambda: 1 });
    expect(model.ids[out[0]!.index]).toBe('tent');
    expect(explain(model, out[0]!.reason)).toBe('Popular with other visitors');
  });

  it('puts pinned items first', () => {
    const out = recommend(model, createProfile(2), { k: 2, now: NOW, pinned: [1] }, plain);
    expect(out[0]).toMatchObject({ index: 1, reason: { kind: 'pinned' } });
  });
});

describe('diversify', () => {
  it('prefers a different item over a near-duplicate when lambda < 1', () => {
    const scores = Float32Array.from([1, 0.99, 0.7, 0.5]);
    expect(diversify(model, [0, 1, 2, 3], scores, 2, 1, Infinity)).toEqual([0, 1]);
    expect(diversify(model, [0, 1, 2, 3], scores, 2, 0.5, Infinity)).toEqual([0, 3]);
  });
  it('caps results per category', () => {
    expect(diversify(model, [0, 1, 2, 3], Float32Array.from([1, 0.9, 0.8, 0.7]), 3, 1, 1)).toEqual([0, 2, 3]);
  });
});

describe('similarTo', () => {
  it('returns content neighbours without the item itself', () => {
    expect(similarTo(model, 0, 2).map((r) => model.ids[r.index])).toEqual(['grinder', 'tea']);
  });
});
