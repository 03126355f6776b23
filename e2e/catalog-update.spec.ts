import { createHash } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { catalogFiles } from '../test/helpers/catalog-files';
import { SMALL_CATALOG } from '../test/fixtures/small-catalog';

interface Change {
  outcome: string;
  trigger: string;
  version: string;
}
interface Rec {
  track(e: object): Promise<void>;
  search(query: string, k: number): Promise<Array<{ id: string }>>;
  recommend(r?: object): Promise<Array<{ id: string }>>;
  updateCatalog(source?: string): Promise<Change>;
  onCatalogChange(listener: (c: Change) => void): () => void;
  status(): Promise<{ historySize: number; catalog: { version: string; itemCount: number; lastUpdate: Change | null } }>;
}
type TabWindow = { rec: Rec; changes: Change[] };

const DB = `catalog-update-${Date.now()}`;
const NOW = Date.parse('2026-06-01T12:00:00Z');

/** A tab of the site with its own recommender on the shared database and the site's catalogue URL. */
async function openTab(page: Page): Promise<void> {
  await page.goto('/blank.html');
  await page.evaluate(async (db) => {
    const { createRecommender } = await import('/dist/pocketrec.js' as string);
    const w = window as unknown as TabWindow;
    w.rec = await createRecommender({ catalog: '/live-catalog/catalog.json', dbName: db, encoder: 'lexical' });
    w.changes = [];
    w.rec.onCatalogChange((c: Change) => w.changes.push(c));
  }, DB);
}

const status = (page: Page) => page.evaluate(() => (window as unknown as TabWindow).rec.status());

test('a catalogue swap in one tab reaches the other, which takes it from the shared cache without downloading', async ({ context, page }) => {
  // The site's catalogue, served by the test so that it can deploy a new version while both tabs run.
  const files = new Map<string, Uint8Array>();
  const requests: string[] = [];
  const deploy = async (items: typeof SMALL_CATALOG, version: string) => {
    for (const [path, body] of Object.entries(await catalogFiles(items, version))) files.set(path, body);
  };
  await context.route('**/live-catalog/**', async (route) => {
    const path = new URL(route.request().url()).pathname.replace(/^\/live-catalog\//, '');
    const body = files.get(path);
    if (!body) return route.fulfill({ status: 404, body: '' });
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    const fresh = (await route.request().headerValue('if-none-match')) === etag;
    requests.push(`${path} ${fresh ? 304 : 200}`);
    if (fresh) return route.fulfill({ status: 304, headers: { ETag: etag } });
    return route.fulfill({ status: 200, body: Buffer.from(body), headers: { ETag: etag, 'Content-Type': 'application/octet-stream' } });
  });
  await deploy(SMALL_CATALOG, 'v1');

  const other = await context.newPage();
  await openTab(page);
  await openTab(other);
  await page.evaluate((now) => (window as unknown as TabWindow).rec.track({ type: 'view', itemId: 't1', ts: now }), NOW);
  await expect.poll(async () => (await status(other)).historySize).toBe(1);

  // A deploy that changes one description. Tab A updates; the embeddings (same sha256) are not downloaded.
  await deploy(SMALL_CATALOG.map((i) => (i.id === 'b1' ? { ...i, description: 'A mystery set in a lighthouse, now in paperback.' } : i)), 'v2');
  const before = requests.length;
  const change = await page.evaluate(() => (window as unknown as TabWindow).rec.updateCatalog());
  expect(change).toMatchObject({ outcome: 'updated', trigger: 'update', version: 'v2' });
  const tabA = requests.slice(before);
  expect(tabA).toContain('v2/items.ndjson 200');
  expect(tabA.some((r) => r.startsWith('v2/embeddings.bin'))).toBe(false);

  // Tab B follows through the BroadcastChannel and reads v2 from the IndexedDB cache tab A filled: no request.
  await expect.poll(async () => (await status(other)).catalog.version).toBe('v2');
  const changesB = await other.evaluate(() => (window as unknown as TabWindow).changes);
  expect(changesB).toEqual([expect.objectContaining({ outcome: 'updated', trigger: 'other-tab', version: 'v2' })]);
  expect(requests.slice(before)).toEqual(tabA);
  const [a, b] = [await status(page), await status(other)];
  expect(b.catalog.itemCount).toBe(20);
  expect(b.historySize).toBe(a.historySize);
  // Both tabs answer from the same catalogue and the same history.
  expect((await other.evaluate(() => (window as unknown as TabWindow).rec.search('lighthouse paperback', 1)))[0]?.id).toBe('b1');
  const recommendAt = (p: Page) => p.evaluate((now) => (window as unknown as TabWindow).rec.recommend({ k: 8, now }), NOW + 60_000);
  expect(await recommendAt(other)).toEqual(await recommendAt(page));
});
