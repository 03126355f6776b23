import { expect, test } from '@playwright/test';
import { readFile, stat } from 'node:fs/promises';
import { expectedDevice, forbidForeignRequestsInEachTest } from './helpers';

/** The encoder's files and the ONNX runtime (its JS chunk, `.mjs` and `.wasm`), as the worker requests them. */
const ENCODER = /\/dist\/models\//;
const RUNTIME = /\/dist\/ort[.-]/;

interface Seen {
  path: string;
  at: number;
}

// The demo catalogue ships the bundled encoder's embeddings and a sequence model: the first recommendation needs
// the catalogue alone, a search loads the encoder, the sequence model opens after start-up.
test.describe('lazy start-up on the demo catalogue', () => {
  forbidForeignRequestsInEachTest();

  test('recommends before any encoder or runtime request; a search then loads the encoder; the sequence model joins after', async ({ page }, info) => {
    const manifest = JSON.parse(await readFile('public/catalog/catalog.json', 'utf8'));
    const ids: string[] = JSON.parse(await readFile('public/catalog/sequence-items.json', 'utf8'));
    const requests: Seen[] = [];
    page.on('request', (r) => void requests.push({ path: new URL(r.url()).pathname, at: Date.now() }));
    const mark = () => page.evaluate(() => Date.now());

    const run = await page.evaluate(async (ids) => {
      const { createRecommender } = await import('/dist/pocketrec.js' as string);
      const progress: Array<{ phase: string; loaded: number; total: number }> = [];
      const rec = await createRecommender({ catalog: '/catalog/catalog.json', dbName: 'lazy-start', onProgress: (p: { phase: string; loaded: number; total: number }) => progress.push({ ...p }) });
      const first = await rec.recommend({ k: 5 });
      const firstAt = Date.now();
      const atFirst = await rec.status();
      // The cache write waits for the sequence model's files: once it ended, they are all in.
      while ((await rec.status()).catalog.cacheWrite.state === 'pending') await new Promise((resolve) => setTimeout(resolve, 50));
      const afterWrite = await rec.status();
      // Opened once its files are in: the runtime it needs has been fetched by then.
      await rec.ready('sequence');
      return { firstAt, first: first.length as number, atFirst, afterWrite, progress, ids };
    }, ids);
    const before = (t: number) => requests.filter((r) => r.at <= t).map((r) => r.path);

    expect(run.first).toBe(5);
    // Nothing of the encoder was asked for before the first recommendation; the sequence model's files only once
    // every part had arrived, and the runtime (for the sequence model) only once they had: neither takes bandwidth
    // from what comes before it.
    expect(before(run.firstAt).filter((p) => ENCODER.test(p))).toEqual([]);
    // The order as the worker saw it, on its own clock (its Resource Timing): a request starts there only after
    // the worker read what it waits for. The DevTools events of two requests (requestfinished of one, request of
    // the next) may reach the test in either order, so they cannot tell.
    const worker = page.workers().find((w) => w.url().includes('pocketrec.worker'));
    expect(worker, 'the PocketRec worker').toBeDefined();
    const fetched: Array<{ path: string; start: number; end: number }> = await worker!.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((e) => ({ path: new URL(e.name).pathname, start: e.startTime, end: e.responseEnd })),
    );
    const SEQUENCE = /^\/catalog\/sequence[.-]/;
    const partFiles = fetched.filter((f) => f.path.startsWith('/catalog/') && f.path !== '/catalog/catalog.json' && !SEQUENCE.test(f.path));
    const sequenceFiles = fetched.filter((f) => SEQUENCE.test(f.path));
    const runtimeFiles = fetched.filter((f) => RUNTIME.test(f.path));
    const shown = JSON.stringify(fetched);
    expect(partFiles.map((f) => f.path).sort(), shown).toEqual(['/catalog/columns.bin', '/catalog/embeddings.bin', '/catalog/items.ndjson']);
    expect(sequenceFiles, shown).toHaveLength(3);
    expect(runtimeFiles.length, shown).toBeGreaterThan(0);
    expect(Math.min(...sequenceFiles.map((f) => f.start)), shown).toBeGreaterThanOrEqual(Math.max(...partFiles.map((f) => f.end)));
    expect(Math.min(...runtimeFiles.map((f) => f.start)), shown).toBeGreaterThanOrEqual(Math.max(...sequenceFiles.map((f) => f.end)));
    expect(run.atFirst.encoder).toMatchObject({ state: 'idle', id: null, device: null });
    expect(['loading', 'ready']).toContain(run.atFirst.sequence.state);
    expect(run.afterWrite.catalog.cacheWrite).toMatchObject({ state: 'written', ok: true });

    // Every byte of the parts is in the start-up progress, against a total fixed from the first event; the
    // sequence model's files in their own count, which may go on after ready.
    const manifestBytes = (await readFile('public/catalog/catalog.json')).byteLength;
    const { parts, sequence } = manifest;
    const counted = (phase: string, total: number) => {
      const events = run.progress.filter((p) => p.phase === phase);
      expect(events[0]).toMatchObject({ total });
      events.reduce((prev, p) => (expect(p.loaded).toBeGreaterThanOrEqual(prev), expect(p.total).toBe(total), p.loaded), 0);
      expect(events.at(-1)).toMatchObject({ loaded: total, total });
    };
    counted('catalog-download', manifestBytes + parts.columns.bytes + parts.records.bytes + parts.embeddings.bytes);
    counted('sequence-download', sequence.bytes + sequence.table.bytes + sequence.itemsBytes);
    const ready = run.progress.findIndex((p) => p.phase === 'ready');
    expect(ready).toBeGreaterThan(run.progress.map((p) => p.phase).lastIndexOf('catalog-download'));
    expect(run.progress.slice(ready + 1).filter((p) => !['sequence-download', 'runtime-download'].includes(p.phase))).toEqual([]);

    // The sequence model opens after start-up; rankings use it once it is there.
    const withSequence = await page.evaluate(async (ids) => {
      const { createRecommender } = await import('/dist/pocketrec.js' as string);
      const progress: Array<{ phase: string; loaded: number; total: number }> = [];
      const rec = await createRecommender({ catalog: '/catalog/catalog.json', dbName: 'lazy-start', onProgress: (p: { phase: string; loaded: number; total: number }) => progress.push({ ...p }) });
      await rec.ready('sequence');
      for (const itemId of ids.slice(0, 3)) await rec.track({ type: 'view', itemId });
      await rec.recommend({ k: 5 });
      const status = await rec.status();
      rec.dispose();
      return { ...status, progress };
    }, ids);
    // The runtime's binary downloads after ready, and its bytes are in the progress too: total fixed, reached.
    const after: Array<{ phase: string; loaded: number; total: number }> = withSequence.progress;
    const runtime = after.filter((p) => p.phase === 'runtime-download');
    // On WebGPU the worker takes the JSEP runtime (served here beside the worker), otherwise the plain WASM one.
    const wasmBytes = (await stat(info.project.name === 'webgpu' ? 'dist/ort-wasm-simd-threaded.jsep.wasm' : 'dist/ort-wasm-simd-threaded.wasm')).size;
    expect(after.findIndex((p) => p.phase === 'ready')).toBeLessThan(after.findIndex((p) => p.phase === 'runtime-download'));
    runtime.reduce((prev, p) => (expect(p.loaded).toBeGreaterThanOrEqual(prev), expect(p.total).toBe(wasmBytes), p.loaded), 0);
    expect(runtime.at(-1)).toMatchObject({ loaded: wasmBytes, total: wasmBytes });
    expect(withSequence.sequence).toMatchObject({ state: 'ready', device: expectedDevice(info.project.name), usedByLastRank: true });
    expect(withSequence.counts.sequenceRuns).toBe(1);
    expect(withSequence.encoder.state).toBe('idle');

    // A search is the first text: it loads the encoder, and its answer comes from it.
    const beforeSearch = await mark();
    const searched = await page.evaluate(async () => {
      const { createRecommender } = await import('/dist/pocketrec.js' as string);
      const rec = await createRecommender({ catalog: '/catalog/catalog.json', dbName: 'lazy-search' });
      const idle = (await rec.status()).encoder.state;
      const found = await rec.search('espresso beans', 3);
      const status = await rec.status();
      rec.dispose();
      return { idle, found: found.length as number, encoder: status.encoder };
    });
    expect(before(beforeSearch).filter((p) => ENCODER.test(p))).toEqual([]);
    expect(searched.idle).toBe('idle');
    expect(searched.found).toBe(3);
    expect(searched.encoder).toMatchObject({ state: 'ready', id: manifest.parts.embeddings.model, device: expectedDevice(info.project.name), languages: ['en'] });
    expect(requests.filter((r) => r.at > beforeSearch && ENCODER.test(r.path)).length).toBeGreaterThan(0);
  });

  test("ready('encoder') loads the encoder without any text; a bad part name is a coded error", async ({ page }, info) => {
    const run = await page.evaluate(async () => {
      const { createRecommender } = await import('/dist/pocketrec.js' as string);
      const rec = await createRecommender({ catalog: '/catalog/catalog.json', dbName: 'lazy-ready' });
      const idle = (await rec.status()).encoder.state;
      await rec.ready('catalog');
      await rec.ready('encoder');
      const status = await rec.status();
      const bad = await rec.ready('vectors').then(() => null, (e: { code: string; message: string }) => ({ code: e.code, message: e.message }));
      rec.dispose();
      return { idle, encoder: status.encoder, lexicalOnlyTexts: status.encoder.lexicalOnlyTexts, bad };
    });
    expect(run.idle).toBe('idle');
    expect(run.encoder).toMatchObject({ state: 'ready', id: expect.stringMatching(/^use-lite-int8@/), device: expectedDevice(info.project.name) });
    expect(run.bad).toMatchObject({ code: 'invalid-option', message: expect.stringContaining("'catalog', 'encoder' or 'sequence'") });
  });
});
