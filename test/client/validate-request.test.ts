import { describe, expect, it } from 'vitest';
import { validateCallOptions, validateFilter, validateItemId, validateK, validateQuery, validateRecommendRequest } from '../../src/client/validate-request';
import { thrownError } from '../helpers/thrown';

const rejection = thrownError;

describe('validateRecommendRequest', () => {
  it.each([
    // Before the fix `recommend({ k: -1 })` returned [] while `search('')` rejected.
    [{ k: -1 }, 'k'],
    [{ k: 0 }, 'k'],
    [{ k: 2.5 }, 'k'],
    [{ k: '8' }, 'k'],
    [{ k: Number.NaN }, 'k'],
    [{ exclude: 'a' }, 'exclude'],
    [{ exclude: ['a', null] }, 'exclude'],
    [{ pinned: [{}] }, 'pinned'],
    [{ filter: [] }, 'filter'],
    [{ filter: { categories: 'books' } }, 'filter.categories'],
    [{ filter: { maxPrice: -1 } }, 'filter.maxPrice'],
    [{ filter: { minPrice: 9, maxPrice: 2 } }, 'filter.minPrice'],
    [{ filter: { category: ['books'] } }, 'filter.category'],
    [{ now: 'today' }, 'now'],
    [{ context: { device: 'tv' } }, 'context.device'],
    [{ explore: 'yes' }, 'explore'],
    // Before the fix a misspelt key was ignored and the default used.
    [{ limit: 5 }, 'limit'],
    [[], '(request)'],
  ])('rejects %j naming %s', (request, option) => {
    const e = rejection(() => validateRecommendRequest(request));
    expect(e.code).toBe('invalid-option');
    expect(e.details.option).toBe(option);
    expect(e.message).toContain(`"${option}"`);
  });
  it('suggests the key that was meant', () => {
    expect(rejection(() => validateRecommendRequest({ exlude: ['a'] })).message).toContain('did you mean "exclude"?');
    expect(rejection(() => validateRecommendRequest({ filter: { maxprice: 3 } })).message).toContain('did you mean "maxPrice"?');
    expect(rejection(() => validateRecommendRequest({ kk: 3 })).details.suggestion).toBe('k');
  });
  it('normalises numeric ids to strings and keeps valid fields', () => {
    expect(validateRecommendRequest({ k: 3, exclude: [7, 'b'], pinned: ['c'], filter: { categories: ['x'], minPrice: 1, maxPrice: 2 }, now: 5, context: { surface: 'home' }, explore: true })).toEqual({
      k: 3,
      exclude: ['7', 'b'],
      pinned: ['c'],
      filter: { categories: ['x'], minPrice: 1, maxPrice: 2 },
      now: 5,
      context: { surface: 'home' },
      explore: true,
    });
    expect(validateRecommendRequest(undefined)).toEqual({});
  });
});

describe('similar and search arguments', () => {
  it('rejects a bad k, id, query or call option', () => {
    expect(rejection(() => validateK('similar', -1)).details).toEqual({ option: 'k' });
    expect(rejection(() => validateItemId('similar', '')).details).toEqual({ option: 'itemId' });
    expect(validateItemId('similar', 42)).toBe('42');
    expect(rejection(() => validateQuery('  ')).details).toEqual({ option: 'query' });
    expect(rejection(() => validateCallOptions('search', { filtr: {} })).message).toContain('did you mean "filter"?');
    expect(rejection(() => validateCallOptions('recommend', { filter: {} })).details.option).toBe('filter');
    expect(rejection(() => validateCallOptions('search', { signal: {} })).details.option).toBe('signal');
    expect(validateFilter('search', { categories: ['a'] })).toEqual({ categories: ['a'] });
  });
});
