import { describe, expect, it } from 'vitest';
import { loadCatalog, type CatalogCache, type Item } from '../../src/catalog';
import { buildV2 } from '../helpers/catalog-files';
import { catalogFolderName, openStore } from '../../src/store';

const base = 'https://shop.test/';

/** A v2 build served from `base`, with vectors that depend on the version's length (equal lengths, equal bytes). */
async function v2Files(items: Item[], version: string, dim = 4, chunkBytes = 1024) {
  const vectors = (all: Item[], d: number) => Float32Array.from({ length: all.length * d }, (_, i) => Math.sin(i + version.length));
  const build = await buildV2(items, version, { dim, chunkBytes, vectors });
  return { ...build, files: Object.fromEntries(Object.entries(build.files).map(([name, bytes]) => [`${base}${name}`, bytes])) };
}

function site(files: Record<string, Uint8Array>) {
  const requests: string[] = [];
  const ranges: string[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const range = (init?.headers as Record<string, string> | undefined)?.Range;
    const body = files[url];
    if (range && body) {
      ranges.push(range);
      const [, from, to] = /bytes=(\d+)-(\d+)/.exec(range)!;
      return new Response(body.slice(Number(from), Number(to) + 1) as BodyInit, { status: 206 });
    }
    requests.push(url);
    return body ? new Response(body as BodyInit) : new Response('missing', { status: 404 });
  }) as typeof fetch;
  return { files, requests, ranges, fetch: fetchFn };
}

const shop = (n: number, tag = ''): Item[] => Array.from({ length: n }, (_, i) => ({ id: `sku-${i}`, title: `Item ${i} ${tag}`, category: `cat-${i % 7}`, price: 5 + i, tags: [`t${i % 5}`] }));

describe('format 2 in the IndexedDB cache', () => {
  it('caches the parts, and a warm start reads them without fetching any part again', async () => {
    const store = openStore(`v2-${Date.now()}-warm`, { maxEvents: 10, maxAgeDays: 1 });
    const a = await v2Files(shop(50), 'va');
    const s = site(a.files);
    const cold = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch, cachePieceBytes: 2048 });
    expect(cold).toMatchObject({ fromCache: false, cacheWrite: { ok: true, attempts: 1, pieceBytes: 2048 } });
    s.requests.length = 0;
    const warm = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(s.requests).toEqual([`${base}catalog.json`]);
    expect(warm.fromCache).toBe(true);
    expect(warm.catalog.columns.ids).toEqual(cold.catalog.columns.ids);
    await warm.catalog.records.load([49]);
    expect(warm.catalog.records.get(49)).toEqual(shop(50)[49]);
    expect(Array.from(warm.catalog.embeddings!.rows.values)).toEqual(Array.from(a.rows.values));
    expect(Array.from(warm.catalog.columns.prices)).toEqual(Array.from(cold.catalog.columns.prices));
    store.close();
  });

  it('reads no record at a warm start, then only the pieces a call needs, and fetches a damaged piece again', async () => {
    const store = openStore(`v2-${Date.now()}-records`, { maxEvents: 10, maxAgeDays: 1 });
    // Without a file system every part is kept in IndexedDB pieces.
    const pieces: CatalogCache = { ...store.catalogCache, files: null };
    const items = shop(200);
    const a = await v2Files(items, 'va', 4, 512);
    const s = site(a.files);
    await loadCatalog('catalog.json', { baseUrl: base, cache: pieces, fetch: s.fetch, cachePieceBytes: 2048 });
    const read: string[] = [];
    const spied: CatalogCache = { ...pieces, get: (key) => (read.push(key), pieces.get(key)) };
    s.requests.length = 0;
    const warm = await loadCatalog('catalog.json', { baseUrl: base, cache: spied, fetch: s.fetch });
    expect(read.filter((k) => k.includes(':records:'))).toEqual([]);
    expect(() => warm.catalog.records.get(150)).toThrow(/not loaded/);
    await warm.catalog.records.load([150, 151]);
    expect(warm.catalog.records.get(150)).toEqual(items[150]);
    expect(warm.catalog.records.get(151)).toEqual(items[151]);
    const recordPieces = read.filter((k) => k.includes(':records:'));
    expect(recordPieces.length).toBeGreaterThanOrEqual(1);
    expect(recordPieces.length).toBeLessThanOrEqual(2);
    expect(s.requests).toEqual([`${base}catalog.json`]);

    // A damaged piece in the cache: the chunk hashes catch it, and the piece comes again from the site.
    const key = recordPieces[0]!;
    const damaged = new Uint8Array((await store.catalogCache.get(key)) as ArrayBuffer).slice();
    damaged[10] = damaged[10]! ^ 0x20;
    await store.catalogCache.put(key, damaged.buffer);
    const again = await loadCatalog('catalog.json', { baseUrl: base, cache: pieces, fetch: s.fetch });
    await again.catalog.records.load([150]);
    expect(again.catalog.records.get(150)).toEqual(items[150]);
    expect(s.ranges).toEqual([expect.stringMatching(/^bytes=\d+-\d+$/)]);
    // …and is cached again, intact.
    expect(Array.from(new Uint8Array((await store.catalogCache.get(key)) as ArrayBuffer))).not.toEqual(Array.from(damaged));
    store.close();
  });

  it('streams downloaded records into their file and reads them back from it, holding none, and fetches a damaged piece again', async () => {
    const name = `v2-${Date.now()}-streamed`;
    const store = openStore(name, { maxEvents: 10, maxAgeDays: 1 });
    const items = shop(300);
    // Chunks smaller than the stream's batches and than a record piece, so that pieces span several of them.
    const a = await v2Files(items, 'va', 4, 512);
    const s = site(a.files);
    const cold = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    // The cold start holds no record: each is read from the file the download went to, when asked for.
    expect(() => cold.catalog.records.get(250)).toThrow(/not loaded/);
    await cold.catalog.records.load([0, 250, 299]);
    expect([0, 250, 299].map((i) => cold.catalog.records.get(i))).toEqual([items[0], items[250], items[299]]);
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle(catalogFolderName(name));
    const file = await folder.getFileHandle('va-records.bin');
    expect(Array.from(new Uint8Array(await (await file.getFile()).arrayBuffer()))).toEqual(Array.from(a.files[`${base}${a.manifest.parts.records.url}`]!));
    expect(s.ranges).toEqual([]);

    // A damaged byte in the file: the chunk hashes catch it, and that piece comes from the site instead.
    const at = new TextDecoder().decode(a.files[`${base}${a.manifest.parts.records.url}`]!).indexOf('"Item 150 ');
    const writable = await file.createWritable({ keepExistingData: true });
    await writable.write({ type: 'write', position: at + 2, data: new TextEncoder().encode('J') });
    await writable.close();
    const warm = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(warm.fromCache).toBe(true);
    await warm.catalog.records.load([150]);
    expect(warm.catalog.records.get(150)).toEqual(items[150]);
    expect(s.ranges).toEqual([expect.stringMatching(/^bytes=\d+-\d+$/)]);
    store.close();
  });

  it('keeps the binary parts as files, reads them back into the rows, and forget() deletes the files too', async () => {
    const name = `v2-${Date.now()}-files`;
    const store = openStore(name, { maxEvents: 10, maxAgeDays: 1 });
    const a = await v2Files(shop(40), 'va');
    const s = site(a.files);
    const cold = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle(catalogFolderName(name));
    const names: string[] = [];
    for await (const key of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(key);
    expect(names.sort()).toEqual(['va-columns.bin', 'va-embeddings.bin', 'va-records.bin']);
    expect((await (await folder.getFileHandle('va-embeddings.bin')).getFile()).size).toBe(a.manifest.parts.embeddings!.bytes);
    expect((await (await folder.getFileHandle('va-records.bin')).getFile()).size).toBe(a.manifest.parts.records.bytes);
    const warm = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(warm.fromCache).toBe(true);
    expect(Array.from(warm.catalog.embeddings!.rows.values)).toEqual(Array.from(a.rows.values));
    expect(Array.from(warm.catalog.embeddings!.rows.scales)).toEqual(Array.from(cold.catalog.embeddings!.rows.scales));
    expect(warm.catalog.columns.ids).toEqual(cold.catalog.columns.ids);

    // A new version replaces the files of the old one, except a part it shares (same sha256): these embeddings
    // are identical, so their file is neither downloaded nor written again, and stays under the old version's name.
    const b = await v2Files(shop(40, 'new'), 'vb');
    expect(b.manifest.parts.embeddings!.sha256).toBe(a.manifest.parts.embeddings!.sha256);
    expect(b.manifest.parts.columns.sha256).not.toBe(a.manifest.parts.columns.sha256);
    Object.assign(s.files, b.files);
    const updated = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(updated.reusedParts).toEqual(['embeddings']);
    names.length = 0;
    for await (const key of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(key);
    expect(names.sort()).toEqual(['va-embeddings.bin', 'vb-columns.bin', 'vb-records.bin']);
    const warmB = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(warmB.fromCache).toBe(true);
    expect(warmB.catalog.version).toBe(b.manifest.version);
    expect(Array.from(warmB.catalog.embeddings!.rows.values)).toEqual(Array.from(b.rows.values));
    // A version with other embeddings evicts the kept file too.
    Object.assign(s.files, (await v2Files(shop(40, 'third'), 'vcc')).files);
    expect((await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch })).reusedParts).toBeUndefined();
    names.length = 0;
    for await (const key of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(key);
    expect(names.sort()).toEqual(['vcc-columns.bin', 'vcc-embeddings.bin', 'vcc-records.bin']);

    await store.forget();
    await expect((await navigator.storage.getDirectory()).getDirectoryHandle(catalogFolderName(name))).rejects.toMatchObject({ name: 'NotFoundError' });
    store.close();
  });

  it.each([
    ['files', (c: CatalogCache) => c],
    ['IndexedDB pieces', (c: CatalogCache) => ({ ...c, files: null })],
  ])('decodes the search index (downloaded, or left in the cache: %s) only when the first search asks for it', async (_, using) => {
    const store = openStore(`v2-${Date.now()}-${Math.random()}`, { maxEvents: 10, maxAgeDays: 1 });
    const a = await v2Files(shop(300), 'va');
    const s = site(a.files);
    const cache = using(store.catalogCache);
    const cold = await loadCatalog('catalog.json', { baseUrl: base, cache, fetch: s.fetch, cachePieceBytes: 4096 });
    // A cold start holds the index's bytes but decodes them on the first search, as a warm start reads them then.
    expect(() => cold.catalog.columns.lexical.terms).toThrow(/search index is not loaded/);
    await cold.catalog.loadSearchIndex!();
    expect(cold.catalog.columns.lexical.terms.length).toBeGreaterThan(0);
    const warm = await loadCatalog('catalog.json', { baseUrl: base, cache, fetch: s.fetch });
    expect(() => warm.catalog.columns.lexical.terms).toThrow(/search index is not loaded/);
    // Ranking columns are there already.
    expect(Array.from(warm.catalog.columns.prices)).toEqual(Array.from(cold.catalog.columns.prices));
    await Promise.all([warm.catalog.loadSearchIndex!(), warm.catalog.loadSearchIndex!()]);
    const [w, c] = [warm.catalog.columns.lexical, cold.catalog.columns.lexical];
    expect(w.terms).toEqual(c.terms);
    expect(Array.from(w.items)).toEqual(Array.from(c.items));
    expect(Array.from(w.tf)).toEqual(Array.from(c.tf));
    expect(Array.from(w.lengths)).toEqual(Array.from(c.lengths));
    expect(w.avgLength).toBe(c.avgLength);
    store.close();
  });

  it.each([
    ['a sha256 mismatch', (b: Uint8Array) => Uint8Array.from(b, (x, i) => (i === b.length - 1 ? x ^ 0x20 : x)), /part "records" .*sha256/],
    ['a truncated part', (b: Uint8Array) => b.subarray(0, b.length - 10), /part "records" .*truncated/],
    ['a part of the wrong length', (b: Uint8Array) => Uint8Array.from([...b, 10, 10]), /part "records" .*longer than/],
  ])('rejects an update with %s, names the part and keeps serving the cached catalogue', async (_, corrupt, message) => {
    const store = openStore(`v2-${Date.now()}-${Math.random()}`, { maxEvents: 10, maxAgeDays: 1 });
    const a = await v2Files(shop(30), 'va');
    const s = site(a.files);
    await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    const b = await v2Files(shop(30, 'new'), 'vb');
    Object.assign(s.files, b.files);
    s.files[`${base}vb/items.ndjson`] = corrupt(b.files[`${base}vb/items.ndjson`]!);
    const after = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(after.catalog.version).toBe('va');
    expect(after.fromCache).toBe(true);
    expect(after.staleBecause).toMatch(message);
    await after.catalog.records.load([3]);
    expect(after.catalog.records.get(3).title).toBe('Item 3 ');
    // Without a cached copy the same deploy is refused, with the part named in the details.
    await expect(loadCatalog('catalog.json', { baseUrl: base, fetch: s.fetch })).rejects.toMatchObject({ code: 'catalog-invalid', details: { part: 'records' } });
    store.close();
  });

  it("evicts the previous version's pieces and files once a new version is cached", async () => {
    const name = `v2-${Date.now()}-evict`;
    const store = openStore(name, { maxEvents: 10, maxAgeDays: 1 });
    const pieces: CatalogCache = { ...store.catalogCache, files: null };
    const s = site((await v2Files(shop(20), 'va')).files);
    await loadCatalog('catalog.json', { baseUrl: base, cache: pieces, fetch: s.fetch });
    expect(await store.getCached('catalog-part:va:records:0')).toBeInstanceOf(ArrayBuffer);
    Object.assign(s.files, (await v2Files(shop(25), 'vb')).files);
    const next = await loadCatalog('catalog.json', { baseUrl: base, cache: pieces, fetch: s.fetch });
    expect(next.catalog.columns.count).toBe(25);
    expect(await store.getCached('catalog-part:va:records:0')).toBeUndefined();
    expect(await store.getCached('catalog-part:vb:records:0')).toBeInstanceOf(ArrayBuffer);

    // With a file system, each part is a file of its version, and the previous version's go.
    const files = openStore(`${name}-files`, { maxEvents: 10, maxAgeDays: 1 });
    const listed = async () => {
      const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle(catalogFolderName(`${name}-files`));
      const out: string[] = [];
      for await (const key of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) out.push(key);
      return out.sort();
    };
    Object.assign(s.files, (await v2Files(shop(20), 'va')).files);
    await loadCatalog('catalog.json', { baseUrl: base, cache: files.catalogCache, fetch: s.fetch });
    expect(await listed()).toEqual(['va-columns.bin', 'va-embeddings.bin', 'va-records.bin']);
    Object.assign(s.files, (await v2Files(shop(25), 'vb')).files);
    expect((await loadCatalog('catalog.json', { baseUrl: base, cache: files.catalogCache, fetch: s.fetch })).cacheWrite).toMatchObject({ ok: true });
    expect(await listed()).toEqual(['vb-columns.bin', 'vb-embeddings.bin', 'vb-records.bin']);
    store.close();
    files.close();
  });

  it('retries a failing cache write in smaller pieces and reports a write that never succeeds', async () => {
    const store = openStore(`v2-${Date.now()}-pieces`, { maxEvents: 10, maxAgeDays: 1 });
    // IndexedDB refuses values above a size under memory pressure (DataCloneError … out of memory); so does this one.
    const limited = (limit: number): CatalogCache => ({
      ...store.catalogCache,
      put: (key, value) => (value instanceof ArrayBuffer && value.byteLength > limit ? Promise.reject(new DOMException('Data cannot be cloned, out of memory.', 'DataCloneError')) : store.catalogCache.put(key, value)),
    });
    const a = await v2Files(shop(3000), 'va', 64, 64 * 1024);
    expect(a.manifest.parts.embeddings!.bytes).toBeGreaterThan(150_000);
    const s = site(a.files);
    // Without a file system, so that every part goes into pieces.
    const first = await loadCatalog('catalog.json', { baseUrl: base, cache: { ...limited(100_000), files: null }, fetch: s.fetch, cachePieceBytes: 1024 * 1024 });
    expect(first.cacheWrite).toMatchObject({ ok: true, attempts: 3, pieceBytes: 64 * 1024, error: expect.stringContaining('DataCloneError') });
    s.requests.length = 0;
    const warm = await loadCatalog('catalog.json', { baseUrl: base, cache: store.catalogCache, fetch: s.fetch });
    expect(s.requests).toEqual([`${base}catalog.json`]);
    expect(Array.from(warm.catalog.embeddings!.rows.values)).toEqual(Array.from(a.rows.values));

    const other = openStore(`v2-${Date.now()}-nowrite`, { maxEvents: 10, maxAgeDays: 1 });
    const never: CatalogCache = { ...other.catalogCache, put: () => Promise.reject(new DOMException('Data cannot be cloned, out of memory.', 'DataCloneError')) };
    const loaded = await loadCatalog('catalog.json', { baseUrl: base, cache: never, fetch: s.fetch });
    expect(loaded.catalog.columns.count).toBe(3000);
    expect(loaded.cacheWrite).toMatchObject({ ok: false, error: expect.stringContaining('out of memory') });
    store.close();
    other.close();
  });
});
