#!/usr/bin/env node
// `npm run bench` (scale part): PocketRec on synthetic shop catalogues of 10 k, 100 k and 1 M items, built by
// `pocketrec build --encoder lexical` and driven through the built library in headless Chromium. Prints numbers and
// side-by-side ratios against an exact int8 top-10 scan of the same N × d, never pass/fail.
// Usage: node bench/scale/run.mjs [sizes, e.g. 10000,100000]   (catalogues are kept in bench/results/scale/)
// Each size runs with the vectors the build chooses (`--vectors auto`: full below 100 k items, PCA above) and,
// where that shrank them, with full 512-dim vectors beside it for comparison (BENCH_VECTORS=auto to skip those).
// Memory is the renderer's (the page and its workers share it), read from /proc at set points: the cold visit's peak
// once the cache write behind ready is over and before the yardstick's worker (a second N × d matrix) exists, and
// the warm start's peak up to its first recommendation; "worker" is that peak less the idle page. The cold start's
// yardstick is the download alone: every part fetched at once by the page and dropped.
// Last measured (commit bf509fa, load average under 1, one run each): 1 M items, 128 dims: download 2.36 s, cold
// start 5.11 s (download + 2.75 s), warm start 0.61 s, cold peak 692 MB (1.52×; worker 1.25×), warm peak 604 MB
// (worker 1.05×), cache written 2.0 s after ready; recommend p95 30.7 ms, 1.10× the exact scan's 25.4 ms; track
// p50/p95 1.0/1.5 ms. 10 k (512 dims): recommend p95 4.8 ms (worker 2.3 ms), 2.87× the scan's 0.8 ms; track p95
// 1.8 ms. 100 k (256 dims): recommend p95 9.6 ms (worker 8.3 ms), 1.66× the scan's 5.0 ms; track p95 1.8 ms.
// Before, at 1 M items, 128 dims (PCA; binary parts 456 MB, records 458 MB), shared 2-core machine, load
// average 7–9: download 3.2–3.4 s, cold start 8.6–9.3 s (download + 5.4–5.9 s), warm start 0.9–1.4 s; cold peak
// 700–703 MB (1.54× the binary parts; worker 1.19×), warm peak 574–609 MB (worker 0.91–0.99×), cache written
// 3.0–3.2 s after ready. Before the records streamed into their file and each download read into one buffer: cold
// peak 1250–1286 MB (worker 2.47–2.54×), 1280 MB resident after the cold visit, cache written 8.7–10.1 s after
// ready, cold start download + 4.1 s.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { rolldown } from 'rolldown';
import { chromium } from '@playwright/test';
import { rendererMemory } from '../renderer-memory.mjs';

const root = resolve(import.meta.dirname, '../..');
const sizes = (process.argv[2] ?? process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const work = join(root, 'bench/results/scale');
mkdirSync(work, { recursive: true });
const cli = [join(root, 'packages/cli/dist/pocketrec.js'), join(root, 'dist/cli/pocketrec.js')].find(existsSync);
if (!cli) throw new Error('bench/scale: build the CLI first (npm run build:cli)');

const vectorRuns = (process.env.BENCH_VECTORS ?? 'auto,full').split(',');
/** `auto` shrinks from 100 k items on (src/cli/build/vectors.ts); below that, `full` would measure the same build twice. */
const runsOf = (n) => vectorRuns.filter((v) => v !== 'full' || n >= 100_000 || !vectorRuns.includes('auto'));

/** Builds (once) the catalogue of `n` items with about two logged events per item. */
function catalogueOf(n, vectors) {
  const name = `${n}-${vectors}`;
  const dir = join(work, name);
  if (existsSync(join(dir, 'catalog', 'catalog.json'))) return dir;
  const input = join(dir, 'input');
  run(process.execPath, [join(root, 'bench/generate-build-input.mjs'), input, String(n), String(2 * n)]);
  const t = Date.now();
  run(process.execPath, [cli, 'build', '--items', join(input, 'items.ndjson'), '--interactions', join(input, 'interactions.csv'), '--out', join(dir, 'catalog'), '--encoder', 'lexical', '--sequence', 'off', '--vectors', vectors]);
  writeFileSync(join(dir, 'build.json'), JSON.stringify({ buildMs: Date.now() - t }));
  rmSync(input, { recursive: true, force: true });
  return dir;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`bench/scale: ${args.slice(0, 2).join(' ')} failed`);
}

/** The largest renderer (the page with its workers) of one browser. */
const peakOf = (renderers) => renderers.reduce((m, r) => ({ rssMB: Math.max(m.rssMB, r.rssMB), peakMB: Math.max(m.peakMB, r.peakMB) }), { rssMB: 0, peakMB: 0 });

const bundle = await rolldown({ input: join(root, 'bench/scale/scan-worker.ts'), platform: 'browser' });
writeFileSync(join(work, 'scan-worker.js'), (await bundle.generate({ format: 'esm' })).output[0].code);

// A fixed port (BENCH_PORT) so that parallel runs on one machine can be kept apart.
const port = Number(process.env.BENCH_PORT ?? 4299);
const server = spawn(process.execPath, [join(root, 'scripts/serve.mjs'), '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((ok) => server.stdout.once('data', ok));
const results = [];
try {
  for (const [n, vectors] of sizes.flatMap((n) => runsOf(n).map((v) => [n, v]))) {
    const dir = catalogueOf(n, vectors);
    const name = dir.slice(work.length + 1);
    const manifest = JSON.parse(readFileSync(join(dir, 'catalog', 'catalog.json'), 'utf8'));
    const partBytes = Object.fromEntries(Object.entries(manifest.parts ?? {}).map(([k, p]) => [k, p.bytes]));
    const binaryBytes = (partBytes.columns ?? 0) + (partBytes.embeddings ?? 0) + (partBytes.projection ?? 0);
    const records = readFileSync(join(dir, 'catalog', manifest.parts.records.url), 'utf8').split('\n', 40).filter(Boolean).map((l) => JSON.parse(l));
    const profileDir = mkdtempSync(join(tmpdir(), 'pocketrec-scale-'));
    const context = await chromium.launchPersistentContext(profileDir, {
      headless: true,
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await context.newPage();
      // Peak (VmHWM) and resident memory of the renderer holding the page and its workers; `reset` restarts the
      // peak from the current resident size (clear_refs 5), so each phase has a peak of its own.
      await page.exposeFunction('benchMemory', (reset) => {
        const renderers = rendererMemory(profileDir);
        if (reset) for (const r of renderers) writeFileSync(`/proc/${r.pid}/clear_refs`, '5');
        return peakOf(renderers);
      });
      await page.goto(`http://127.0.0.1:${port}/bench/scale/page.html`);
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      const result = await page.evaluate((s) => window.runScale(s), {
        name,
        catalog: `/bench/results/scale/${name}/catalog/catalog.json`,
        ids: records.map((r) => r.id),
        queries: records.slice(0, 10).map((r) => r.title.split(' ').slice(0, 2).join(' ')),
        // Enough rounds that a p95 is a percentile on a shared, loaded machine, not its one worst stall.
        rounds: Number(process.env.BENCH_ROUNDS ?? (n >= 1_000_000 ? 20 : 100)),
      });
      results.push({ ...result, vectors, partBytes, binaryBytes, build: JSON.parse(readFileSync(join(dir, 'build.json'), 'utf8')) });
    } finally {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    }
  }
} finally {
  server.kill();
}

const f = (x) => (x == null ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(2));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '–');
const mb = (m) => (m ? m.toFixed(0) : '–');
/** Peak MB of a phase, and over the binary parts: the renderer's, and the worker's (the renderer less the idle page). */
const peak = (r, m) => `${mb(m?.peakMB)} (${ratio(m?.peakMB * 2 ** 20, r.binaryBytes)}, ${ratio((m?.peakMB - r.pageMemory?.rssMB) * 2 ** 20, r.binaryBytes)})`;
console.log('\nitems      dim  download  cold start (− download)  warm start  binary MB  records MB  page MB  cold peak MB (÷ binary: renderer, worker)  resident after cold  warm peak MB (÷ binary)  cache write after ready');
for (const r of results) {
  console.log(
    `${String(r.items).padEnd(9)} ${String(r.dim).padStart(4)}  ${f(r.downloadMs).padStart(6)}ms  ${f(r.coldStartMs).padStart(8)}ms (${f(r.coldStartMs - r.downloadMs).padStart(6)}ms)  ${f(r.warmStartMs).padStart(8)}ms  ${mb(r.binaryBytes / 2 ** 20).padStart(9)}  ${mb((r.partBytes.records ?? 0) / 2 ** 20).padStart(10)}  ${mb(r.pageMemory?.rssMB).padStart(7)}  ` +
      `${peak(r, r.coldMemory).padStart(40)}  ${mb(r.coldMemory?.rssMB).padStart(19)}  ${peak(r, r.warmMemory).padStart(22)}  ${f(r.cacheWriteMs)}ms (${r.cacheWrite?.state ?? '–'})`,
  );
}
console.log('\nitems      dim  recommend p50/p95 (in worker p95)  ÷ exact scan p95 (p50 ÷ p50)  after search p50/p95  search p50/p95  similar p50/p95  track p50/p95');
for (const r of results) {
  const a = r.recommendAfterHistory;
  const b = r.recommendAfterSearch;
  console.log(
    `${String(r.items).padEnd(9)} ${String(r.dim).padStart(4)}  ` +
      `${f(a.call.p50)}/${f(a.call.p95)}ms (${f(a.inWorker.p95)}ms)   ${ratio(a.inWorker.p95, a.scan.p95)} of ${f(a.scan.p95)}ms (p50 ${ratio(a.inWorker.p50, a.scan.p50)})   ` +
      `${f(b.call.p50)}/${f(b.call.p95)}ms   ${f(r.search.p50)}/${f(r.search.p95)}ms   ${f(r.similar.p50)}/${f(r.similar.p95)}ms   ${f(r.track.p50)}/${f(r.track.p95)}ms`,
  );
}
const out = join(root, 'bench/results', `scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
console.log(`\nbench/scale: wrote ${out}`);
