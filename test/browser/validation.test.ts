import { afterEach, describe, expect, it } from 'vitest';
import { createRecommender, PocketRecError, type Recommender } from '../../src';
import { openStore } from '../../src/store';
import { SMALL_CATALOG } from '../fixtures/small-catalog';

// The real worker module, served by vite, behind the real client: both boundaries as a host meets them.
const workerUrl = new URL('../../src/worker/main.ts', import.meta.url);
const live: Recommender[] = [];
let n = 0;
const start = async (extra: Partial<Parameters<typeof createRecommender>[0]> = {}) => {
  const rec = await createRecommender({ catalog: SMALL_CATALOG, workerUrl, dbName: `val-test-${Date.now()}-${n++}`, encoder: 'lexical', defaultK: 5, ...extra });
  live.push(rec);
  return rec;
};
const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e);

afterEach(() => live.splice(0).forEach((r) => r.dispose()));

describe('validation at the boundaries, through the real client and worker', () => {
  it('rejects a review with a non-numeric or out-of-range rating and stores nothing', async () => {
    const rec = await start();
    const id = SMALL_CATALOG[0]!.id;
    // Before the fix both were stored and replayed on every start, turning the profile into NaN for good.
    for (const rating of [Number.NaN, 9, '5']) {
      const error = await rejection(rec.track({ type: 'review', itemId: id, rating } as never));
      expect(error).toBeInstanceOf(PocketRecError);
      expect(error).toMatchObject({ code: 'invalid-event', details: { field: 'rating' } });
    }
    expect((await rec.exportHistory()).events).toHaveLength(0);
    expect((await rec.status()).store).toEqual({ persistent: true });
    await rec.track({ type: 'review', itemId: id, rating: 5, text: 'great' });
    const results = await rec.recommend();
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => Number.isFinite(r.score))).toBe(true);
  });

  it('skips a NaN-rated review an older version stored, instead of replaying it into the profile on every start', async () => {
    const [a, b] = SMALL_CATALOG;
    const ts = Date.now() - 60_000;
    const seed = async (dbName: string, poisoned: boolean) => {
      const legacy = openStore(dbName, { maxEvents: 100, maxAgeDays: 365 });
      await legacy.append({ type: 'view', itemId: a!.id, ts, sessionId: 'old' });
      // What the previous validator let through.
      if (poisoned) await legacy.append({ type: 'review', itemId: b!.id, rating: Number.NaN, ts: ts + 1, sessionId: 'old' });
      legacy.close();
      return start({ dbName });
    };
    const poisoned = await seed(`val-replay-nan-${Date.now()}`, true);
    const clean = await seed(`val-replay-clean-${Date.now()}`, false);
    const request = { k: 5, now: ts + 10_000 };
    const got = await poisoned.recommend(request);
    expect(got.every((r) => Number.isFinite(r.score))).toBe(true);
    // The skipped record leaves no trace: the same ranking as a history without it.
    expect(got.map((r) => [r.id, r.score.toFixed(6)])).toEqual((await clean.recommend(request)).map((r) => [r.id, r.score.toFixed(6)]));
  });

  it('handles numeric ids the same way in the catalogue and in events', async () => {
    const rec = await start({ catalog: [{ id: 42, title: 'Answer' } as never, { id: '43', title: 'Question' }] });
    // Before the fix the catalogue turned 42 into "42" but track({ itemId: 42 }) was rejected.
    await rec.track({ type: 'view', itemId: 42 });
    expect((await rec.exportHistory()).events.map((e) => e.itemId)).toEqual(['42']);
    expect((await rec.similar(42)).map((r) => r.id)).toEqual(['43']);
  });

  it('rejects bad requests like a bad search, naming the option', async () => {
    const rec = await start();
    // Before the fix `recommend({ k: -1 })` resolved with [] and a misspelt key was ignored.
    await expect(rec.recommend({ k: -1 })).rejects.toMatchObject({ code: 'invalid-option', details: { option: 'k' } });
    await expect(rec.recommend({ limit: 3 } as never)).rejects.toThrow('valid names: k, exclude');
    await expect(rec.recommend({ exlude: [] } as never)).rejects.toThrow('did you mean "exclude"?');
    await expect(rec.search('')).rejects.toMatchObject({ code: 'invalid-option' });
    await expect(rec.similar(SMALL_CATALOG[0]!.id, 0)).rejects.toMatchObject({ code: 'invalid-option', details: { option: 'k' } });
    await expect(rec.search('tea', 3, { filter: { maxPrice: -1 } })).rejects.toMatchObject({ details: { option: 'filter.maxPrice' } });
    const error = await rejection(rec.embed([(() => 'x') as never]));
    expect(error).toBeInstanceOf(PocketRecError);
    expect(error).toMatchObject({ code: 'invalid-option' });
  });

  it('gives a coded error, not a RangeError, for an inline catalogue nested too deep', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200_000; i++) deep = { deep };
    const error = await rejection(start({ catalog: [{ id: 'a', title: 'A', deep }] }));
    expect(error).toBeInstanceOf(PocketRecError);
    expect(error).toMatchObject({ code: 'catalog-invalid', details: { field: 'deep', index: 0 } });
  });

  it('rejects an empty catalogue with catalog-empty unless the host opts in', async () => {
    await expect(start({ catalog: [] })).rejects.toMatchObject({ code: 'catalog-empty' });
    const empty = await start({ catalog: [], allowEmptyCatalog: true });
    expect((await empty.status()).catalog.itemCount).toBe(0);
    expect(await empty.recommend()).toEqual([]);
  });

  it('rejects a misspelt createRecommender option with a suggestion', async () => {
    await expect(start({ defaultk: 3 } as never)).rejects.toMatchObject({ code: 'invalid-option', details: { option: 'defaultk', suggestion: 'defaultK' } });
  });
});
