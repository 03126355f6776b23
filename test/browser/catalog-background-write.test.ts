import { afterEach, describe, expect, it } from 'vitest';
import { createRecommender, type Recommender } from '../../src';
import { catalogFolderName, openStore } from '../../src/store';
import { siteFolder } from '../helpers/site-client';
import { recordSpawnedWorkers } from '../helpers/spawned-workers';

// The demo's catalogue (built by `pocketrec build`, with a trained sequence model) on the test site, through the
// built worker (it opens the model with the bundled runtime). The site holds back the sequence model's graph for
// as long as a test needs: start-up does not wait for it, the cache write does (it is written last), so the write
// is caught half done.
const builtWorker = new URL('/pocketrec.worker.js', location.href);
const NAMES = ['catalog.json', 'columns.bin', 'items.ndjson', 'embeddings.bin', 'sequence.onnx', 'sequence-table.bin', 'sequence-items.json'];
const PARTS = ['columns.bin', 'items.ndjson', 'embeddings.bin'];
const live: Recommender[] = [];
afterEach(() => live.splice(0).forEach((r) => r.dispose()));

async function demoSite(name: string) {
  const site = siteFolder(name);
  const files = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, new Uint8Array(await (await fetch(`/public/catalog/${n}`)).arrayBuffer())] as const)));
  await site.put(files);
  return { site, files };
}

async function startOn(site: ReturnType<typeof siteFolder>, dbName: string) {
  const rec = await createRecommender({ catalog: site.url('catalog.json'), workerUrl: builtWorker, dbName, encoder: 'lexical', devices: ['wasm'], defaultK: 5 });
  live.push(rec);
  return rec;
}

// Every request that reached the site: a 304 is the browser's HTTP cache, not the catalogue cache, answering.
const downloads = async (site: ReturnType<typeof siteFolder>, path: string) => (await site.requests()).filter((r) => r.path === path).length;

describe('the catalogue cache is written behind ready', () => {
  it('serves before the write ends, reports it in status(), and a later start reads what it wrote', async () => {
    const { site } = await demoSite('bg-status');
    await site.hold('sequence.onnx');
    const dbName = `bg-status-${Date.now()}`;
    const rec = await startOn(site, dbName);
    // Ready, and recommending, while the sequence model's graph has not arrived (so the cache is not whole yet).
    expect(await rec.recommend({ k: 5 })).toHaveLength(5);
    const pending = await rec.status();
    expect(pending.catalog).toMatchObject({ fromCache: false, cacheWrite: { state: 'pending', ok: false } });
    expect(pending.sequence).toMatchObject({ state: 'loading' });
    expect(await downloads(site, 'sequence.onnx')).toBe(0);

    await site.release('sequence.onnx');
    await expect.poll(async () => (await rec.status()).catalog.cacheWrite?.state, { timeout: 30_000 }).toBe('written');
    const written = (await rec.status()).catalog.cacheWrite!;
    expect(written).toMatchObject({ ok: true, attempts: 1 });
    expect(written.code).toBeUndefined();
    expect(written.pieces).toBeGreaterThan(0);
    await rec.ready('sequence');
    expect((await rec.status()).sequence).toMatchObject({ state: 'ready', device: 'wasm' });

    // The next start finds all of it, the sequence model included: only the manifest crosses the network.
    const seen = (await site.requests()).length;
    const warm = await startOn(site, dbName);
    const status = await warm.status();
    expect(status.catalog).toMatchObject({ fromCache: true, cacheWrite: null });
    // A conditional request, with the ETag the cache entry kept.
    expect((await site.requests()).slice(seen)).toEqual([{ path: 'catalog.json', status: 304 }]);
    await warm.ready('sequence');
    expect((await warm.status()).sequence).toMatchObject({ state: 'ready' });
  });

  it('a start cut off during the write leaves nothing the next start takes for a cached catalogue', async () => {
    // The workers the client spawns, so that the test can kill one as closing the page would.
    const { spawned, restore } = recordSpawnedWorkers();
    try {
      const { site, files } = await demoSite('bg-cut');
      const { version } = JSON.parse(new TextDecoder().decode(files['catalog.json'])) as { version: string };
      await site.hold('sequence.onnx');
      const dbName = `bg-cut-${Date.now()}`;
      const first = await startOn(site, dbName);
      expect((await first.status()).catalog.cacheWrite).toMatchObject({ state: 'pending' });
      // The parts' files are written while the graph is held (the embeddings, after the columns and the records);
      // the entry naming them comes after it, never here.
      const peek = openStore(dbName, { maxEvents: 10, maxAgeDays: 1 });
      const embeddingsBytes = (JSON.parse(new TextDecoder().decode(files['catalog.json'])) as { parts: { embeddings: { bytes: number } } }).parts.embeddings.bytes;
      const fileSize = async (file: string) => {
        try {
          const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle(catalogFolderName(dbName));
          return (await (await folder.getFileHandle(file)).getFile()).size;
        } catch {
          return -1;
        }
      };
      await expect.poll(() => fileSize(`${version}-embeddings.bin`), { timeout: 30_000 }).toBe(embeddingsBytes);
      expect(await peek.getCached(`catalog:${site.url('catalog.json')}`)).toBeUndefined();
      peek.close();
      spawned[0]!.terminate();
      first.dispose();
      await site.release('sequence.onnx');

      const second = await startOn(site, dbName);
      const status = await second.status();
      expect(status.catalog.fromCache).toBe(false);
      for (const part of PARTS) expect(await downloads(site, part), part).toBe(2);
      expect(await second.recommend({ k: 5 })).toHaveLength(5);
      await expect.poll(async () => (await second.status()).catalog.cacheWrite?.state, { timeout: 30_000 }).toBe('written');

      const third = await startOn(site, dbName);
      expect((await third.status()).catalog.fromCache).toBe(true);
      for (const part of PARTS) expect(await downloads(site, part), part).toBe(2);
      expect(await third.recommend({ k: 5 })).toHaveLength(5);
    } finally {
      restore();
    }
  });

  it('an update asked for during the write waits for it, then reuses every part it wrote', async () => {
    const { site, files } = await demoSite('bg-update');
    await site.hold('sequence.onnx');
    const rec = await startOn(site, `bg-update-${Date.now()}`);
    const manifest = JSON.parse(new TextDecoder().decode(files['catalog.json'])) as { version: string };
    await site.put({ 'catalog.json': JSON.stringify({ ...manifest, version: `${manifest.version}-rebuilt` }) });
    let settled = false;
    const update = rec.updateCatalog().finally(() => (settled = true));
    // However long it is given, it cannot finish: the write it waits for needs the held graph.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(settled).toBe(false);
    expect((await rec.status()).catalog).toMatchObject({ version: manifest.version, cacheWrite: { state: 'pending' } });

    await site.release('sequence.onnx');
    const change = await update;
    expect(change).toMatchObject({ outcome: 'updated', version: `${manifest.version}-rebuilt` });
    expect([...change.reusedParts].sort()).toEqual(['columns', 'embeddings', 'records', 'sequence', 'sequence-session', 'sequenceTable']);
    for (const part of [...PARTS, 'sequence.onnx', 'sequence-table.bin']) expect(await downloads(site, part), part).toBe(1);
    expect((await rec.status()).catalog.cacheWrite).toMatchObject({ state: 'written', ok: true });
  });

  it('serves a catalogue whose sequence model turns out broken without it, and does not cache it', async () => {
    const { site, files } = await demoSite('bg-broken-sequence');
    // A deploy whose item table does not match the manifest's sha256.
    await site.put({ 'sequence-table.bin': files['sequence-table.bin']!.map((b, i) => (i === 100 ? b ^ 1 : b)) });
    const dbName = `bg-broken-${Date.now()}`;
    const rec = await startOn(site, dbName);
    expect(await rec.recommend({ k: 5 })).toHaveLength(5);
    await rec.ready('sequence');
    const status = await rec.status();
    expect(status.sequence).toMatchObject({ state: 'off', reason: expect.stringContaining('sequence-table.bin') });
    await expect.poll(async () => (await rec.status()).catalog.cacheWrite?.state, { timeout: 30_000 }).toBe('failed');
    expect((await rec.status()).catalog.cacheWrite).toMatchObject({ ok: false, code: 'catalog-invalid', error: expect.stringContaining('sha256') });

    // The next visit downloads again, and takes the fixed files once they are deployed.
    await site.put({ 'sequence-table.bin': files['sequence-table.bin']! });
    const next = await startOn(site, dbName);
    expect((await next.status()).catalog.fromCache).toBe(false);
    await next.ready('sequence');
    expect((await next.status()).sequence).toMatchObject({ state: 'ready' });
    await expect.poll(async () => (await next.status()).catalog.cacheWrite?.state, { timeout: 30_000 }).toBe('written');
  });

  it('forget() stops a write still running, and the catalogue is not put back into the deleted database', async () => {
    const { site } = await demoSite('bg-forget');
    await site.hold('sequence.onnx');
    const dbName = `bg-forget-${Date.now()}`;
    const rec = await startOn(site, dbName);
    await rec.track({ type: 'view', itemId: (await rec.recommend({ k: 1 }))[0]!.id });
    // It does not wait for the held graph.
    await rec.forget();
    expect((await rec.status()).catalog.cacheWrite).toMatchObject({ state: 'aborted', ok: false, code: 'aborted' });
    expect((await rec.status()).historySize).toBe(0);
    await site.release('sequence.onnx');
    await rec.ready('sequence');

    const next = await startOn(site, dbName);
    expect((await next.status()).catalog.fromCache).toBe(false);
    for (const part of PARTS) expect(await downloads(site, part), part).toBe(2);
  });
});
