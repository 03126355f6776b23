import { describe, expect, it } from 'vitest';
import { resolveSeeds, resolveSurface, resolveThreshold, resolveTrending } from '../../src/session/surface-request';
import { modelOf } from '../fixtures/rank-model';

const model = modelOf([{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }], Float32Array.from([1, 0, 0, 1]), 2, { trending: { a: 1 }, trendingWindows: { '1': { b: 2 }, '30': { a: 1 } } });
const rejects = (run: () => unknown, option: string, message: RegExp) => {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toMatchObject({ code: 'invalid-option', details: expect.objectContaining({ option }) });
  expect((error as Error).message).toMatch(message);
};

describe('surface options', () => {
  it('fills the defaults', () => {
    expect(resolveSurface('related', undefined, model, 10)).toEqual({ k: 10, threshold: -Infinity, fallback: 'none' });
    expect(resolveSurface('related', { k: 3, threshold: 0.4, fallback: 'trending', exclude: ['b', 'gone'] }, model, 10)).toEqual({ k: 3, threshold: 0.4, fallback: 'trending', exclude: new Set([1]) });
  });

  it.each([
    [{ k: 0 }, 'k', /related: option "k" is 0; expected a positive integer/],
    [{ k: 2.5 }, 'k', /positive integer/],
    [{ threshold: '0.5' }, 'threshold', /option "threshold" is "0.5"; expected a finite number/],
    [{ threshold: Number.NaN }, 'threshold', /finite number/],
    [{ fallback: 'similar' }, 'fallback', /one of "none", "trending", "trending-in-category", "popular"/],
    [{ exclude: 'a' }, 'exclude', /an array of item ids/],
    [{ filter: [] }, 'filter', /an object/],
    [{ treshold: 0.5 }, 'treshold', /there is no option "treshold"; valid options: k, threshold, fallback, filter, exclude/],
  ])('rejects %j naming %s', (options, option, message) => rejects(() => resolveSurface('related', options, model, 10), option, message));

  it('needs seeds that exist', () => {
    expect(resolveSeeds('related', ['b', 'a', 'b'], model)).toEqual([1, 0]);
    rejects(() => resolveSeeds('related', [], model), 'itemIds', /non-empty array of item ids/);
    rejects(() => resolveSeeds('boughtTogether', ['a', 'nope'], model), 'itemIds', /boughtTogether: item "nope" is not in the catalogue/);
  });

  it('reads the requested trending window and lists the built ones otherwise', () => {
    expect(resolveTrending(undefined, model, 5).trend).toBe(model.trending);
    expect(resolveTrending({ window: 1, category: 'x' }, model, 5)).toMatchObject({ category: 'x', trend: model.trendingWindows.get(1) });
    rejects(() => resolveTrending({ window: 7 }, model, 5), 'window', /expected one of the catalogue's windows, in days: 1, 30/);
    rejects(() => resolveTrending({ category: 3 } as never, model, 5), 'category', /a category name/);
  });

  it('checks thresholds of recommend and search too', () => {
    expect(resolveThreshold('search', undefined)).toBe(-Infinity);
    rejects(() => resolveThreshold('search', Infinity), 'threshold', /search: option "threshold" is Infinity/);
  });
});
