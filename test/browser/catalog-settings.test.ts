import { afterEach, describe, expect, it } from 'vitest';
import { createRecommender, type Recommender } from '../../src';
import { catalogFiles } from '../helpers/catalog-files';
import { siteFolder } from '../helpers/site-client';
import { SMALL_CATALOG } from '../fixtures/small-catalog';

const workerUrl = new URL('../../src/worker/main.ts', import.meta.url);
const live: Recommender[] = [];
let n = 0;
afterEach(() => live.splice(0).forEach((r) => r.dispose()));

const TUNED = { metric: 'NDCG@10', value: 0.2, baseline: 0.1, heldOutUsers: 40, trials: 12, seed: 1, stopped: 'plan' };

/** The same catalogue, with `settings` written into its manifest as `pocketrec build --tune-minutes` does. */
async function siteWith(name: string, settings?: unknown) {
  const files = await catalogFiles(SMALL_CATALOG, 'v1');
  if (settings !== undefined) {
    const manifest = JSON.parse(new TextDecoder().decode(files['catalog.json']!));
    files['catalog.json'] = new TextEncoder().encode(JSON.stringify({ ...manifest, settings }));
  }
  const site = siteFolder(name);
  await site.put(files);
  return site;
}

async function ranked(site: Awaited<ReturnType<typeof siteWith>>, extra: { diversity?: number } = {}) {
  const rec = await createRecommender({ catalog: site.url('catalog.json'), workerUrl, dbName: `settings-${Date.now()}-${n++}`, encoder: 'lexical', defaultK: 8, ...extra });
  live.push(rec);
  for (const itemId of ['c1', 'c2', 'c3']) await rec.track({ type: 'view', itemId });
  return { rec, ids: (await rec.recommend({ k: 8 })).map((r) => r.id) };
}

describe("the manifest's tuned settings", () => {
  it('change the ranking and show in status(); the host\'s diversity still wins', async () => {
    const plain = await ranked(await siteWith('plain'));
    const tunedSite = await siteWith('tuned', { rank: { diversityLambda: 0 }, neighbors: 50, tuned: TUNED });
    const tuned = await ranked(tunedSite);
    expect(tuned.ids).not.toEqual(plain.ids);
    expect((await plain.rec.status()).settings).toEqual({ rank: expect.objectContaining({ diversityLambda: 0.55 }), tuned: null });
    expect((await tuned.rec.status()).settings).toEqual({ rank: expect.objectContaining({ diversityLambda: 0, transitionWeight: 0.3 }), tuned: TUNED });
    // An explicit host option overrides the catalogue's choice: back to the plain ranking.
    const host = await ranked(tunedSite, { diversity: 0.55 });
    expect(host.ids).toEqual(plain.ids);
    expect((await host.rec.status()).settings.rank.diversityLambda).toBe(0.55);
  }, 60_000);

  it('are rejected with catalog-invalid naming the field when a value is bad', async () => {
    const site = await siteWith('bad', { rank: { diversityLambda: 3 } });
    const started = createRecommender({ catalog: site.url('catalog.json'), workerUrl, dbName: `settings-bad-${Date.now()}`, encoder: 'lexical' });
    await expect(started).rejects.toMatchObject({ code: 'catalog-invalid', details: { field: 'settings.rank.diversityLambda' } });
  }, 60_000);
});
