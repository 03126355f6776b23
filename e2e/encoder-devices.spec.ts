import { expect, test } from '@playwright/test';
import { loadNodeEncoder } from '../src/cli/model';
import { cosine } from '../test/helpers/cosine';

const TEXTS = ['camping stove', 'a warm sleeping bag for winter nights', 'espresso', '', 'Would buy again!'];

// Runs in the "webgpu" project only (see playwright.config.ts): it needs the adapter that project exposes.
test('WebGPU, WASM in the browser and WASM in Node give the same vectors', async ({ page }) => {
  await page.goto('/esm.html');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  const browser = await page.evaluate(async (texts) => {
    const { createRecommender } = await import('/dist/pocketrec.js' as string);
    const run = async (device: 'webgpu' | 'wasm') => {
      const rec = await createRecommender({ catalog: '/catalog/catalog.json', dbName: `devices-${device}`, devices: [device] });
      const status = await rec.status();
      const vectors = (await rec.embed(texts)).map((v: Float32Array) => Array.from(v));
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
