import { waitForDemoReady } from './helpers';
import { expect, test } from '@playwright/test';
import { loadNodeEncoder } from '../src/cli/model';
import { cosine } from '../test/helpers/cosine';

const TEXTS = ['camping stove', 'a warm sleeping bag for winter nights', 'espresso', '', 'Would buy again!'];

// Runs in the "webgpu" project only (see playwright.config.ts): it needs the adapter that project exposes.
test('WebGPU, WASM in the browser and WASM in Node give the same vectors', async ({ page }) => {
  await page.goto('/esm.html');
  await waitForDemoReady(page);
  const browser = await page.evaluate(async (texts) => {
    const { createRecommender } = await import('/dist/pocketrec.js' as string);
    const run = async (device: 'webgpu' | 'wasm') => {
      const rec = await createRecommender({ catalog: '/catalog/catalog.json', dbName: `devices-${device}`, devices: [device] });
      // The demo catalogue ships its embeddings: the encoder loads on the first text, here this embed().
      const vectors = (await rec.embed(texts)).map((v: Float32Array) => Array.from(v));
      const status = await rec.status();
      rec.dispose();
      return { device: status.encoder.device as string, vectors };
    };
    return [await run('webgpu'), await run('wasm')];
  }, TEXTS);
  expect(browser.map((b) => b.device)).toEqual(['webgpu', 'wasm']);
  const node = await loadNodeEncoder('models/build');
  const nodeVectors = await node!.embed(TEXTS);
  await node!.dispose();
  TEXTS.forEach((text, i) => {
    expect(cosine(browser[0]!.vectors[i]!, browser[1]!.vectors[i]!), `webgpu vs wasm: ${JSON.stringify(text)}`).toBeGreaterThanOrEqual(0.999);
    expect(cosine(browser[1]!.vectors[i]!, nodeVectors[i]!), `browser vs node: ${JSON.stringify(text)}`).toBeGreaterThanOrEqual(0.999);
  });
});

// The published package leaves the 28 MB WebGPU runtime out; a site that does not serve it gets WASM and a reason.
test('without the WebGPU runtime served, the encoder runs on WASM and status() says how to turn WebGPU on', async ({ page }) => {
  const jsepRequests: string[] = [];
  await page.route('**/ort-wasm-simd-threaded.jsep.*', (route) => (jsepRequests.push(`${route.request().method()} ${new URL(route.request().url()).pathname}`), route.fulfill({ status: 404, body: 'not found' })));
  await page.goto('/esm.html');
  await waitForDemoReady(page);
  const status = await page.evaluate(async () => {
    const { createRecommender } = await import('/dist/pocketrec.js' as string);
    const rec = await createRecommender({ catalog: '/catalog/catalog.json', dbName: 'devices-no-jsep', devices: ['webgpu', 'wasm'] });
    await rec.embed(['camping stove']);
    const status = await rec.status();
    rec.dispose();
    return status.encoder as { device: string; skipped: Array<{ device: string; reason: string }> };
  });
  expect(status.device).toBe('wasm');
  expect(status.skipped).toEqual([{ device: 'webgpu', reason: expect.stringMatching(/ort-wasm-simd-threaded\.jsep\.wasm answered HTTP 404.*copy/) }]);
  // A HEAD probe per recommender (the page starts one of its own), never the 28 MB download.
  expect(jsepRequests.length).toBeGreaterThan(0);
  expect(new Set(jsepRequests)).toEqual(new Set(['HEAD /dist/ort-wasm-simd-threaded.jsep.wasm']));
});
