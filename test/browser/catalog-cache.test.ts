import { describe, expect, it } from 'vitest';
import type { PocketRecError } from '../../src/errors';
import { loadCatalog, type Catalog, type LoadProgress } from '../../src/catalog';
import { openStore } from '../../src/store';
import { dequantizeRows } from '../../src/vector';

/** The neighbour ids of one item, read from the catalogue's CSR columns. */
function neighboursOf(catalog: Catalog, id: string): string[] {
  const { ids, neighbors } = catalog.columns;
  const i = ids.indexOf(id);
  if (!neighbors || i < 0) return [];
  return Array.from(neighbors.targets.subarray(neighbors.offsets[i]!, neighbors.offsets[i + 1]!), (t) => ids[t]!);
}

/** A site whose files we control: URL → body, with ETags so conditional requests behave like a real server. */
function site(files: Record<string, string | ArrayBuffer>) {
  const requests: string[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    requests.push(url);
    const body = files[url];
    if (body === undefined) return new Response('missing', { status: 404 });
    const etag = `"${typeof body === 'string' ? body.length + ':' + body.slice(0, 40) : body.byteLength}"`;
    if (new Headers(init?.headers).get('If-None-Match') === etag) return new Response(null, { status: 304 });
    return new Response(body, { headers: { ETag: etag, 'Content-Length': String(typeof body === 'string' ? new TextEncoder().encode(body).length : body.byteLength) } });
  }) as typeof fetch;
  return { files, requests, fetch: fetchFn };
}

const base = 'https://shop.test/';
const good = JSON.stringify([{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }]);

describe('catalogue loading with the IndexedDB cache', () => {
  it('downloads once, then revalidates without downloading again', async () => {
    const store = openStore(`cat-${Date.now()}-1`, { maxEvents: 10, maxAgeDays: 1 });
    const s = site({ [`${base}items.json`]: good });
    const progress: LoadProgress[] = [];
    const first = await loadCatalog('items.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch, onProgress: (p) => progress.push(p) });
    expect(first.fromCache).toBe(false);
    expect(first.catalog.columns.ids).toEqual(['a', 'b']);
    expect(first.catalog.records.get(1)).toEqual({ id: 'b', title: 'B' });
    const downloads = progress.filter((p) => p.phase === 'catalog-download');
    expect(downloads.at(-1)).toEqual({ phase: 'catalog-download', loaded: good.length, total: good.length });
    downloads.reduce((prev, p) => (expect(p.loaded).toBeGreaterThanOrEqual(prev), p.loaded), 0);
    const second = await loadCatalog('items.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(second).toMatchObject({ fromCache: true, catalog: { version: first.catalog.version } });
    store.close();
  });

  it.each([
    ['malformed JSON', '[{"id":"a","title":"A"},'],
    ['a missing id', JSON.stringify([{ id: 'a', title: 'A' }, { title: 'no id' }])],
    ['a duplicate id', JSON.stringify([{ id: 'a', title: 'A' }, { id: 'a', title: 'again' }])],
    ['an item nested too deep', `[{"id":"a","title":"A","x":${'['.repeat(5000)}${']'.repeat(5000)}}]`],
  ])('keeps the previous catalogue when an update has %s', async (_, broken) => {
    const store = openStore(`cat-${Date.now()}-${Math.random()}`, { maxEvents: 10, maxAgeDays: 1 });
    const s = site({ [`${base}items.json`]: good });
    const before = await loadCatalog('items.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    s.files[`${base}items.json`] = broken;
    const after = await loadCatalog('items.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(after.catalog.version).toBe(before.catalog.version);
    expect(after.staleBecause).toMatch(/^catalog: /);
    // And without a cached copy the same update fails loudly.
    await expect(loadCatalog('items.json', { baseUrl: base, fetch: s.fetch })).rejects.toMatchObject({ code: 'catalog-invalid' });
    store.close();
  });

  it('keeps the previous catalogue when a manifest update ships embeddings of the wrong size', async () => {
    const store = openStore(`cat-${Date.now()}-emb`, { maxEvents: 10, maxAgeDays: 1 });
    const manifest = (version: string) => JSON.stringify({ formatVersion: 1, version, itemCount: 2, items: 'items.json', embeddings: { url: 'emb.bin', model: 'm', dim: 2, dtype: 'f32' } });
    const s = site({ [`${base}catalog.json`]: manifest('v1'), [`${base}items.json`]: good, [`${base}emb.bin`]: new Float32Array([1, 0, 0, 1]).buffer });
    const v1 = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(Array.from(dequantizeRows(v1.catalog.embeddings!.rows))).toEqual([1, 0, 0, 1]);
    s.files[`${base}catalog.json`] = manifest('v2');
    s.files[`${base}emb.bin`] = new Float32Array([1, 0, 0]).buffer;
    const v2 = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(v2.catalog.version).toBe('v1');
    expect(v2.staleBecause).toContain('emb.bin has 12 bytes, expected 16');
    // An unchanged manifest version is served from the cache without fetching the items again.
    s.files[`${base}catalog.json`] = manifest('v1');
    s.requests.length = 0;
    await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(s.requests).toEqual([`${base}catalog.json`]);
    store.close();
  });

  it('keeps the previous catalogue when a manifest update ships malformed signals', async () => {
    const store = openStore(`cat-${Date.now()}-sig`, { maxEvents: 10, maxAgeDays: 1 });
    const manifest = (version: string) => JSON.stringify({ formatVersion: 1, version, itemCount: 2, items: 'items.json', signals: 'signals.json' });
    const s = site({ [`${base}catalog.json`]: manifest('v1'), [`${base}items.json`]: good, [`${base}signals.json`]: '{"neighbors":{"a":[["b",1]]}}' });
    const v1 = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(neighboursOf(v1.catalog, 'a')).toEqual(['b']);
    // Before the fix this update was cached as valid, replacing v1, and every later start failed with a TypeError.
    s.files[`${base}catalog.json`] = manifest('v2');
    s.files[`${base}signals.json`] = '{"neighbors":{"a":5}}';
    const v2 = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(v2).toMatchObject({ fromCache: true, catalog: { version: 'v1' } });
    expect(v2.staleBecause).toContain('neighbors["a"]');
    const again = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(neighboursOf(again.catalog, 'a')).toEqual(['b']);
    await expect(loadCatalog('catalog.json', { baseUrl: base, fetch: s.fetch })).rejects.toMatchObject({ code: 'catalog-invalid', details: { field: 'neighbors["a"]' } });
    store.close();
  });

  it.each([
    ['an empty file', ''],
    // Spaces only: the fake server puts the body's start in an ETag, where a newline is not allowed.
    ['whitespace', '     '],
    ['an empty array', '[]'],
  ])('rejects %s with catalog-empty unless allowEmpty, and keeps a good cached copy', async (_, empty) => {
    const store = openStore(`cat-${Date.now()}-${Math.random()}`, { maxEvents: 10, maxAgeDays: 1 });
    const s = site({ [`${base}items.json`]: empty });
    await expect(loadCatalog('items.json', { baseUrl: base, fetch: s.fetch })).rejects.toMatchObject({ code: 'catalog-empty' });
    expect((await loadCatalog('items.json', { baseUrl: base, fetch: s.fetch, allowEmpty: true })).catalog.columns.count).toBe(0);
    s.files[`${base}items.json`] = good;
    const before = await loadCatalog('items.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    s.files[`${base}items.json`] = empty;
    const after = await loadCatalog('items.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(after).toMatchObject({ fromCache: true, catalog: { version: before.catalog.version } });
    expect(after.staleBecause).toContain('has no items');
    store.close();
  });

  it('ships a sequence model with the catalogue, and keeps the previous one when an update was trained for other items', async () => {
    const store = openStore(`cat-${Date.now()}-seq`, { maxEvents: 10, maxAgeDays: 1 });
    const model = new TextEncoder().encode('onnx bytes stand-in');
    const hex = async (bytes: Uint8Array<ArrayBuffer>) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
    const sha = await hex(model);
    // Two items × 2 dims: the f32 scales, then the int8 values.
    const table = new Uint8Array(2 * 4 + 2 * 2);
    new Float32Array(table.buffer, 0, 2).set([0.5, 0.25]);
    new Int8Array(table.buffer, 8).set([1, -2, 3, 127]);
    const tableSha = await hex(table);
    const manifest = (version: string, sha256 = sha, tableSha256 = tableSha) =>
      JSON.stringify({
        formatVersion: 1,
        version,
        itemCount: 2,
        items: 'items.json',
        sequence: { url: 'seq.onnx', items: 'seq-items.json', bytes: model.byteLength, sha256, table: { url: 'seq-table.bin', bytes: table.byteLength, sha256: tableSha256, dim: 2 }, dtype: 'int8', maxLen: 50 },
      });
    const s = site({ [`${base}catalog.json`]: manifest('v1'), [`${base}items.json`]: good, [`${base}seq.onnx`]: model.buffer, [`${base}seq-table.bin`]: table.buffer, [`${base}seq-items.json`]: '["a","b"]' });
    const allocated: number[][] = [];
    const allocateRows = (count: number, dim: number) => (allocated.push([count, dim]), { dim, scales: new Float32Array(count), values: new Int8Array(count * dim) });
    const v1 = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch, allocateRows });
    expect(v1.catalog.sequence?.ref.maxLen).toBe(50);
    expect(Array.from(v1.catalog.sequence!.model)).toEqual(Array.from(model));
    // The table is decoded into the rows the caller allocates (kernel memory in the worker).
    expect(allocated).toContainEqual([2, 2]);
    expect(Array.from(v1.catalog.sequence!.table.scales)).toEqual([0.5, 0.25]);
    expect(Array.from(v1.catalog.sequence!.table.values)).toEqual([1, -2, 3, 127]);
    // The cache keeps graph and table: a warm start decodes both without the network.
    s.requests.length = 0;
    const warm = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(warm.fromCache).toBe(true);
    expect(s.requests).toEqual([`${base}catalog.json`]);
    expect(Array.from(warm.catalog.sequence!.model)).toEqual(Array.from(model));
    expect(Array.from(warm.catalog.sequence!.table.values)).toEqual([1, -2, 3, 127]);

    // v2's model rows are in another order: it would score the wrong items.
    s.files[`${base}catalog.json`] = manifest('v2');
    s.files[`${base}seq-items.json`] = '["b","a"]';
    const v2 = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(v2.catalog.version).toBe('v1');
    expect(v2.catalog.sequence?.ref.sha256).toBe(sha);
    expect(v2.staleBecause).toContain('trained for another catalogue: its row 0 is item "b", the catalogue\'s item 0 is "a"');
    // Without a good copy to fall back on, the same update is refused with a coded error.
    await expect(loadCatalog('catalog.json', { baseUrl: base, fetch: s.fetch })).rejects.toMatchObject({ code: 'catalog-invalid', details: { field: 'sequence.items' } });

    s.files[`${base}catalog.json`] = manifest('v3');
    s.files[`${base}seq-items.json`] = '["a"]';
    expect((await loadCatalog('catalog.json', { baseUrl: base, fetch: s.fetch }).then(() => null, (e: Error) => e))?.message).toContain('trained for 1 items; this catalogue has 2');
    s.files[`${base}catalog.json`] = manifest('v4', 'f'.repeat(64));
    s.files[`${base}seq-items.json`] = '["a","b"]';
    expect((await loadCatalog('catalog.json', { baseUrl: base, fetch: s.fetch }).then(() => null, (e: Error) => e))?.message).toMatch(/seq\.onnx has sha256 [0-9a-f]{12}…, the manifest says ffffffffffff/);
    s.files[`${base}catalog.json`] = manifest('v5', sha, 'e'.repeat(64));
    await expect(loadCatalog('catalog.json', { baseUrl: base, fetch: s.fetch })).rejects.toMatchObject({ code: 'catalog-invalid', details: { field: 'sequence.table.sha256' } });
    // A build from before the kernel-scored output (a graph that scores items itself, no table) asks for a rebuild.
    const old = JSON.parse(manifest('v6')) as { sequence: Record<string, unknown> };
    delete old.sequence.table;
    s.files[`${base}catalog.json`] = JSON.stringify(old);
    const refused = await loadCatalog('catalog.json', { baseUrl: base, fetch: s.fetch }).then(() => null, (e: PocketRecError) => e);
    expect(refused).toMatchObject({ code: 'catalog-invalid', details: { field: 'sequence.table' } });
    expect(refused?.message).toContain('built by an older pocketrec');
    expect(refused?.message).toContain('pocketrec build');
    store.close();
  });
});
