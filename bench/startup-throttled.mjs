#!/usr/bin/env node
// Time to the first recommendation on a throttled network, cold cache, demo catalogue (public/catalog, built by
// `npm run build:demo`), in headless Chromium: numbers, never pass/fail.
//
// Each run opens a fresh browser context (empty HTTP cache, Cache Storage and IndexedDB), throttles it with CDP
// `Network.emulateNetworkConditions` and loads bench/startup.html, which starts a recommender and asks for ten
// recommendations. The yardstick is the catalogue's own download time: the bytes of every catalogue file (manifest,
// parts, sequence model files) at the throttled rate, with nothing else on the line. Target: first recommendation
// ≤ that + 1 s. Usage: node bench/startup-throttled.mjs [--port 4197]
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const port = Number(args.includes('--port') ? args[args.indexOf('--port') + 1] : (process.env.BENCH_PORT ?? 4197));
const THROTTLES = [
  { name: '10 Mbit/s', bitsPerSecond: 10e6 },
  { name: '1.6 Mbit/s', bitsPerSecond: 1.6e6 },
];
// A short round trip, so that the numbers are about bandwidth (the two rates) rather than distance.
const LATENCY_MS = 20;

const catalogDir = join(root, 'public/catalog');
const manifest = JSON.parse(readFileSync(join(catalogDir, 'catalog.json'), 'utf8'));
const catalogFiles = ['catalog.json', ...Object.values(manifest.parts).map((p) => p.url), ...(manifest.sequence ? [manifest.sequence.url, manifest.sequence.table.url, manifest.sequence.items] : [])];
const catalogBytes = catalogFiles.reduce((n, f) => n + statSync(join(catalogDir, f)).size, 0);

const server = spawn(process.execPath, [join(root, 'scripts/serve.mjs'), '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((ok) => server.stdout.once('data', ok));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

async function run({ name, bitsPerSecond }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const bytesPerSecond = bitsPerSecond / 8;
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: LATENCY_MS, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond });
  // Requests seen by the page's target, the worker's included (Chromium reports a dedicated worker's requests, and
  // throttles them, with its page's).
  const requests = new Map();
  cdp.on('Network.requestWillBeSent', (e) => requests.set(e.requestId, { url: e.request.url, start: e.timestamp }));
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { end: e.timestamp, bytes: e.encodedDataLength });
  });
  await page.goto(`http://127.0.0.1:${port}/bench/startup.html`);
  const result = await page.waitForFunction(() => window.startup, null, { timeout: 600_000, polling: 100 }).then((h) => h.jsonValue());
  await context.close();
  if (result.error) throw new Error(`${name}: ${result.error}`);
  const all = [...requests.values()];
  const path = (r) => new URL(r.url).pathname;
  const catalogue = all.filter((r) => path(r).startsWith('/catalog/') && r.end);
  const spanS = catalogue.length ? Math.max(...catalogue.map((r) => r.end)) - Math.min(...catalogue.map((r) => r.start)) : null;
  // What went over the line before the first recommendation (by when each request started, in page time).
  const t0 = Math.min(...all.map((r) => r.start));
  const beforeFirst = all.filter((r) => (r.start - t0) * 1000 <= result.firstRecommendationMs);
  const ownS = (catalogBytes * 8) / bitsPerSecond;
  return {
    throttle: name,
    firstRecommendationS: result.firstRecommendationMs / 1000,
    readyS: result.readyMs / 1000,
    catalogueOwnS: ownS,
    catalogueMeasuredS: spanS,
    targetS: ownS + 1,
    met: result.firstRecommendationMs / 1000 <= ownS + 1,
    encoderReadyS: result.encoderReadyMs / 1000,
    sequenceReadyS: result.sequenceReadyMs / 1000,
    requestsBeforeFirst: beforeFirst.map(path),
    bytesBeforeFirst: beforeFirst.reduce((n, r) => n + (r.bytes ?? 0), 0),
  };
}

const results = [];
try {
  for (const throttle of THROTTLES) results.push(await run(throttle));
} finally {
  await browser.close();
  server.kill();
}

const f = (x) => (x == null ? '–' : x.toFixed(2));
console.log(`\nstart-up on a throttled network, cold cache, demo catalogue (${catalogFiles.length} files, ${(catalogBytes / 1e6).toFixed(2)} MB), RTT ${LATENCY_MS} ms`);
console.log('throttle     first rec (s)  ready (s)  catalogue own (s)  measured (s)  target (s)  met   encoder ready (s)  sequence ready (s)  bytes before first rec');
for (const r of results) {
  console.log(
    `${r.throttle.padEnd(12)} ${f(r.firstRecommendationS).padStart(13)}  ${f(r.readyS).padStart(9)}  ${f(r.catalogueOwnS).padStart(17)}  ${f(r.catalogueMeasuredS).padStart(12)}  ${f(r.targetS).padStart(10)}  ${(r.met ? 'yes' : 'no').padEnd(4)}  ${f(r.encoderReadyS).padStart(17)}  ${f(r.sequenceReadyS).padStart(18)}  ${r.bytesBeforeFirst}`,
  );
}
for (const r of results) console.log(`${r.throttle}: requests before the first recommendation: ${r.requestsBeforeFirst.join(' ')}`);
