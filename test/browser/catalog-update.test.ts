import { afterEach, describe, expect, it } from 'vitest';
import { createRecommender, PocketRecError, type Item, type Recommender } from '../../src';
import type { CatalogChange } from '../../src/worker';
import { catalogFiles } from '../helpers/catalog-files';
import { siteFolder } from '../helpers/site-client';
import { SMALL_CATALOG } from '../fixtures/small-catalog';
import { recordSpawnedWorkers } from '../helpers/spawned-workers';

// The real worker module, served by vite, on a site (vitest's server, see test/helpers/mutable-site.ts) whose
// catalogue files each test replaces while the recommender runs.
const workerUrl = new URL('../../src/worker/main.ts', import.meta.url);
const live: Recommender[] = [];
let n = 0;

async function startOn(site: ReturnType<typeof siteFolder>, extra: Partial<Parameters<typeof createRecommender>[0]> = {}) {
  const rec = await createRecommender({ catalog: site.url('catalog.json'), workerUrl, dbName: `update-${Date.now()}-${n++}`, encoder: 'lexical', defaultK: 5, ...extra });
  live.push(rec);
  return rec;
}

afterEach(() => live.splice(0).forEach((r) => r.dispose()));

const withDescription = (items: Item[], id: string, description: string) => items.map((item) => (item.id === id ? { ...item, description } : item));
const fetched = async (site: ReturnType<typeof siteFolder>) => (await site.requests()).filter((r) => r.status === 200).map((r) => r.path);

describe('live catalogue updates (updateCatalog, revalidation)', () => {
  it('swaps in a new version and keeps the history, folded again; events of items that left are ignored', async () => {
    const site = siteFolder('keeps-history');
    await site.put(await catalogFiles(SMALL_CATALOG, 'v1'));
    const rec = await startOn(site);
    await rec.track({ type: 'view', itemId: 't1' });
    await rec.track({ type: 'view', itemId: 'c1' });
    await rec.track({ type: 'click', itemId: 't2' });

    // v2: c1 is gone, a new outdoor item arrives.
    const v2Items = [...SMALL_CATALOG.filter((i) => i.id !== 'c1'), { id: 't9', title: 'Camping lantern', category: 'outdoor', description: 'A lantern for camping tents at night.', price: 30 }];
    await site.put(await catalogFiles(v2Items, 'v2'));
    const changes: CatalogChange[] = [];
    rec.onCatalogChange((c) => changes.push(c));
    const change = await rec.updateCatalog();
    expect(change).toMatchObject({ outcome: 'updated', trigger: 'update', version: 'v2', previousVersion: 'v1', itemCount: 20, source: site.url('catalog.json') });
    expect(changes).toEqual([change]);

    const status = await rec.status();
    expect(status.catalog).toMatchObject({ version: 'v2', itemCount: 20, source: site.url('catalog.json'), lastUpdate: { outcome: 'updated', version: 'v2' } });
    // Every stored event is still history; the one whose item left the catalogue folds as nothing.
    expect(status.historySize).toBe(3);
    expect((await rec.exportHistory()).events).toHaveLength(3);
    const recs = await rec.recommend({ k: 5 });
    expect(recs.map((r) => r.id)).not.toContain('c1');
    expect(recs.map((r) => r.id)).not.toContain('t1');
    expect(recs.filter((r) => r.item.category === 'outdoor').length).toBeGreaterThanOrEqual(2);
    expect(recs.some((r) => /^Because you viewed “(Two-person camping tent|Down sleeping bag)”$/.test(r.reason))).toBe(true);
    // New items are known at once: to events and to every surface.
    await rec.track({ type: 'view', itemId: 't9' });
    expect((await rec.similar('t9', 3)).map((r) => r.id)).not.toContain('t9');
    await expect(rec.track({ type: 'view', itemId: 'c1' })).rejects.toMatchObject({ code: 'invalid-event' });
  });

  it('downloads only the parts whose sha256 changed, and nothing but the manifest when nothing did', async () => {
    const site = siteFolder('unchanged-parts');
    await site.put(await catalogFiles(SMALL_CATALOG, 'v1'));
    const rec = await startOn(site);
    expect(await fetched(site)).toEqual(['catalog.json', 'v1/columns.bin', 'v1/items.ndjson', 'v1/embeddings.bin']);

    // One description changes: the records (and the columns, which hold record offsets) change, the embeddings do not.
    await site.put(await catalogFiles(withDescription(SMALL_CATALOG, 'b1', 'A detective mystery novel set in a lighthouse, now in paperback.'), 'v2'));
    const change = await rec.updateCatalog();
    expect(change).toMatchObject({ outcome: 'updated', version: 'v2', reusedParts: ['embeddings'] });
    expect((await fetched(site)).slice(4)).toEqual(['catalog.json', 'v2/columns.bin', 'v2/items.ndjson']);
    expect((await rec.search('lighthouse paperback', 1))[0]?.id).toBe('b1');

    // Nothing changed: one conditional request, answered 304, and no swap.
    const before = (await site.requests()).length;
    expect(await rec.updateCatalog()).toMatchObject({ outcome: 'unchanged', version: 'v2', previousVersion: 'v2' });
    expect((await site.requests()).slice(before)).toEqual([{ path: 'catalog.json', status: 304 }]);
  });

  it('keeps the sequence model open and downloads no part when a rebuild changed only the version', async () => {
    // The demo's catalogue (built by `pocketrec build`, with a trained sequence model), served from the test site.
    const site = siteFolder('sequence');
    const names = ['catalog.json', 'columns.bin', 'items.ndjson', 'embeddings.bin', 'sequence.onnx', 'sequence-table.bin', 'sequence-items.json'];
    const files = Object.fromEntries(await Promise.all(names.map(async (name) => [name, new Uint8Array(await (await fetch(`/public/catalog/${name}`)).arrayBuffer())] as const)));
    await site.put(files);
    const rec = await startOn(site, { workerUrl: new URL('/pocketrec.worker.js', location.href), devices: ['wasm'] });
    // The sequence model opens after start-up.
    await rec.ready('sequence');
    const before = await rec.status();
    expect(before.sequence).toMatchObject({ device: 'wasm' });
    await rec.track({ type: 'view', itemId: (await rec.recommend({ k: 1 }))[0]!.id });

    const manifest = JSON.parse(new TextDecoder().decode(files['catalog.json'])) as { version: string };
    await site.put({ 'catalog.json': JSON.stringify({ ...manifest, version: `${manifest.version}-rebuilt` }) });
    const seen = (await site.requests()).length;
    const change = await rec.updateCatalog();
    expect(change).toMatchObject({ outcome: 'updated', version: `${manifest.version}-rebuilt`, itemCount: before.catalog.itemCount });
    expect([...change.reusedParts].sort()).toEqual(['columns', 'embeddings', 'records', 'sequence', 'sequence-session', 'sequenceTable']);
    // The manifest, and the model's id list (checked against the catalogue's ids; the browser's HTTP cache
    // revalidates it): no part crossed the network.
    expect((await site.requests()).slice(seen)).toEqual([
      { path: 'catalog.json', status: 200 },
      { path: 'sequence-items.json', status: 304 },
    ]);
    const after = await rec.status();
    expect(after.sequence).toMatchObject({ device: 'wasm', version: before.sequence!.version });
    expect(after.historySize).toBe(1);
    expect(await rec.recommend({ k: 5 })).toHaveLength(5);
    expect((await rec.status()).counts.sequenceRuns).toBeGreaterThan(0);
  });

  it('keeps the previous catalogue when an update is broken, and reports it through status and the event', async () => {
    const site = siteFolder('bad-update');
    await site.put(await catalogFiles(SMALL_CATALOG, 'v1'));
    const rec = await startOn(site);
    await rec.track({ type: 'view', itemId: 't1' });
    const changes: CatalogChange[] = [];
    rec.onCatalogChange((c) => changes.push(c));

    // A deploy whose records part does not match its manifest's sha256.
    const broken = await catalogFiles(withDescription(SMALL_CATALOG, 'b1', 'changed'), 'v2');
    broken['v2/items.ndjson'] = broken['v2/items.ndjson']!.map((b, i) => (i === 5 ? b ^ 1 : b));
    await site.put(broken);
    const error = await rec.updateCatalog().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PocketRecError);
    expect(error).toMatchObject({ code: 'catalog-invalid', details: { part: 'records', field: 'sha256' } });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ outcome: 'failed', version: 'v1', previousVersion: 'v1', error: { code: 'catalog-invalid' } });
    expect(changes[0]!.error!.message).toContain('items.ndjson');
    const status = await rec.status();
    expect(status.catalog).toMatchObject({ version: 'v1', itemCount: 20, lastUpdate: { outcome: 'failed', error: { code: 'catalog-invalid' } } });
    expect(status.historySize).toBe(1);
    expect((await rec.recommend({ k: 3 })).map((r) => r.item.title)).toHaveLength(3);

    // A missing manifest: the other failure a deploy makes; the catalogue served is still v1.
    await site.put({ 'catalog.json': '' });
    await expect(rec.updateCatalog(site.url('nowhere.json'))).rejects.toMatchObject({ code: 'catalog-fetch-failed', details: { status: 404 } });
    expect((await rec.status()).catalog).toMatchObject({ version: 'v1', source: site.url('catalog.json'), lastUpdate: { outcome: 'failed', error: { code: 'catalog-fetch-failed' } } });
    await expect(rec.updateCatalog(42 as never)).rejects.toMatchObject({ code: 'invalid-option', details: { option: 'source' } });
  });

  it('revalidates the catalogue URL on its own when revalidateEveryMs is set', async () => {
    const site = siteFolder('revalidate');
    await site.put(await catalogFiles(SMALL_CATALOG, 'v1'));
    const rec = await startOn(site, { revalidateEveryMs: 1000 });
    const changes: CatalogChange[] = [];
    rec.onCatalogChange((c) => changes.push(c));
    await expect.poll(() => changes.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(changes[0]).toMatchObject({ outcome: 'unchanged', trigger: 'revalidate', version: 'v1' });

    await site.put(await catalogFiles(withDescription(SMALL_CATALOG, 'r1', 'Cushioned road shoes with a carbon plate.'), 'v2'));
    await expect.poll(async () => (await rec.status()).catalog.version, { timeout: 20_000 }).toBe('v2');
    // The event follows the swap once the old catalogue is retired: it may come after status() shows the new version.
    await expect.poll(() => changes.find((c) => c.outcome === 'updated'), { timeout: 20_000 }).toMatchObject({ trigger: 'revalidate', version: 'v2', previousVersion: 'v1', reusedParts: ['embeddings'] });
    await expect(startOn(site, { revalidateEveryMs: 10 })).rejects.toMatchObject({ code: 'invalid-option', details: { option: 'revalidateEveryMs' } });
  });

  it('answers every call made during a swap from the old catalogue or the new one, never a mix', async () => {
    const site = siteFolder('atomic');
    const rename = (prefix: string) => SMALL_CATALOG.map((item) => ({ ...item, id: `${prefix}-${item.id}`, title: `${prefix} ${item.title}` }));
    await site.put(await catalogFiles(rename('old'), 'v1'));
    const rec = await startOn(site);
    await rec.track({ type: 'view', itemId: 'old-t1' });
    await site.put(await catalogFiles([...rename('new'), ...rename('extra')], 'v2'));

    const answers: Array<Promise<string[]>> = [];
    let swapped = false;
    const swap = rec.updateCatalog().then((c) => ((swapped = true), c));
    // Calls keep arriving while the new catalogue loads and the history is folded again.
    while (!swapped) {
      answers.push(rec.recommend({ k: 8 }).then((r) => r.flatMap((x) => [x.id, x.item.title as string])));
      answers.push(rec.search('camping tent', 6).then((r) => r.flatMap((x) => [x.id, x.item.title as string])));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await swap).toMatchObject({ outcome: 'updated', itemCount: 40 });
    answers.push(rec.recommend({ k: 8 }).then((r) => r.flatMap((x) => [x.id, x.item.title as string])));
    const results = await Promise.all(answers);
    const kinds = results.map((words) => {
      const prefixes = new Set(words.map((w) => (w.startsWith('old') ? 'old' : 'new')));
      return prefixes.size === 1 ? [...prefixes][0] : 'mixed';
    });
    expect(kinds).not.toContain('mixed');
    expect(kinds[0]).toBe('old');
    expect(kinds[kinds.length - 1]).toBe('new');
    // Once it has answered from the new catalogue, no later call goes back to the old one.
    expect(kinds.lastIndexOf('old')).toBeLessThan(kinds.indexOf('new'));
    expect((await rec.status()).historySize).toBe(1);
  });

  it('swaps inline items too, and a restarted worker loads the catalogue served now, not the first one', async () => {
    // The workers the client spawns, so that the test can kill one as a crash would.
    const { spawned, restore } = recordSpawnedWorkers();
    try {
      const rec = await createRecommender({ catalog: SMALL_CATALOG, workerUrl, dbName: `update-inline-${Date.now()}`, encoder: 'lexical', defaultK: 5 });
      live.push(rec);
      const more = [...SMALL_CATALOG, { id: 'x1', title: 'Espresso cups', category: 'coffee', description: 'Two espresso cups.', price: 9 }];
      expect(await rec.updateCatalog(more)).toMatchObject({ outcome: 'updated', source: null, itemCount: 21 });
      expect(await rec.updateCatalog(more)).toMatchObject({ outcome: 'unchanged', itemCount: 21 });
      await expect(rec.updateCatalog([{ id: 'a', title: 'A' }, { id: 'a', title: 'B' }])).rejects.toMatchObject({ code: 'catalog-invalid' });
      await rec.track({ type: 'view', itemId: 'x1' });
      expect((await rec.status()).catalog).toMatchObject({ itemCount: 21, source: null });

      spawned[0]!.terminate();
      await expect.poll(async () => (await rec.status()).counts.restarts, { timeout: 30_000 }).toBe(1);
      expect(spawned).toHaveLength(2);
      const after = await rec.status();
      expect(after.catalog.itemCount).toBe(21);
      expect(after.historySize).toBe(1);
      expect((await rec.similar('x1', 2)).length).toBe(2);
    } finally {
      restore();
    }
  });
});
