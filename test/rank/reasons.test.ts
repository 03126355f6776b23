import { describe, expect, it } from 'vitest';
import type { Item } from '../../src/catalog';
import { createProfile, DEFAULT_PROFILE_SETTINGS, foldEvent, type BehaviourEvent } from '../../src/profile';
import { DEFAULT_RANK_SETTINGS, explain, rankIndices, recommend, scoreTerms, type RankSettings } from '../../src/rank';
import { cosineOf, modelOf, SIMILARITY_ONLY } from '../fixtures/rank-model';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const items: Item[] = [
  { id: 'espresso', title: 'Espresso beans', category: 'coffee', price: 12 }, // (1, 0, 0)
  { id: 'tent', title: 'Tent', category: 'outdoor', price: 200 }, // (0, 1, 0)
  { id: 'lantern', title: 'Lantern', category: 'outdoor', price: 30 }, // (0, 0, 1)
  { id: 'poster', title: 'Poster', category: 'art', price: 20 }, // (0.1, 0, 0.995)
  { id: 'grinder', title: 'Burr grinder', category: 'coffee', price: 80, publishedAt: '2026-05-30T00:00:00Z' }, // (0.9, 0.1, 0.42)
];
const n = (v: number[]) => v.map((x) => x / Math.hypot(...v));
const vectors = Float32Array.from([...[1, 0, 0], ...[0, 1, 0], ...[0, 0, 1], ...n([0.1, 0, 0.995]), ...n([0.9, 0.1, 0.42])]);
const model = modelOf(items, vectors, 3, { popularity: { poster: 100 }, trending: { lantern: 5, tent: 1 }, neighbors: { espresso: [['lantern', 1]] }, transitions: { tent: [['grinder', 1]] } });
// Content and co-occurrence only; each test switches on what it is about.
const plain: RankSettings = { ...SIMILARITY_ONLY, transitionWeight: 0 };
const history = (...events: Array<Omit<BehaviourEvent, 'ts'>>) => {
  const p = createProfile(3);
  events.forEach((e, i) => foldEvent(p, { ...e, ts: NOW - (events.length - i) * 60_000 }, { space: model, attributesOf: (j) => model.attributesOf(j) }));
  return p;
};
const reasons = (p: ReturnType<typeof createProfile>, settings: RankSettings) =>
  Object.fromEntries(recommend(model, p, { k: 5, now: NOW }, settings).map((r) => [model.ids[r.index], explain(model, r.reason)]));

describe('true reasons', () => {
  it('names the co-occurrence source, not the look-alike in the same category', () => {
    // Tent, then espresso. The lantern resembles neither (cosine 0) but is espresso's co-occurrence neighbour:
    // 0.3 × recency 1 × weight 1 = 0.3. Sharing the tent's category used to make it "Because you viewed Tent".
    const p = history({ type: 'view', itemId: 'tent' }, { type: 'view', itemId: 'espresso' });
    const terms = scoreTerms(model, p, plain, DEFAULT_PROFILE_SETTINGS, NOW, 2);
    expect(terms.find((t) => t.term === 'history')!.value).toBeCloseTo(0, 6);
    const neighbours = terms.find((t) => t.term === 'neighbors')!;
    // Recency runs from the visitor's latest event, the espresso itself: a factor of exactly 1.
    expect(neighbours.value).toBeCloseTo(0.3, 6);
    expect(neighbours.source).toBe(0);
    expect(reasons(p, plain).lantern).toBe('Often chosen with “Espresso beans”');
  });

  it('says popular when popularity outweighs a faint resemblance', () => {
    const p = history({ type: 'view', itemId: 'espresso' });
    const settings = { ...plain, neighborWeight: 0, popularityWeight: 0.15 };
    // Poster: history cos 0.1 < popularity 0.15 × 1. The grinder (cos 0.9) is explained by the espresso.
    const terms = scoreTerms(model, p, settings, DEFAULT_PROFILE_SETTINGS, NOW, 3);
    // The cosine as the int8 rows hold it, which is the hand value up to the rounding.
    expect(cosineOf(model, 3, 0)).toBeCloseTo(0.1 / Math.hypot(0.1, 0.995), 2);
    expect(terms.find((t) => t.term === 'history')!.value).toBeCloseTo(cosineOf(model, 3, 0), 5);
    expect(terms.find((t) => t.term === 'popularity')!.value).toBeCloseTo(0.15, 6);
    const out = reasons(p, settings);
    expect(out.poster).toBe('Popular with other visitors');
    expect(out.grinder).toBe('Because you viewed “Espresso beans”');
    // Nothing adds to the tent or the lantern: no invented cause.
    expect(out.lantern).toBe('From the catalogue');
  });

  it('names the recent item that put most into the history term', () => {
    // Espresso bought (weight 3 by default), tent viewed: the grinder resembles the espresso (0.9) far more than the tent (0.1).
    const p = history({ type: 'purchase', itemId: 'espresso' }, { type: 'view', itemId: 'tent' });
    expect(reasons(p, { ...plain, neighborWeight: 0 }).grinder).toBe('Because you bought “Espresso beans”');
  });

  it('says "comes after" when the transition term is the largest', () => {
    const p = history({ type: 'view', itemId: 'lantern' }, { type: 'view', itemId: 'tent' });
    // Grinder: history ≈ 0.5 × its resemblance to lantern + tent (small), transition 2 × 1 from the tent.
    const settings = { ...plain, neighborWeight: 0, transitionWeight: 2 };
    expect(reasons(p, settings).grinder).toBe('Often comes after “Tent”');
  });

  it('names the search when the query explains the result best', () => {
    const p = createProfile(3);
    const ctx = { space: model, attributesOf: (j: number) => model.attributesOf(j) };
    foldEvent(p, { type: 'view', itemId: 'tent', ts: NOW - 60_000 }, ctx);
    foldEvent(p, { type: 'search', query: 'lantern light', ts: NOW - 30_000 }, { ...ctx, textVector: Float32Array.from([0, 0, 1]) });
    expect(reasons(p, plain).lantern).toBe('Matches your search “lantern light”');
  });

  it('reports terms that sum to the final score of every result, attention and sequence included', () => {
    const p = history({ type: 'view', itemId: 'tent' }, { type: 'add_to_cart', itemId: 'espresso' }, { type: 'like', itemId: 'poster' });
    const settings: RankSettings = { ...DEFAULT_RANK_SETTINGS, attentionWeight: 0.3 };
    const sequence = Float32Array.from([0.1, 0.2, 1, 0, 0.5]);
    const request = { k: 3, now: NOW, sequence, context: { device: 'mobile' as const } };
    const { scores, chosen } = rankIndices(model, p, request, settings);
    expect(chosen.length).toBeGreaterThan(0);
    for (const index of chosen) {
      const terms = scoreTerms(model, p, settings, DEFAULT_PROFILE_SETTINGS, NOW, index, request.context, sequence);
      expect(terms.reduce((sum, t) => sum + t.value, 0)).toBeCloseTo(scores[index]!, 5);
      expect(terms.map((t) => t.term)).toEqual(expect.arrayContaining(['history', 'popularity', 'trending', 'category', 'context', 'neighbors', 'transitions', 'sequence', 'attention']));
    }
  });

  it('a resemblance every item shares explains nothing: a term names the reason only where it lifts the item above average', () => {
    // Like a sentence encoder's space: everything sits at cosine 0.6 from the viewed item, one true match at 0.95.
    const wide = modelOf(
      ['viewed', 'match', 'o1', 'o2', 'o3', 'o4'].map((id) => ({ id, title: id })),
      Float32Array.from([...[1, 0, 0], ...n([0.95, 0.31, 0]), ...[0.6, 0.8, 0], ...[0.6, 0, 0.8], ...[0.6, -0.8, 0], ...[0.6, 0, -0.8]]),
      3,
      { popularity: { o1: 10 } },
    );
    const p = createProfile(3);
    foldEvent(p, { type: 'view', itemId: 'viewed', ts: NOW - 60_000 }, { space: wide, attributesOf: (j) => wide.attributesOf(j) });
    const settings = { ...plain, popularityWeight: 0.15 };
    // o1: history 0.6, but the average item gets (1 + 0.95 + 4 × 0.6) / 6 ≈ 0.725 from it: lift < 0, popularity 0.15 > 0.
    const terms = scoreTerms(wide, p, settings, DEFAULT_PROFILE_SETTINGS, NOW, 2);
    // Exact values from the int8 rows; they are the hand values (0.6, and the mean above) up to the rounding.
    const cos = (i: number) => cosineOf(wide, i, 0);
    const average = [0, 1, 2, 3, 4, 5].reduce((sum, i) => sum + cos(i), 0) / 6;
    expect(cos(2)).toBeCloseTo(0.6, 2);
    expect(average).toBeCloseTo((1 + 0.95 / Math.hypot(0.95, 0.31) + 2.4) / 6, 2);
    expect(terms.find((t) => t.term === 'history')).toMatchObject({ value: expect.closeTo(cos(2), 5), lift: expect.closeTo(cos(2) - average, 5) });
    const out = Object.fromEntries(recommend(wide, p, { k: 5, now: NOW }, settings).map((r) => [wide.ids[r.index], explain(wide, r.reason)]));
    expect(out).toEqual({ match: 'Because you viewed “viewed”', o1: 'Popular with other visitors', o2: 'From the catalogue', o3: 'From the catalogue', o4: 'From the catalogue' });
  });
});
