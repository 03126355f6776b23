import { describe, expect, it } from 'vitest';
import { quantizeRows } from '../../src/vector';
import { addDecayed, createDecayedSum, createProfile, foldEvent, massAt, ratingWeight, validateEvent, type ItemSpace } from '../../src/profile';

const DAY = 86_400_000;
// Three orthogonal items: each one's vector is a basis direction, so profile sums can be read off by eye.
const space: ItemSpace = {
  dim: 3,
  rows: quantizeRows(Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), 3),
  indexOf: (id) => ({ a: 0, b: 1, c: 2 })[id],
};
const inputs = { space, attributesOf: (i: number) => ({ category: ['x', 'x', 'y'][i] }) };

describe('decayed sum', () => {
  it('halves a term after one half-life and keeps the direction of older sums', () => {
    const sum = createDecayedSum(2);
    addDecayed(sum, Float32Array.from([1, 0]), 1, 0, DAY);
    addDecayed(sum, Float32Array.from([0, 1]), 1, DAY, DAY);
    // At t = 1 day the first term has weight 1/2, the second 1: ratio 1 : 2.
    expect(sum.vector[1]! / sum.vector[0]!).toBeCloseTo(2, 6);
    expect(massAt(sum, DAY, DAY)).toBeCloseTo(1.5, 6);
  });
  it('stays finite across years of events by rebasing', () => {
    const sum = createDecayedSum(1);
    for (let d = 0; d < 3650; d += 10) addDecayed(sum, Float32Array.from([1]), 1, d * DAY, DAY);
    expect(Number.isFinite(sum.vector[0])).toBe(true);
    expect(massAt(sum, 3640 * DAY, DAY)).toBeCloseTo(1 / (1 - 2 ** -10), 3);
  });
});

describe('foldEvent', () => {
  it('weights a purchase above a view and remembers it', () => {
    const p = createProfile(3);
    foldEvent(p, { type: 'view', itemId: 'a', ts: 1000 }, inputs);
    foldEvent(p, { type: 'purchase', itemId: 'b', ts: 1000 }, inputs);
    expect(p.longTerm.vector[1]! / p.longTerm.vector[0]!).toBeCloseTo(5, 6);
    expect(p.purchased.has(1)).toBe(true);
    expect(p.categoryAffinity.get('x')).toBeCloseTo(6, 6);
  });
  it('turns a dismiss and a low rating into negative evidence', () => {
    const p = createProfile(3);
    foldEvent(p, { type: 'dismiss', itemId: 'c', ts: 1 }, inputs);
    foldEvent(p, { type: 'rate', itemId: 'a', rating: 1, ts: 1 }, inputs);
    expect(p.dismissed.has(2)).toBe(true);
    expect(p.longTerm.mass).toBe(0);
    expect(p.negative.vector[2]).toBeCloseTo(2, 6);
    expect(p.negative.vector[0]).toBeCloseTo(3 * -ratingWeight(1), 6);
  });
  it('reads a review by its stars when it has them', () => {
    const p = createProfile(3);
    foldEvent(p, { type: 'review', itemId: 'a', rating: 1, text: 'broke after a day', ts: 1 }, inputs);
    foldEvent(p, { type: 'review', itemId: 'b', text: 'lovely', ts: 1 }, inputs);
    expect(p.negative.vector[0]).toBeCloseTo(3 * 0.6, 6);
    expect(p.longTerm.vector[1]).toBeCloseTo(3, 6);
  });

  it('cools down repeated views without a purchase', () => {
    const p = createProfile(3);
    for (let i = 0; i < 3; i++) foldEvent(p, { type: 'view', itemId: 'a', ts: 1 }, inputs);
    // 1 + 1/1 + 1/2
    expect(p.longTerm.vector[0]).toBeCloseTo(2.5, 6);
  });
  it('folds a search query into intents only', () => {
    const p = createProfile(3);
    foldEvent(p, { type: 'search', query: 'q', ts: 1 }, { ...inputs, textVector: Float32Array.from([0, 0, 1]) });
    expect(p.intents.vector[2]).toBeGreaterThan(0);
    expect(p.longTerm.mass).toBe(0);
    expect(p.lastQuery).toBe('q');
  });
});

describe('validateEvent', () => {
  const known = (id: string) => id === 'a';
  it('fills ts and accepts a known item', () => {
    expect(validateEvent({ type: 'view', itemId: 'a' }, 42, known)).toEqual({ type: 'view', itemId: 'a', ts: 42 });
  });
  it.each([
    [{ type: 'stare', itemId: 'a' }, 'type'],
    [{ type: 'view' }, 'itemId'],
    [{ type: 'view', itemId: 'zzz' }, 'itemId'],
    [{ type: 'search', query: '  ' }, 'query'],
    [{ type: 'rate', itemId: 'a', rating: 7 }, 'rating'],
    [{ type: 'view', itemId: 'a', ts: 'yesterday' }, 'ts'],
  ])('rejects %j naming the field', (event, field) => {
    expect(() => validateEvent(event, 0, known)).toThrow(expect.objectContaining({ code: 'invalid-event', details: { field } }));
  });
});
