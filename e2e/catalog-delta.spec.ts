import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';

interface Change {
  outcome: string;
  version: string;
  reusedParts: string[];
  deltaParts: string[];
  deltaFallbacks: string[];
}
interface Rec {
  track(e: object): Promise<void>;
  search(query: string, k: number): Promise<Array<{ id: string }>>;
  similar(id: string, k: number): Promise<Array<{ id: string }>>;
  recommend(r?: object): Promise<Array<{ id: string }>>;
  updateCatalog(source?: string): Promise<Change>;
  status(): Promise<{ historySize: number; catalog: { version: string; itemCount: number; lastUpdate: Change | null } }>;
}
type TabWindow = { rec: Rec; progress: Array<{ phase: string; loaded: number; total: number }> };

const WORDS = ['river', 'stone', 'lamp', 'forest', 'copper', 'velvet', 'harbor', 'maple', 'signal', 'garden', 'ember', 'falcon', 'quartz', 'meadow', 'lantern', 'canyon'];
const V1 = Array.from({ length: 400 }, (_, i) => ({
  id: `item-${i}`,
  title: `${WORDS[i % 16]} ${WORDS[(i * 7 + 3) % 16]} ${i}`,
  category: ['outdoor', 'kitchen', 'books', 'games'][i % 4],
  price: 5 + (i % 40),
}));
// v2: one item's text changed, one new item.
const V2 = [...V1.map((i) => (i.id === 'item-7' ? { ...i, title: 'Copper espresso grinder, hand-cranked' } : i)), { id: 'new-1', title: 'Aurora borealis star projector', category: 'outdoor', price: 44 }];
const V3 = [...V2, { id: 'new-2', title: 'Tidal marsh birdwatching scope', category: 'outdoor', price: 80 }];
const V4 = [...V3, { id: 'new-3', title: 'Glacier trekking crampons', category: 'outdoor', price: 95 }];

/** `pocketrec build` (the CLI bundle) of `items`, incremental on `previous` when given; its files by name. */
function build(work: string, name: string, items: object[], previous?: string): Map<string, Uint8Array> {
  const input = join(work, `${name}.ndjson`);
  writeFileSync(input, items.map((i) => JSON.stringify(i)).join('\n'));
  const out = join(work, name);
  const args = ['packages/cli/dist/pocketrec.js', 'build', '--items', input, '--out', out, '--encoder', 'lexical', '--sequence', 'off', '--tune-minutes', '0', ...(previous ? ['--previous', join(work, previous)] : [])];
  execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Map(readdirSync(out).map((f) => [f, new Uint8Array(readFileSync(join(out, f)))]));
}

const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const DB = `catalog-delta-${Date.now()}`;

async function open(page: Page): Promise<void> {
  await page.goto('/blank.html');
  await page.evaluate(async (db) => {
    const { createRecommender } = await import('/dist/pocketrec.js' as string);
    const w = window as unknown as TabWindow;
    w.progress = [];
    w.rec = await createRecommender({ catalog: '/live-catalog/catalog.json', dbName: db, encoder: 'lexical', onProgress: (p: TabWindow['progress'][number]) => w.progress.push(p) });
  }, DB);
}

test('a returning visitor downloads only the deltas (and the columns), keeps the history and is served the new items; a bad delta falls back to the whole part', async ({ context, page }) => {
  const work = mkdtempSync(join(tmpdir(), 'pocketrec-delta-e2e-'));
  try {
    const v1 = build(work, 'v1', V1);
    const v2 = build(work, 'v2', V2, 'v1');
    const v3 = build(work, 'v3', V3, 'v2');
    const v4 = build(work, 'v4', V4, 'v3');
    const manifest2 = JSON.parse(new TextDecoder().decode(v2.get('catalog.json')));
    expect(Object.keys(manifest2.delta.parts).sort()).toEqual(expect.arrayContaining(['embeddings', 'records']));

    // The site's catalogue, served by the test (one folder, as a deploy replaces it), every response counted.
    let files = v1;
    const served: Array<{ path: string; status: number; bytes: number }> = [];
    await context.route('**/live-catalog/**', async (route) => {
      const path = new URL(route.request().url()).pathname.replace(/^\/live-catalog\//, '');
      const body = files.get(path);
      if (!body) return route.fulfill({ status: 404, body: '' });
      const etag = `"${hex(body).slice(0, 16)}"`;
      if ((await route.request().headerValue('if-none-match')) === etag) {
        served.push({ path, status: 304, bytes: 0 });
        return route.fulfill({ status: 304, headers: { ETag: etag } });
      }
      served.push({ path, status: 200, bytes: body.byteLength });
      return route.fulfill({ status: 200, body: Buffer.from(body), headers: { ETag: etag, 'Content-Type': 'application/octet-stream' } });
    });

    await open(page);
    await page.evaluate(() => (window as unknown as TabWindow).rec.track({ type: 'view', itemId: 'item-3' }));
    await page.evaluate(() => (window as unknown as TabWindow).rec.track({ type: 'view', itemId: 'item-19' }));
    await page.evaluate(() => (window as unknown as TabWindow).rec.track({ type: 'purchase', itemId: 'item-35' }));
    expect((await page.evaluate(() => (window as unknown as TabWindow).rec.status())).historySize).toBe(3);

    // v2 deployed: the update takes the deltas, not the records and embeddings.
    files = v2;
    let before = served.length;
    const change = await page.evaluate(() => (window as unknown as TabWindow).rec.updateCatalog());
    expect(change).toMatchObject({ outcome: 'updated', version: manifest2.version, deltaFallbacks: [] });
    expect([...change.deltaParts].sort()).toEqual(Object.keys(manifest2.delta.parts).sort());
    const update = served.slice(before);
    const paths = update.map((r) => r.path);
    expect(paths).not.toContain('items.ndjson');
    expect(paths).not.toContain('embeddings.bin');
    expect(paths).toEqual(expect.arrayContaining(['catalog.json', 'records.delta.bin', 'embeddings.delta.bin']));
    const deltaBytes = Object.values(manifest2.delta.parts as Record<string, { bytes: number }>).reduce((n, p) => n + p.bytes, 0);
    const columnsBytes = manifest2.delta.parts.columns ? 0 : manifest2.parts.columns.bytes;
    expect(update.reduce((n, r) => n + r.bytes, 0)).toBe(v2.get('catalog.json')!.byteLength + deltaBytes + columnsBytes);
    expect(deltaBytes).toBeLessThan((manifest2.parts.records.bytes + manifest2.parts.embeddings.bytes) / 20);

    // The history is kept, and ranks: the purchase still suppresses its item.
    const status = await page.evaluate(() => (window as unknown as TabWindow).rec.status());
    expect(status).toMatchObject({ historySize: 3, catalog: { version: manifest2.version, itemCount: 401, lastUpdate: { outcome: 'updated', deltaParts: change.deltaParts } } });
    expect((await page.evaluate(() => (window as unknown as TabWindow).rec.recommend({ k: 400 }))).map((r) => r.id)).not.toContain('item-35');
    // The new and the changed item are served at once: by search, and as neighbours by content.
    expect((await page.evaluate(() => (window as unknown as TabWindow).rec.search('aurora borealis projector', 1)))[0]?.id).toBe('new-1');
    expect((await page.evaluate(() => (window as unknown as TabWindow).rec.search('espresso grinder', 1)))[0]?.id).toBe('item-7');
    expect((await page.evaluate(() => (window as unknown as TabWindow).rec.similar('new-1', 3))).length).toBe(3);
    await page.evaluate(() => (window as unknown as TabWindow).rec.track({ type: 'view', itemId: 'new-1' }));

    // v3, whose embeddings delta is damaged after the build (its own checksums redone, so it downloads cleanly):
    // the rebuilt part does not match the manifest, and the whole part is downloaded instead.
    const manifest3 = JSON.parse(new TextDecoder().decode(v3.get('catalog.json')));
    const delta = manifest3.delta.parts.embeddings;
    const broken = v3.get('embeddings.delta.bin')!.slice();
    const literal = delta.sections.find((s: { name: string }) => s.name === 'literal');
    broken[literal.offset] = broken[literal.offset]! ^ 0xff;
    delta.sha256 = hex(broken);
    delta.chunkSha256 = Array.from({ length: Math.ceil(broken.length / delta.chunkBytes) }, (_, k) => hex(broken.subarray(k * delta.chunkBytes, (k + 1) * delta.chunkBytes)));
    files = new Map([...v3, ['catalog.json', new TextEncoder().encode(JSON.stringify(manifest3))], ['embeddings.delta.bin', broken]]);
    before = served.length;
    const fallback = await page.evaluate(() => (window as unknown as TabWindow).rec.updateCatalog());
    expect(fallback).toMatchObject({ outcome: 'updated', version: manifest3.version, deltaFallbacks: ['embeddings'] });
    expect(fallback.deltaParts).not.toContain('embeddings');
    expect(served.slice(before).map((r) => `${r.path} ${r.status}`)).toEqual(expect.arrayContaining(['embeddings.delta.bin 200', 'embeddings.bin 200']));
    expect((await page.evaluate(() => (window as unknown as TabWindow).rec.search('tidal marsh birdwatching', 1)))[0]?.id).toBe('new-2');
    expect((await page.evaluate(() => (window as unknown as TabWindow).rec.status())).historySize).toBe(4);

    // The cache holds v3's full parts: the next visit reads them from there, with nothing but the manifest asked for.
    await page.evaluate(() => (window as unknown as { rec: { dispose(): void } }).rec.dispose());
    before = served.length;
    await open(page);
    expect(served.slice(before).map((r) => r.path)).toEqual(['catalog.json']);
    expect((await page.evaluate(() => (window as unknown as TabWindow).rec.search('tidal marsh birdwatching', 1)))[0]?.id).toBe('new-2');

    // A visit after the next deploy takes the deltas at start-up, and its download progress counts their bytes.
    const manifest4 = JSON.parse(new TextDecoder().decode(v4.get('catalog.json')));
    files = v4;
    await page.evaluate(() => (window as unknown as { rec: { dispose(): void } }).rec.dispose());
    before = served.length;
    await open(page);
    const visit = served.slice(before);
    expect(visit.map((r) => r.path).sort()).toEqual(['catalog.json', ...Object.keys(manifest4.delta.parts).map((n) => `${n}.delta.bin`), ...(manifest4.delta.parts.columns ? [] : ['columns.bin'])].sort());
    const downloads = (await page.evaluate(() => (window as unknown as TabWindow).progress)).filter((p) => p.phase === 'catalog-download');
    const received = visit.reduce((n, r) => n + r.bytes, 0);
    expect(downloads.at(-1)).toEqual({ phase: 'catalog-download', loaded: received, total: received });
    expect(new Set(downloads.map((p) => p.total)).size).toBe(1);
    expect((await page.evaluate(() => (window as unknown as TabWindow).rec.search('glacier crampons', 1)))[0]?.id).toBe('new-3');
    expect((await page.evaluate(() => (window as unknown as TabWindow).rec.status())).historySize).toBe(4);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
