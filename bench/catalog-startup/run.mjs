#!/usr/bin/env node
// Cold and warm catalogue start-up in headless Chromium, for a folder written by `pocketrec build` (format 2).
// Usage: node bench/catalog-startup/run.mjs <catalogue folder>
// Prints numbers, never pass/fail: start-up times, bytes of each part, worker memory (measureUserAgentSpecificMemory
// under COOP/COEP) and the renderer's RSS from /proc.
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { rolldown } from 'rolldown';
import { chromium } from '@playwright/test';
import { rendererMemory } from '../renderer-memory.mjs';

const folder = resolve(process.argv[2] ?? '');
const root = resolve(import.meta.dirname, '../..');
const bundler = await rolldown({ input: join(root, 'bench/catalog-startup/worker.ts'), platform: 'browser' });
const workerJs = (await bundler.generate({ format: 'esm' })).output[0].code;
const page = `<!doctype html><meta charset="utf-8"><script type="module">
window.runOnce = () => new Promise((ok) => {
  const w = new Worker('/worker.js', { type: 'module' });
  w.onmessage = async ({ data }) => {
    let memory = null;
    if (crossOriginIsolated && performance.measureUserAgentSpecificMemory) {
      const m = await performance.measureUserAgentSpecificMemory();
      const worker = m.breakdown.filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')).reduce((s, b) => s + b.bytes, 0);
      memory = { totalBytes: m.bytes, workerBytes: worker };
    }
    window.lastWorker = w;
    ok({ ...data, memory });
  };
  w.postMessage({ url: '/catalog/catalog.json' });
});
</script>`;
const server = createServer((req, res) => {
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  if (req.url === '/') return res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(page);
  if (req.url === '/worker.js') return res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(workerJs);
  if (req.url?.startsWith('/catalog/')) {
    const file = join(folder, req.url.slice('/catalog/'.length));
    try {
      const size = statSync(file).size;
      res.writeHead(200, { ...headers, 'Content-Length': String(size), 'Content-Type': 'application/octet-stream' });
      return res.end(readFileSync(file));
    } catch {
      return res.writeHead(404).end();
    }
  }
  res.writeHead(404).end();
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

const manifest = JSON.parse(readFileSync(join(folder, 'catalog.json'), 'utf8'));
const partBytes = Object.fromEntries(Object.entries(manifest.parts).map(([k, p]) => [k, p.bytes]));
const binaryBytes = partBytes.columns + (partBytes.embeddings ?? 0);
console.log(JSON.stringify({ items: manifest.itemCount, partBytes, binaryBytes, allPartsBytes: Object.values(partBytes).reduce((a, b) => a + b, 0) }));

const profileDir = mkdtempSync(join(tmpdir(), 'pocketrec-startup-'));
const context = await chromium.launchPersistentContext(profileDir, { headless: true, executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--no-first-run', '--enable-blink-features=ForceEagerMeasureMemory'] });
for (const run of ['cold', 'warm', 'warm']) {
  const p = await context.newPage();
  await p.goto(`${origin}/`);
  const result = await p.evaluate(() => window.runOnce());
  console.log(JSON.stringify({ run, ...result, renderers: rendererMemory(profileDir) }));
  await p.close();
}
await context.close();
rmSync(profileDir, { recursive: true, force: true });
server.close();
