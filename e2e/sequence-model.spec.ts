import { waitForDemoReady } from './helpers';
import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';

// The demo catalogue ships a sequence model that `npm run build:demo` trained on the demo's own generated logs.
test('the catalogue sequence model runs on the preferred device and follows every event', async ({ page }, info) => {
  const manifest = JSON.parse(await readFile('public/catalog/catalog.json', 'utf8'));
  const ids: string[] = JSON.parse(await readFile('public/catalog/sequence-items.json', 'utf8'));
  await page.goto('/esm.html');
  await waitForDemoReady(page);
  const result = await page.evaluate(async (ids) => {
    const { createRecommender } = await import('/dist/pocketrec.js' as string);
    const rec = await createRecommender({ catalog: '/catalog/catalog.json', dbName: 'sequence-e2e' });
    // It opens after start-up: ready('sequence') waits for it.
    await rec.ready('sequence');
    const before = await rec.status();
    for (const itemId of ids.slice(0, 3)) await rec.track({ type: 'view', itemId });
    const recommendations = await rec.recommend({ k: 5 });
    const after = await rec.status();
    rec.dispose();
    // A catalogue without a model keeps the heuristic engine.
    const plain = await createRecommender({ catalog: [{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }], dbName: 'sequence-e2e-plain', encoder: 'lexical' });
    await plain.track({ type: 'view', itemId: 'a' });
    const plainStatus = await plain.status();
    const plainRecs = await plain.recommend({ k: 1 });
    plain.dispose();
    return { before, after, count: recommendations.length, plain: { sequence: plainStatus.sequence, recs: plainRecs.map((r: { id: string }) => r.id) } };
  }, ids);

  const expected = info.project.name === 'webgpu' ? 'webgpu' : 'wasm';
  expect(result.before.sequence).toMatchObject({ state: 'ready', reason: null, version: manifest.sequence.sha256.slice(0, 12), bytes: manifest.sequence.bytes, dtype: 'int8', device: expected, usedByLastRank: false });
  expect(result.before.sequence.training.validNdcg10).toBeGreaterThan(0);
  if (expected === 'wasm') expect(result.before.sequence.skipped[0]).toMatchObject({ device: 'webgpu', reason: expect.stringMatching(/adapter|navigator\.gpu/) });
  // No history yet, so nothing to run; the recommendation after the views ran the model over them, once.
  expect(result.before.timings.lastSequenceMs).toBeNull();
  expect(result.after.timings.lastSequenceMs).toBeGreaterThan(0);
  expect(result.after.counts.sequenceRuns).toBe(1);
  expect(result.after.sequence.usedByLastRank).toBe(true);
  expect(result.count).toBe(5);
  expect(result.plain).toEqual({ sequence: null, recs: ['b'] });
});
