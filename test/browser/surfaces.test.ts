import { afterEach, describe, expect, it } from 'vitest';
import { createRecommender, PocketRecError, type Recommender } from '../../src';
import { SMALL_CATALOG } from '../fixtures/small-catalog';

const workerUrl = new URL('../../src/worker/main.ts', import.meta.url);
const live: Recommender[] = [];
const start = async () => {
  const rec = await createRecommender({ catalog: SMALL_CATALOG, workerUrl, dbName: `surfaces-${Date.now()}-${live.length}`, defaultK: 5 });
  live.push(rec);
  return rec;
};

afterEach(() => live.splice(0).forEach((r) => r.dispose()));

describe('surfaces through the worker', () => {
  it('related to a cart leans to what fits all of it; looking-similar is content alone', async () => {
    const rec = await start();
    const related = await rec.related(['r1', 'r2'], { k: 3 });
    expect(related.map((r) => r.id)).not.toContain('r1');
    expect(related.every((r) => r.item.category === 'running')).toBe(true);
    expect(related[0]!.reason).toMatch(/^Similar to “(Road|Trail) running shoes”$/);
    const similar = await rec.lookingSimilar('t1', { k: 2 });
    expect(similar.map((r) => r.reason)).toEqual(['Looks like “Two-person camping tent”', 'Looks like “Two-person camping tent”']);
  });

  it('is honestly empty without evidence, and says "nothing good" when asked to', async () => {
    const rec = await start();
    // Inline items ship no log: nothing was ever bought together, nothing trends, nothing is popular.
    expect(await rec.boughtTogether(['c1'])).toEqual([]);
    expect(await rec.boughtTogether(['c1'], { fallback: 'popular' })).toEqual([]);
    expect(await rec.trending()).toEqual([]);
    expect(await rec.search('zzqxv nonsense', 5)).toHaveLength(5);
    expect(await rec.search('zzqxv nonsense', 5, { threshold: 0.3 })).toEqual([]);
    expect(await rec.recommend({ k: 5, threshold: 5 })).toEqual([]);
  });

  it('rejects bad options with a coded error naming the field, across the worker', async () => {
    const rec = await start();
    const error = await rec.related(['r1'], { fallback: 'nearby' as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PocketRecError);
    expect(error).toMatchObject({ code: 'invalid-option', details: { option: 'fallback' } });
    await expect(rec.boughtTogether(['nope'])).rejects.toMatchObject({ code: 'invalid-option', details: { option: 'itemIds', itemId: 'nope' } });
    await expect(rec.trending({ window: 7 })).rejects.toThrow(/this catalogue was built without trending windows/);
    await expect(rec.search('tent', 3, { threshold: Number.NaN })).rejects.toMatchObject({ code: 'invalid-option', details: { option: 'threshold' } });
  });
});
