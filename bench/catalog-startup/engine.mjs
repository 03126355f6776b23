#!/usr/bin/env node
// Whole-engine start-up in headless Chromium through the built library (dist/): `createRecommender` with the
// lexical encoder on a folder written by `pocketrec build`, once cold (empty profile) and twice warm (cached), each in
// a fresh page of one browser profile. Prints numbers, never pass/fail: start-up time, the worker's own timings,
// the first recommend after start (display records are read then), and what was read at start, per part and
// source (network bytes from `catalog-download` progress, cache bytes from `catalog-parse` progress).
// Usage: node bench/catalog-startup/engine.mjs <catalogue folder>   (npm run build:lib first; POCKETREC_DIST=<dist> to compare)
import { createServer } from 'node:http';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { rendererMemory } from '../renderer-memory.mjs';

const folder = resolve(process.argv[2] ?? '');
const root = resolve(import.meta.dirname, '../..');
// Another build of the library to compare with (for example main's), else this checkout's.
const dist = resolve(process.env.POCKETREC_DIST ?? join(root, 'dist'));
const page = `<!doctype html><meta charset="utf-8"><script type="module">
import { createRecommender } from '/dist/pocketrec.js';
window.runOnce = async () => {
  const read = {};
  const onProgress = (p) => {
    if (!p.part) return;
    const key = (p.phase === 'catalog-download' ? 'network:' : 'cache:') + p.part;
    read[key] = Math.max(read[key] ?? 0, p.loaded);
  };
  const t = performance.now();
  const rec = await createRecommender({ catalog: '/catalog/catalog.json', dbName: 'bench-startup', encoder: 'lexical', onProgress });
  const startMs = performance.now() - t;
  const status = await rec.status();
  const r = performance.now();
  const first = await rec.recommend({ k: 10 });
  const firstRecommendMs = performance.now() - r;
  const s = performance.now();
  const found = await rec.search(first[0].item.title.split(' ').slice(0, 2).join(' '), 10);
  const firstSearchMs = performance.now() - s;
  await rec.dispose();
  return { startMs, firstRecommendMs, firstSearchMs, searchHits: found.length, fromCache: status.catalog.fromCache, items: status.catalog.itemCount, encoder: status.encoder.id, timings: status.timings, readAtStart: read, firstTitle: first[0].item.title };
};
</script>`;
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path === '/') return res.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
  const file = path.startsWith('/catalog/') ? join(folder, path.slice(9)) : path.startsWith('/dist/') ? join(dist, path.slice(6)) : null;
  try {
    if (!file) throw new Error('not served');
    const size = statSync(file).size;
    res.writeHead(200, { 'Content-Length': String(size), 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

const manifest = JSON.parse(readFileSync(join(folder, 'catalog.json'), 'utf8'));
const partBytes = Object.fromEntries(Object.entries(manifest.parts).map(([k, p]) => [k, p.bytes]));
console.log(JSON.stringify({ items: manifest.itemCount, partBytes, allPartsBytes: Object.values(partBytes).reduce((a, b) => a + b, 0) }));

const profileDir = mkdtempSync(join(tmpdir(), 'pocketrec-engine-startup-'));
const context = await chromium.launchPersistentContext(profileDir, { headless: true, executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--no-first-run'] });
try {
  for (const run of ['cold', 'warm', 'warm']) {
    const p = await context.newPage();
    p.on('console', (m) => m.type() === 'warning' || m.type() === 'error' ? console.error(`[page] ${m.text()}`) : undefined);
    await p.goto(`${origin}/`);
    const result = await p.evaluate(() => window.runOnce());
    console.log(JSON.stringify({ run, ...result, renderers: rendererMemory(profileDir) }));
    await p.close();
  }
} finally {
  await context.close();
  rmSync(profileDir, { recursive: true, force: true });
  server.close();
}
