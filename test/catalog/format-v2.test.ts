import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnsFromItems, createColumnsBuilder, decodeColumns, encodeColumns, loadCatalog, type Catalog, type CatalogManifestV2, type LoadProgress } from '../../src/catalog';
import { buildCatalog } from '../../src/cli/build';
import { createProfile, foldEvent } from '../../src/profile';
import { boughtTogether, createRankModel, recommend, related, searchItems, trending } from '../../src/rank';
import { SMALL_CATALOG } from '../fixtures/small-catalog';

const base = 'https://shop.test/';
let dir = '';

/** Serves a build folder over a fake origin, as a site would; `files` can be changed to corrupt a deploy. */
function site(folder: string) {
  const overrides = new Map<string, Uint8Array>();
  const requests: string[] = [];
  const fetchFn = (async (input: RequestInfo | URL) => {
    const url = String(input);
    requests.push(url);
    const name = url.slice(base.length);
    const body = overrides.get(name) ?? (await readFile(join(folder, name)).catch(() => undefined));
    return body ? new Response(new Uint8Array(body) as BodyInit) : new Response('missing', { status: 404 });
  }) as typeof fetch;
  return { overrides, requests, fetch: fetchFn };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pocketrec-v2-'));
  await writeFile(join(dir, 'items.ndjson'), SMALL_CATALOG.map((i, n) => JSON.stringify({ ...i, tags: [`theme-${i.category}`, n % 2 ? 'odd' : 'even'], brand: n % 3 ? 'acme' : undefined })).join('\n'));
  const ids = SMALL_CATALOG.map((i) => i.id);
  const rows = ['userId,itemId,type,timestamp'];
  for (let u = 0; u < 12; u++) for (let k = 0; k < 5; k++) rows.push(`v${u},${ids[(u * 3 + k) % ids.length]},view,${1000 * (u * 10 + k)}`);
  // Baskets: a few visitors put two items in the cart, so bought-together has rows to carry.
  for (let u = 0; u < 6; u++) for (let k = 0; k < 2; k++) rows.push(`v${u},${ids[(u + k) % ids.length]},add_to_cart,${1000 * (u * 10 + 5 + k)}`);
  await writeFile(join(dir, 'log.csv'), rows.join('\n'));
  for (const formatVersion of [1, 2] as const) {
    await buildCatalog({ items: join(dir, 'items.ndjson'), interactions: join(dir, 'log.csv'), out: join(dir, `v${formatVersion}`), encoder: 'lexical', sequence: { mode: 'off' }, formatVersion });
  }
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const load = async (folder: string) => (await loadCatalog('catalog.json', { baseUrl: base, fetch: site(join(dir, folder)).fetch })).catalog;
const modelOf = (c: Catalog) => createRankModel({ columns: c.columns, rows: c.embeddings!.rows, records: c.records });
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v)));

describe('catalogue format 2', () => {
  it('v1 → columns and v2 → columns give identical rank models and recommendations', async () => {
    const [v1, v2] = [await load('v1'), await load('v2')];
    expect(v2.columns.count).toBe(20);
    // Format 2 decodes its search index on the first search; the comparison below covers it too.
    await v2.loadSearchIndex!();
    expect(plain(v2.columns)).toEqual(plain(v1.columns));
    expect(plain(v2.embeddings!.rows)).toEqual(plain(v1.embeddings!.rows));
    expect(v2.columns.neighbors!.targets.length).toBeGreaterThan(0);
    expect(v2.columns.boughtTogether!.targets.length).toBeGreaterThan(0);
    // Maps do not survive JSON: the trending windows are compared window by window.
    expect([...v2.columns.trendingWindows.keys()]).toEqual([1, 7, 30]);
    expect([...v1.columns.trendingWindows.keys()]).toEqual([1, 7, 30]);
    for (const [days, trend] of v1.columns.trendingWindows) expect(Array.from(v2.columns.trendingWindows.get(days)!), `window ${days}`).toEqual(Array.from(trend));
    expect(v2.columns.trendingWindows.get(30)!.some((t) => t > 0)).toBe(true);
    expect(v2.columns.popularity.some((p) => p > 0)).toBe(true);
    expect(v2.columns.tagNames).toContain('odd');
    for (let i = 0; i < 20; i++) expect(v2.records.get(i)).toEqual(v1.records.get(i));

    const [m1, m2] = [modelOf(v1), modelOf(v2)];
    const profile = createProfile(m1.dim);
    for (const [k, id] of ['c1', 't3', 'c2'].entries()) foldEvent(profile, { type: 'view', itemId: id, ts: 1000 + k }, { space: m1, attributesOf: (i) => m1.attributesOf(i) });
    const request = { k: 5, now: 10_000 };
    const ranked = recommend(m1, profile, request);
    expect(ranked).toHaveLength(5);
    expect(recommend(m2, profile, request)).toEqual(ranked);
    const surface = { k: 4, threshold: -Infinity, fallback: 'none' } as const;
    expect(related(m2, [0], surface)).toEqual(related(m1, [0], surface));
    expect(related(m2, [0, 3], surface)).toEqual(related(m1, [0, 3], surface));
    const together = boughtTogether(m2, [0], surface);
    expect(together.length).toBeGreaterThan(0);
    expect(together).toEqual(boughtTogether(m1, [0], surface));
    expect(trending(m2, undefined, m2.trendingWindows.get(30)!, surface)).toEqual(trending(m1, undefined, m1.trendingWindows.get(30)!, surface));
    const query = new Float32Array(m1.dim).fill(0.01);
    const found = searchItems(m2, { query: 'camping stove', vector: query, k: 3, taste: null });
    expect(found[0]!.index).toBe(m2.indexOf('t3'));
    expect(found).toEqual(searchItems(m1, { query: 'camping stove', vector: query, k: 3, taste: null }));
  });

  it('lists every part with bytes, sha256, chunk hashes and layout, and reports one download count over them, its total fixed from the start', async () => {
    const manifest = JSON.parse(await readFile(join(dir, 'v2/catalog.json'), 'utf8')) as CatalogManifestV2;
    expect(manifest.formatVersion).toBe(2);
    for (const [name, part] of Object.entries(manifest.parts)) {
      const bytes = await readFile(join(dir, 'v2', part.url));
      expect(part.bytes, name).toBe(bytes.byteLength);
      expect(part.chunkSha256).toHaveLength(Math.ceil(part.bytes / part.chunkBytes));
    }
    expect(manifest.parts.columns.sections.map((s) => s.name)).toContain('lexical.terms.bytes');
    const progress: LoadProgress[] = [];
    await loadCatalog('catalog.json', { baseUrl: base, fetch: site(join(dir, 'v2')).fetch, onProgress: (p) => progress.push(p) });
    // One count over every file, the manifest's own bytes included: its total is fixed from the first event (the
    // parts download at once, so per-file counts would interleave), it never goes back, and it ends complete.
    const downloads = progress.filter((p) => p.phase === 'catalog-download');
    const manifestSize = (await readFile(join(dir, 'v2/catalog.json'))).byteLength;
    const every = manifestSize + Object.values(manifest.parts).reduce((n, part) => n + part.bytes, 0);
    expect(downloads.length).toBeGreaterThan(3);
    expect(downloads[0]).toMatchObject({ loaded: manifestSize, total: every });
    downloads.reduce((prev, p) => (expect(p.loaded).toBeGreaterThanOrEqual(prev), expect(p.total).toBe(every), p.loaded), 0);
    expect(downloads.at(-1)).toMatchObject({ loaded: every, total: every });
  });

  it.each([
    ['a changed byte', (b: Uint8Array) => Uint8Array.from(b, (x, i) => (i === 9 ? x ^ 1 : x)), /part "columns" .* sha256 .* chunk 0/],
    ['a truncated file', (b: Uint8Array) => b.subarray(0, b.length - 3), /part "columns" .* truncated/],
    ['a longer file', (b: Uint8Array) => Uint8Array.from([...b, 0]), /part "columns" .* longer than the manifest/],
  ])('rejects a columns part with %s, naming the part', async (_, corrupt, message) => {
    const s = site(join(dir, 'v2'));
    s.overrides.set('columns.bin', corrupt(new Uint8Array(await readFile(join(dir, 'v2/columns.bin')))));
    const error = await loadCatalog('catalog.json', { baseUrl: base, fetch: s.fetch }).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'catalog-invalid', details: { part: 'columns' } });
    expect((error as Error).message).toMatch(message);
  });

  it('seals the items before the signals come: the same columns, and no item after it', () => {
    const signals = { popularity: SMALL_CATALOG.map((_, i) => i % 3), neighbors: { rows: [0, 2], targets: [1, 2], weights: [2, 1] } };
    const early = createColumnsBuilder();
    const late = createColumnsBuilder();
    for (const item of SMALL_CATALOG) early.add(item), late.add(item);
    early.seal();
    expect(() => early.add({ id: 'late', title: 'Late' })).toThrow(/after seal/);
    expect(encodeColumns(early.finish(signals), new Uint32Array(SMALL_CATALOG.length + 1)).bytes).toEqual(encodeColumns(late.finish(signals), new Uint32Array(SMALL_CATALOG.length + 1)).bytes);
  });
  it('rejects a layout that points outside its part, naming part and section', async () => {
    const s = site(join(dir, 'v2'));
    const manifest = JSON.parse(await readFile(join(dir, 'v2/catalog.json'), 'utf8')) as CatalogManifestV2;
    manifest.parts.columns.sections.find((x) => x.name === 'prices')!.length = 1e9;
    s.overrides.set('catalog.json', new TextEncoder().encode(JSON.stringify(manifest)));
    await expect(loadCatalog('catalog.json', { baseUrl: base, fetch: s.fetch })).rejects.toMatchObject({ code: 'catalog-invalid', details: { part: 'columns', field: 'prices' } });
  });

  describe('bought-together and trending windows as sections', () => {
    const items = SMALL_CATALOG.slice(0, 6);
    const columns = columnsFromItems(items, {
      boughtTogether: { [items[0]!.id]: [[items[1]!.id, 4], [items[2]!.id, 2]], [items[3]!.id]: [[items[0]!.id, 1]] },
      trendingWindows: { '1': { [items[4]!.id]: 3 }, '30': { [items[4]!.id]: 9, [items[5]!.id]: 1 } },
    });
    const encode = () => {
      const { bytes, sections } = encodeColumns(columns, new Uint32Array(items.length + 1));
      return { buffer: bytes.slice().buffer, sections };
    };
    const decode = ({ buffer, sections }: ReturnType<typeof encode>) => decodeColumns(buffer, { sections }, items.length, 0, 'columns.bin').columns;
    const section = (e: ReturnType<typeof encode>, name: string) => e.sections.find((x) => x.name === name)!;

    it('read back as written', () => {
      const back = decode(encode());
      expect(plain(back.boughtTogether)).toEqual(plain(columns.boughtTogether));
      expect(back.boughtTogether!.targets.length).toBe(3);
      expect([...back.trendingWindows.keys()]).toEqual([1, 30]);
      for (const [days, trend] of columns.trendingWindows) expect(Array.from(back.trendingWindows.get(days)!)).toEqual(Array.from(trend));
      expect(back.trendingWindows.get(30)![4]).toBe(1);
    });

    it('reject a target beyond the catalogue, a repeated window and a short window column, naming the section', () => {
      const badTarget = encode();
      new Uint32Array(badTarget.buffer, section(badTarget, 'boughtTogether.targets').offset, 3)[1] = items.length;
      expect(() => decode(badTarget)).toThrow(expect.objectContaining({ code: 'catalog-invalid', details: expect.objectContaining({ field: 'boughtTogether.targets' }) }));
      const badOffsets = encode();
      new Uint32Array(badOffsets.buffer, section(badOffsets, 'boughtTogether.offsets').offset, items.length + 1)[2] = 0;
      expect(() => decode(badOffsets)).toThrow(expect.objectContaining({ details: expect.objectContaining({ field: 'boughtTogether.offsets' }) }));
      const twice = encode();
      new Uint32Array(twice.buffer, section(twice, 'trendingWindows.days').offset, 2)[1] = 1;
      expect(() => decode(twice)).toThrow(expect.objectContaining({ code: 'catalog-invalid', details: expect.objectContaining({ field: 'trendingWindows.days' }) }));
      const short = encode();
      section(short, 'trendingWindows.values').length = items.length;
      expect(() => decode(short)).toThrow(expect.objectContaining({ details: expect.objectContaining({ field: 'trendingWindows.values' }) }));
    });
  });
});
