import { afterEach, describe, expect, it } from 'vitest';
import { createRecommender, PocketRecError, type Recommender, type Update } from '../../src';
import { SMALL_CATALOG } from '../fixtures/small-catalog';

// The real worker module, served by vite: the same code the worker bundle contains.
const workerUrl = new URL('../../src/worker/main.ts', import.meta.url);
const live: Recommender[] = [];
let n = 0;
const start = async (extra: Partial<Parameters<typeof createRecommender>[0]> = {}) => {
  const rec = await createRecommender({ catalog: SMALL_CATALOG, workerUrl, dbName: `rec-test-${Date.now()}-${n++}`, defaultK: 5, ...extra });
  live.push(rec);
  return rec;
};

afterEach(() => live.splice(0).forEach((r) => r.dispose()));

describe('recommender (client ⇄ worker ⇄ IndexedDB)', () => {
  it('follows what the visitor does, with reasons', async () => {
    const rec = await start();
    await rec.track({ type: 'view', itemId: 't1' });
    await rec.track({ type: 'click', itemId: 't2' });
    const recs = await rec.recommend({ k: 3 });
    expect(recs).toHaveLength(3);
    expect(recs.map((r) => r.id)).not.toContain('t1');
    expect(recs.filter((r) => r.item.category === 'outdoor' || r.id === 'b4').length).toBeGreaterThanOrEqual(2);
    expect(recs[0]!.reason).toMatch(/^Because you viewed “(Two-person camping tent|Down sleeping bag)”$/);
    expect(recs[0]!.item.title).toBeTypeOf('string');

    await rec.track({ type: 'search', query: 'espresso coffee' });
    await rec.track({ type: 'add_to_cart', itemId: 'c3' });
    const after = await rec.recommend({ k: 3 });
    expect(after.some((r) => r.item.category === 'coffee')).toBe(true);
  });

  it('pushes fresh results to subscribers after each event', async () => {
    const rec = await start();
    const updates: Update[] = [];
    const unsubscribe = rec.subscribe((u) => updates.push(u));
    await rec.track({ type: 'view', itemId: 'r1' });
    await expect.poll(() => updates.length).toBe(1);
    expect(updates[0]!.cause).toMatchObject({ type: 'view', itemId: 'r1' });
    expect(updates[0]!.recommendations).toHaveLength(5);
    unsubscribe();
    await rec.track({ type: 'view', itemId: 'r2' });
    await rec.status();
    expect(updates).toHaveLength(1);
  });

  it('rejects a bad event with a coded error naming the field, and stores nothing', async () => {
    const rec = await start();
    const error = await rec.track({ type: 'view', itemId: 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PocketRecError);
    expect(error).toMatchObject({ code: 'invalid-event', details: { field: 'itemId' } });
    expect((error as Error).message).toContain('"nope"');
    expect((await rec.exportHistory()).events).toHaveLength(0);
  });

  it('keeps the history across sessions and forgets it on request', async () => {
    const dbName = `rec-keep-${Date.now()}`;
    const first = await start({ dbName });
    await first.track({ type: 'purchase', itemId: 'c1' });
    await first.track({ type: 'search', query: 'camping' });
    await first.track({ type: 'view', itemId: 'c2' });
    const before = await first.recommend({ k: 5 });
    first.dispose();
    const second = await start({ dbName });
    expect((await second.status()).historySize).toBe(3);
    // The replayed history (its search embedded again) gives the same ranking as the live one did.
    expect(await second.recommend({ k: 5, now: Date.now() })).toEqual(before);
    expect((await second.recommend({ k: 20 })).map((r) => r.id)).not.toContain('c1');
    expect((await second.exportHistory()).events.map((e) => e.itemId ?? e.query)).toEqual(['c1', 'camping', 'c2']);
    await second.forget();
    expect((await second.status()).historySize).toBe(0);
    expect((await second.exportHistory()).events).toEqual([]);
  });

  it('answers similar and search, and reports its status', async () => {
    const rec = await start();
    expect((await rec.similar('r1', 2)).map((r) => r.item.category)).toEqual(['running', 'running']);
    const found = await rec.search('camping stove', 1);
    expect(found[0]!.id).toBe('t3');
    const status = await rec.status();
    expect(status.catalog.itemCount).toBe(20);
    // No model is served next to this test's worker: the lexical encoder takes over and the reason is reported.
    expect(status.encoder.device).toBe('lexical');
    expect(status.encoder.skipped[0]!.reason).toContain('manifest.json');
    expect(status.timings.lastRecommendMs).toBeNull();
    await rec.recommend();
    expect((await rec.status()).timings.lastRecommendMs).toBeGreaterThanOrEqual(0);
  });

  it('rejects every call after dispose with `disposed`', async () => {
    const rec = await start();
    rec.dispose();
    await expect(rec.recommend()).rejects.toMatchObject({ code: 'disposed' });
  });

  it('fails start-up with `asset-failed` naming the URL when the worker script is not served', async () => {
    const url = new URL('/no/such/worker.js', location.href).href;
    await expect(createRecommender({ catalog: SMALL_CATALOG, workerUrl: '/no/such/worker.js' })).rejects.toMatchObject({
      code: 'asset-failed',
      message: expect.stringContaining(`${url} answered HTTP 404`),
      details: { url, status: 404 },
    });
  });

  it('fails start-up with `invalid-option` for a bad option, before any worker starts', async () => {
    await expect(createRecommender({ catalog: SMALL_CATALOG, diversity: 2 })).rejects.toMatchObject({ code: 'invalid-option', details: { option: 'diversity' } });
  });

  it('reports catalogue errors from the worker with their code', async () => {
    await expect(start({ catalog: [{ id: 'a', title: 'A' }, { id: 'a', title: 'B' }] })).rejects.toMatchObject({ code: 'catalog-invalid', details: { index: 1, field: 'id' } });
  });
});
