import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { forbidForeignRequestsInEachTest } from './helpers';

// A 100 k-item shop catalogue, built here by the CLI (never committed: test/fixtures/generated/ is ignored), run
// through the real worker of the built library: a cold start that downloads and caches it, then a warm start in a
// fresh page that reads it from the cache without fetching a part again.
const root = resolve(import.meta.dirname, '..');
const folder = join(root, 'test/fixtures/generated/catalog-100k');
const ITEMS = 100_000;

function buildCatalogue(): void {
  if (existsSync(join(folder, 'catalog.json'))) return;
  const input = join(folder, 'input');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  };
  run([join(root, 'bench/generate-build-input.mjs'), input, String(ITEMS), String(2 * ITEMS)]);
  run([join(root, 'packages/cli/dist/pocketrec.js'), 'build', '--items', join(input, 'items.ndjson'), '--interactions', join(input, 'interactions.csv'), '--out', folder, '--encoder', 'lexical', '--sequence', 'off', '--tune-minutes', '0']);
  rmSync(input, { recursive: true, force: true });
}

test.describe('a 100 k-item catalogue', () => {
  forbidForeignRequestsInEachTest();
  // The build takes about 20 s here (untuned: the default two minutes of tuning, which this test does not look at,
  // took the test past its budget on a loaded machine), each start a few seconds.
  test.setTimeout(300_000);

  test('starts cold, recommends and searches, then starts warm from the cache without refetching', async ({ page }) => {
    buildCatalogue();
    const manifest = JSON.parse(readFileSync(join(folder, 'catalog.json'), 'utf8'));
    expect(manifest.itemCount).toBe(ITEMS);
    expect(manifest.parts.embeddings.lexicalFit.documents).toBe(ITEMS);
    // At this size `--vectors auto` shrinks the vectors: the fit keeps the lexical encoder's own dimension, which
    // the projection maps from.
    expect(manifest.parts.projection).toMatchObject({ method: 'pca', dim: manifest.parts.embeddings.dim });
    expect(manifest.parts.embeddings.lexicalFit.df).toHaveLength(manifest.parts.projection.sourceDim);
    const partRequests: string[] = [];
    page.on('request', (r) => {
      if (/\/catalog-100k\/(?!catalog\.json)/.test(r.url())) partRequests.push(r.url());
    });
    const start = (dbName: string) =>
      page.evaluate(async (dbName) => {
        const { createRecommender } = await import('/dist/pocketrec.js' as string);
        const t = performance.now();
        const rec = await createRecommender({ catalog: '/fixtures/catalog-100k/catalog.json', dbName, encoder: 'lexical' });
        const startMs = performance.now() - t;
        const status = await rec.status();
        const first = await rec.recommend({ k: 10 });
        await rec.track({ type: 'view', itemId: first[0]!.id });
        await rec.track({ type: 'add_to_cart', itemId: first[1]!.id });
        const after = await rec.recommend({ k: 10 });
        const found = await rec.search(first[0]!.item.title, 5);
        await rec.dispose();
        type Result = { id: string; item: { title: string }; reason: string };
        return { startMs, status, first: first.map((r: Result) => r.id), after: after.map((r: Result) => ({ id: r.id, title: r.item.title, reason: r.reason })), found: found.map((r: Result) => r.item.title), query: first[0]!.item.title as string };
      }, dbName);

    const dbName = `e2e-100k-${Date.now()}`;
    const cold = await start(dbName);
    expect(cold.status.catalog).toMatchObject({ itemCount: ITEMS, fromCache: false });
    // The worker rebuilt the build's lexical encoder from the shipped counts: its vectors were used, not re-embedded.
    expect(cold.status.encoder.id).toBe(manifest.parts.embeddings.model);
    expect(cold.first).toHaveLength(10);
    expect(cold.after).toHaveLength(10);
    expect(cold.after.every((r: { title: string }) => typeof r.title === 'string' && r.title.length > 0)).toBe(true);
    // Synthetic titles repeat (three words of a small vocabulary): the best match has every word of the query.
    const matches = (run: { found: string[]; query: string }) => run.found.length > 0 && run.query.split(' ').every((w) => run.found[0]!.split(' ').includes(w));
    expect(cold.found).toHaveLength(5);
    expect(matches(cold)).toBe(true);
    expect(partRequests.map((u) => u.split('/').pop()).sort()).toEqual(['columns.bin', 'embeddings.bin', 'items.ndjson', 'projection.bin']);

    partRequests.length = 0;
    await page.reload();
    const warm = await start(dbName);
    expect(warm.status.catalog).toMatchObject({ itemCount: ITEMS, fromCache: true });
    expect(partRequests).toEqual([]);
    // Same catalogue, same history (the two events), same ranking: records read on demand from the cache.
    expect(warm.status.historySize).toBe(2);
    expect(warm.first).toEqual(cold.after.map((r: { id: string }) => r.id));
    // The search index was left in the cache at start and read for this first search.
    expect(matches(warm)).toBe(true);
    console.log(`100 k items: cold start ${cold.startMs.toFixed(0)} ms, warm start ${warm.startMs.toFixed(0)} ms`);
  });
});
