import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { bertReferenceVectors } from '../test/helpers/bert-reference';
import { cosine } from '../test/helpers/cosine';
import { expectedDevice, forbidForeignRequestsInEachTest } from './helpers';

// The tiny BERT model written by scripts/generate-bert-fixture.mjs, served by scripts/serve.mjs under /fixtures/.
const FIXTURE_DIR = join(import.meta.dirname, '..', 'test/fixtures/generated/tiny-bert');
const MODEL = '/fixtures/tiny-bert/';
// transformers.js is an optional peer dependency: the published workers leave it to the site's bundler, so on a plain
// static server the tests run the unpublished worker that bundles it (vite.config.ts, mode `test-worker`).
const WORKER = '/dist/test-worker/pocketrec.worker.js';
const TEXTS = ['camping stove', 'A warm sleeping-bag for WINTER nights!', 'espresso', '', 'Would buy again!', 'café crème', 'Kettle boils fast; the handle gets hot.', '😀 xyzzy'];
const ITEMS = [
  { id: 't1', title: 'Two-person camping tent', category: 'outdoor' },
  { id: 's1', title: 'Camping stove', category: 'outdoor' },
  { id: 'c1', title: 'Dark roast espresso beans', category: 'coffee' },
  { id: 'k1', title: 'Fast kettle', category: 'kitchen' },
];

interface Run {
  status: { encoder: { id: string; device: string; dim: number; skipped: Array<{ device: string; reason: string }> } };
  vectors: number[][];
  searchIds: string[];
}

/** Starts a recommender with `encoder` on the page, embeds TEXTS, searches once and disposes it. */
async function runOnPage(page: Page, encoder: object, dbName: string, workerUrl = WORKER): Promise<Run> {
  return page.evaluate(
    async ({ encoder, dbName, texts, items, workerUrl }) => {
      const { createRecommender } = await import('/dist/pocketrec.js' as string);
      const rec = await createRecommender({ catalog: items, dbName, encoder, workerUrl });
      try {
        const status = await rec.status();
        const vectors = (await rec.embed(texts)).map((v: Float32Array) => Array.from(v));
        const searchIds = (await rec.search('espresso', 2)).map((r: { id: string }) => r.id);
        return { status, vectors, searchIds };
      } finally {
        rec.dispose();
      }
    },
    { encoder, dbName, texts: TEXTS, items: ITEMS, workerUrl },
  );
}


test.describe('transformers.js encoder on a self-hosted model', () => {
  forbidForeignRequestsInEachTest();

  test('runs in the worker, gives the vectors ONNX Runtime gives in Node, and loads from Cache Storage the second time', async ({ page }, info) => {
    const modelRequests: string[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith(MODEL) || path.startsWith('/dist/test-worker/transformers-ort/')) modelRequests.push(path);
    });
    const first = await runOnPage(page, { type: 'transformers', model: MODEL }, 'tf-first');
    expect(first.status.encoder).toMatchObject({ id: `transformers:${MODEL}@fp32`, dim: 32, device: expectedDevice(info.project.name) });
    if (info.project.name !== 'webgpu') expect(first.status.encoder.skipped).toEqual([{ device: 'webgpu', reason: expect.stringMatching(/WebGPU|navigator\.gpu/) }]);
    expect(first.searchIds).toHaveLength(2);

    const reference = await bertReferenceVectors(FIXTURE_DIR, TEXTS);
    TEXTS.forEach((text, i) => {
      const v = first.vectors[i]!;
      expect(v, JSON.stringify(text)).toHaveLength(32);
      expect(Math.hypot(...v), `norm of ${JSON.stringify(text)}`).toBeCloseTo(1, 5);
      expect(cosine(v, reference[i]!), `browser vs node: ${JSON.stringify(text)}`).toBeGreaterThanOrEqual(0.999);
    });
    // The model tells texts apart (a constant output would pass the checks above for one text only).
    expect(cosine(first.vectors[0]!, first.vectors[2]!)).toBeLessThan(0.95);

    // The first start fetched the model and the runtime from this site; the second fetches neither.
    expect(modelRequests).toEqual(expect.arrayContaining([`${MODEL}config.json`, `${MODEL}tokenizer.json`, `${MODEL}onnx/model.onnx`, '/dist/test-worker/transformers-ort/ort-wasm-simd-threaded.asyncify.wasm']));
    const cached = await page.evaluate(async () => (await (await caches.open('transformers-cache')).keys()).map((r) => new URL(r.url).pathname));
    expect(cached).toEqual(expect.arrayContaining([`${MODEL}onnx/model.onnx`, '/dist/test-worker/transformers-ort/ort-wasm-simd-threaded.asyncify.wasm']));
    modelRequests.length = 0;
    const second = await runOnPage(page, { type: 'transformers', model: MODEL }, 'tf-second');
    expect(modelRequests, 'model and runtime requests on the second start').toEqual([]);
    expect(second.status.encoder.id).toBe(first.status.encoder.id);
    TEXTS.forEach((_, i) => expect(cosine(second.vectors[i]!, first.vectors[i]!)).toBeGreaterThanOrEqual(0.99999));
  });

  test('dtype q8 loads onnx/model_quantized.onnx on the device it is given', async ({ page }) => {
    const run = await runOnPage(page, { type: 'transformers', model: MODEL, dtype: 'q8', device: 'wasm' }, 'tf-q8');
    expect(run.status.encoder).toMatchObject({ id: `transformers:${MODEL}@q8`, dim: 32, device: 'wasm', skipped: [] });
    const reference = await bertReferenceVectors(FIXTURE_DIR, TEXTS, 'onnx/model_quantized.onnx');
    TEXTS.forEach((text, i) => expect(cosine(run.vectors[i]!, reference[i]!), JSON.stringify(text)).toBeGreaterThanOrEqual(0.999));
  });

  test('a wrong model URL falls back to the lexical encoder and says why', async ({ page }) => {
    const run = await runOnPage(page, { type: 'transformers', model: '/fixtures/no-such-model/', device: 'wasm' }, 'tf-missing');
    expect(run.status.encoder.id).toMatch(/^lexical/);
    expect(run.status.encoder.skipped).toEqual([{ device: 'wasm', reason: expect.stringContaining('/fixtures/no-such-model/') }]);
    expect(run.searchIds[0]).toBe('c1');
  });

  test('the published default worker, which does not carry transformers.js, says which worker to use instead', async ({ page }) => {
    const run = await runOnPage(page, { type: 'transformers', model: MODEL, device: 'wasm' }, 'tf-absent', '/dist/pocketrec.worker.js');
    expect(run.status.encoder.id).toMatch(/^lexical/);
    expect(run.status.encoder.skipped).toEqual([{ device: 'wasm', reason: expect.stringContaining('pocketrec/worker-transformers') }]);
    expect(run.searchIds[0]).toBe('c1');
  });
});
