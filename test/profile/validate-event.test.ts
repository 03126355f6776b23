import { quantizeRows } from '../../src/vector';
import { describe, expect, it } from 'vitest';
import { PocketRecError } from '../../src/errors';
import { createProfile, foldEvent, isReplayable, validateEvent, type ItemSpace } from '../../src/profile';

const space: ItemSpace = { dim: 2, rows: quantizeRows(Float32Array.from([1, 0, 0, 1]), 2), indexOf: (id) => ({ a: 0, '42': 1 })[id] };
const known = (id: string) => space.indexOf(id) !== undefined;

function rejection(event: unknown): PocketRecError {
  try {
    validateEvent(event, 1_000, known);
  } catch (error) {
    expect(error).toBeInstanceOf(PocketRecError);
    return error as PocketRecError;
  }
  throw new Error(`expected ${JSON.stringify(event)} to be rejected`);
}

describe('validateEvent: every field of every type', () => {
  it.each([
    // Before the fix a review's rating was never checked: NaN or 9 reached the profile.
    [{ type: 'review', itemId: 'a', rating: Number.NaN }, 'rating'],
    [{ type: 'review', itemId: 'a', rating: 9 }, 'rating'],
    [{ type: 'review', itemId: 'a', rating: '4' }, 'rating'],
    [{ type: 'rate', itemId: 'a', rating: Number.POSITIVE_INFINITY }, 'rating'],
    [{ type: 'rate', itemId: 'a' }, 'rating'],
    [{ type: 'view', itemId: 'a', rating: 3 }, 'rating'],
    [{ type: 'view', itemId: 'a', query: 'x' }, 'query'],
    [{ type: 'view', itemId: 'a', text: 'nice' }, 'text'],
    [{ type: 'review', itemId: 'a', text: 5 }, 'text'],
    [{ type: 'search', query: 'x', itemId: 'a' }, 'itemId'],
    [{ type: 'view', itemId: Number.NaN }, 'itemId'],
    [{ type: 'view', itemId: '   ' }, 'itemId'],
    [{ type: 'view', itemId: 'a', ts: -1 }, 'ts'],
    [{ type: 'view', itemId: 'a', ts: 1e18 }, 'ts'],
    [{ type: 'view', itemId: 'a', context: { device: 'watch' } }, 'context.device'],
    [{ type: 'view', itemId: 'a', context: { surface: 3 } }, 'context.surface'],
    [{ type: 'view', itemId: 'a', context: { srface: 'home' } }, 'context.srface'],
    [{ type: 'view', itemId: 'a', context: 'home' }, 'context'],
    [{ type: 'view', itemId: 'a', itemID: 'a' }, 'itemID'],
    [[{ type: 'view', itemId: 'a' }], '(event)'],
  ])('rejects %j naming %s', (event, field) => {
    const error = rejection(event);
    expect(error.code).toBe('invalid-event');
    expect(error.details.field).toBe(field);
    expect(error.message).toContain(`"${field}"`);
  });

  it('suggests the field or type that was meant', () => {
    expect(rejection({ type: 'view', itemid: 'a' }).message).toContain('did you mean "itemId"?');
    expect(rejection({ type: 'add-to-cart', itemId: 'a' }).message).toContain('did you mean "add_to_cart"?');
    expect(rejection({ type: 'view', itemId: 'a', context: { devise: 'mobile' } }).message).toContain('did you mean "device"?');
  });

  it('takes a numeric item id as its decimal string, as catalogues do', () => {
    // Before the fix `{ id: 42 }` in a catalogue became "42" while `track({ itemId: 42 })` was rejected.
    expect(validateEvent({ type: 'view', itemId: 42 }, 7, known)).toEqual({ type: 'view', itemId: '42', ts: 7 });
  });

  it('keeps valid optional fields and drops nothing', () => {
    const event = { type: 'review', itemId: 'a', rating: 4.5, text: 'good', ts: 5, context: { device: 'mobile', surface: 'pdp' } };
    expect(validateEvent(event, 1, known)).toEqual(event);
  });

  it('lets no accepted review turn the profile into NaN', () => {
    const p = createProfile(2);
    for (const rating of [0, 2.5, 5, undefined]) {
      foldEvent(p, validateEvent({ type: 'review', itemId: 'a', ...(rating === undefined ? {} : { rating }) }, 1, known), { space, attributesOf: () => ({ category: 'c' }) });
    }
    expect(Number.isFinite(p.longTerm.mass)).toBe(true);
    expect([...p.categoryAffinity.values()].every(Number.isFinite)).toBe(true);
  });
});

describe('isReplayable', () => {
  it('skips stored events that would poison the profile, keeps older but harmless ones', () => {
    expect(isReplayable({ type: 'review', itemId: 'a', rating: Number.NaN, ts: 1 })).toBe(false);
    expect(isReplayable({ type: 'review', itemId: 'a', rating: 40, ts: 1 })).toBe(false);
    expect(isReplayable({ type: 'view', itemId: 'a', ts: Number.NaN })).toBe(false);
    expect(isReplayable({ type: 'view', itemId: 'a', query: 'from search', ts: 1 })).toBe(true);
    expect(isReplayable({ type: 'rate', itemId: 'a', rating: 4, ts: 1 })).toBe(true);
  });
});
