#!/usr/bin/env node
// `npm run bench` (scale part): PocketRec on synthetic shop catalogues of 10 k, 100 k and 1 M items, built by
// `pocketrec build --encoder lexical` and driven through the built library in headless Chromium. Prints numbers and
// side-by-side ratios against an exact int8 top-10 scan of the same N × d, never pass/fail.
// Usage: node bench/scale/run.mjs [sizes, e.g. 10000,100000]   (catalogues are kept in bench/results/scale/)
// Each size runs with the vectors the build chooses (`--vectors auto`: full below 100 k items, PCA above) and,
// where that shrank them, with full 512-dim vectors beside it for comparison (BENCH_VECTORS=auto to skip those).
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
      results.push({ ...result, vectors, partBytes, binaryBytes, build: JSON.parse(readFileSync(join(dir, 'build.json'), 'utf8')), memory: peakOf(rendererMemory(profileDir)) });
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
console.log('\nitems      dim  cold start  warm start  recommend p50/p95 (in worker p95)  ÷ exact scan p95 (p50 ÷ p50)  after search p50/p95  search p50/p95  similar p50/p95  track p50/p95  binary MB  renderer peak MB');
for (const r of results) {
  const a = r.recommendAfterHistory;
  const b = r.recommendAfterSearch;
  console.log(
    `${String(r.items).padEnd(9)} ${String(r.dim).padStart(4)}  ${f(r.coldStartMs).padStart(8)}ms  ${f(r.warmStartMs).padStart(8)}ms  ` +
      `${f(a.call.p50)}/${f(a.call.p95)}ms (${f(a.inWorker.p95)}ms)   ${ratio(a.inWorker.p95, a.scan.p95)} of ${f(a.scan.p95)}ms (p50 ${ratio(a.inWorker.p50, a.scan.p50)})   ` +
      `${f(b.call.p50)}/${f(b.call.p95)}ms   ${f(r.search.p50)}/${f(r.search.p95)}ms   ${f(r.similar.p50)}/${f(r.similar.p95)}ms   ${f(r.track.p50)}/${f(r.track.p95)}ms   ` +
      `${(r.binaryBytes / 2 ** 20).toFixed(0).padStart(6)}   ${f(r.memory.peakMB)} (${ratio(r.memory.peakMB * 2 ** 20, r.binaryBytes)})`,
  );
}
const out = join(root, 'bench/results', `scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
console.log(`\nbench/scale: wrote ${out}`);
