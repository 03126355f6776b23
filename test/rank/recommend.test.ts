import { describe, expect, it } from 'vitest';
import type { Item } from '../../src/catalog';
import { createProfile, DEFAULT_PROFILE_SETTINGS, foldEvent } from '../../src/profile';
import { relativeProbabilities } from '../../src/sequence/input';
import { modelOf, SIMILARITY_ONLY } from '../fixtures/rank-model';
import { DEFAULT_RANK_SETTINGS, diversify, explain, rankIndices, recommend, related, scoreItems, type RankSettings } from '../../src/rank';

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
const model = modelOf(items, vectors, 2, { popularity: { tent: 100, tea: 10 } });
// Similarity alone: every other term of the hybrid score switched off (each has its own test below).
const plain = SIMILARITY_ONLY;
const fold = (p: ReturnType<typeof createProfile>, e: Parameters<typeof foldEvent>[1]) => foldEvent(p, e, { space: model, attributesOf: (i) => model.attributesOf(i) });

describe('recommend', () => {
  it("adds the sequence model's next-item probability, relative to its first choice", () => {
    const p = createProfile(2);
    fold(p, { type: 'view', itemId: 'espresso', ts: NOW });
    // Content alone puts the grinder first; the model is sure the tent comes next.
    const logits = relativeProbabilities(Float32Array.from([0, 1, 1, 4]));
    const without = rankIndices(model, p, { k: 3, now: NOW }, plain);
    const withModel = rankIndices(model, p, { k: 3, now: NOW, sequence: logits }, { ...plain, sequenceWeight: 2 });
    expect(without.chosen[0]).toBe(1);
    expect(withModel.chosen[0]).toBe(3);
    expect(withModel.scores[3]! - without.scores[3]!).toBeCloseTo(2, 5);
    expect(withModel.scores[1]! - without.scores[1]!).toBeCloseTo(2 * Math.exp(-3), 5);
    // The model's vote is the reason when content does not explain the item.
    const [first] = recommend(model, p, { k: 1, now: NOW, sequence: logits }, { ...plain, sequenceWeight: 2 });
    expect(explain(model, first!.reason)).toBe('Often comes after “Espresso beans”');
    // Weight 0 switches the model off entirely.
    expect(Array.from(rankIndices(model, p, { k: 3, now: NOW, sequence: logits }, { ...plain, sequenceWeight: 0 }).scores)).toEqual(Array.from(without.scores));
  });

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
    fold(p, { type: 'purchase', itemId: 'espresso', ts: NOW - 180 * DAY });
    fold(p, { type: 'view', itemId: 'tent', ts: NOW });
    const settings = { ...plain, sessionWeight: 0 };
    // Purchase weight 5 at 180 days with a 60-day half-life = 0.625 < view weight 1 today, so the taste points
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

describe('affinities, context, attention and exploration', () => {
  const shop: Item[] = [
    { id: 'cheap-mug', title: 'Mug', category: 'home', brand: 'Acme', tags: ['ceramic'], price: 10 },
    { id: 'posh-mug', title: 'Mug', category: 'home', brand: 'Luxe', tags: ['ceramic'], price: 200 },
    { id: 'cheap-cup', title: 'Cup', category: 'home', brand: 'Acme', tags: ['glass'], price: 12 },
    { id: 'tent', title: 'Tent', category: 'outdoor', price: 150 },
  ];
  // All vectors equal: only the affinity terms can separate the items.
  const flat = modelOf(shop, new Float32Array(8).fill(Math.SQRT1_2), 2);
  const only = (weights: Partial<RankSettings>): RankSettings => ({ ...plain, ...weights });
  const bought = () => {
    const p = createProfile(2);
    for (const id of ['cheap-mug', 'cheap-cup']) foldEvent(p, { type: 'purchase', itemId: id, ts: NOW }, { space: flat, attributesOf: (i) => flat.attributesOf(i) });
    return p;
  };
  const scores = (p: ReturnType<typeof createProfile>, s: RankSettings, context?: { device: 'mobile' }) => Array.from(scoreItems(flat, p, s, DEFAULT_PROFILE_SETTINGS, NOW, new Float32Array(4), context));

  it('prefers the brand and the price band the visitor buys', () => {
    const base = scores(bought(), only({}));
    const brand = scores(bought(), only({ brandWeight: 1 }));
    // Both purchases are Acme: posh-mug (Luxe) gets nothing, tent (no brand) nothing.
    expect(brand[1]! - base[1]!).toBe(0);
    const price = scores(bought(), only({ priceWeight: 1 }));
    // Bought at 10 and 12: a 200 mug is far outside the band, a 150 tent too; the 10 mug is inside.
    expect(price[0]! - base[0]!).toBeGreaterThan(0.9);
    expect(price[1]! - base[1]!).toBeLessThan(0.01);
  });

  it('counts tags as shares of the visitor\'s tag interest', () => {
    const withTags = scores(bought(), only({ tagWeight: 1 }));
    const base = scores(bought(), only({}));
    expect(withTags[0]! - base[0]!).toBeCloseTo(0.5, 5);
    expect(withTags[2]! - base[2]!).toBeCloseTo(0.5, 5);
    expect(withTags[3]! - base[3]!).toBe(0);
  });

  it('favours what the visitor chooses in the same situation', () => {
    const p = createProfile(2);
    const inputs = { space: flat, attributesOf: (i: number) => flat.attributesOf(i) };
    foldEvent(p, { type: 'view', itemId: 'tent', ts: NOW, context: { device: 'mobile' } }, inputs);
    foldEvent(p, { type: 'view', itemId: 'cheap-mug', ts: NOW }, inputs);
    const s = scores(p, only({ contextWeight: 1 }), { device: 'mobile' });
    // Daypart and week part hold both categories equally; on mobile only the tent was seen.
    expect(s[3]! - s[1]!).toBeCloseTo(1 / 3, 5);
  });

  it('fills an exploration slot from a category the visitor has not touched', () => {
    const p = createProfile(2);
    foldEvent(p, { type: 'view', itemId: 'posh-mug', ts: NOW }, { space: flat, attributesOf: (i) => flat.attributesOf(i) });
    const out = recommend(flat, p, { k: 3, now: NOW, explore: true }, plain);
    expect(out).toHaveLength(3);
    expect(out.at(-1)).toMatchObject({ index: 3, reason: { kind: 'explore' } });
    expect(explain(flat, out.at(-1)!.reason)).toBe('Something different for you');
  });

  it('lets attention lift the candidate closest to one of two interests', () => {
    const p = createProfile(2);
    fold(p, { type: 'view', itemId: 'espresso', ts: NOW });
    fold(p, { type: 'view', itemId: 'tent', ts: NOW });
    const without = recommend(model, p, { k: 2, now: NOW }, plain).map((r) => r.index);
    const withAttention = rankIndices(model, p, { k: 2, now: NOW }, { ...plain, attentionWeight: 2 });
    // The averaged taste points between the two interests, where the tea sits: tea 1.0, grinder 0.71.
    expect(without).toEqual([2, 1]);
    // The grinder attends to the espresso (cos 1): +2·1; the tea attends to both halfway: +2·0.71.
    // 0.7071 + 1.9998 = 2.7069 against 1 + 1.4142 = 2.4142.
    expect(withAttention.chosen[0]).toBe(1);
    expect(withAttention.scores[1]! - withAttention.scores[2]!).toBeCloseTo(0.2927, 3);
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
  it('fills the list from capped categories rather than return fewer than asked', () => {
    // Only coffee and one tea in the pool, at most one per category: the second coffee still takes the last place.
    expect(diversify(model, [0, 1, 2], Float32Array.from([1, 0.9, 0.8]), 3, 1, 1)).toEqual([0, 2, 1]);
    expect(diversify(model, [0, 1], Float32Array.from([1, 0.9]), 5, 1, 1)).toEqual([0, 1]);
  });
});

describe('related to one item (similar)', () => {
  it('returns content neighbours without the item itself', () => {
    expect(related(model, [0], { k: 2, threshold: -Infinity, fallback: 'none' }).map((r) => model.ids[r.index])).toEqual(['grinder', 'tea']);
  });
});
