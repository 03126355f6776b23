#!/usr/bin/env node
// `npm run bench`: measures PocketRec in headless Chromium on this machine and prints numbers, never pass/fail.
// Scenarios: a synthetic 10k-item shop, and MovieLens' 9.7k movies when ../shared is present.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';

const root = resolve(import.meta.dirname, '..');
const port = Number(process.env.BENCH_PORT ?? 4199);
const server = spawn(process.execPath, [join(root, 'scripts/serve.mjs'), '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((ok) => server.stdout.once('data', ok));

function syntheticShop(n) {
  const nouns = ['shoes', 'tent', 'kettle', 'novel', 'headphones', 'backpack', 'lamp', 'grinder', 'jacket', 'watch', 'mug', 'stove'];
  const adjectives = ['trail', 'compact', 'wireless', 'vintage', 'organic', 'waterproof', 'ceramic', 'ultralight', 'classic', 'smart'];
  const categories = ['outdoor', 'kitchen', 'books', 'audio', 'fashion', 'home', 'sports', 'coffee'];
  return Array.from({ length: n }, (_, i) => {
    const a = adjectives[(i * 7) % adjectives.length];
    const b = adjectives[(i * 13 + 3) % adjectives.length];
    const noun = nouns[(i * 11) % nouns.length];
    return { id: `sku-${i}`, title: `${a} ${noun} ${i % 97}`, description: `A ${b} ${noun} that is ${a} and built to last.`, category: categories[i % categories.length], price: 5 + (i % 300) };
  });
}

function movieLens() {
  const file = resolve(root, '../shared/datasets/ml-latest-small/movies.csv');
  if (!existsSync(file)) return null;
  const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1);
  return rows.map((line) => {
    const m = line.match(/^(\d+),(?:"((?:[^"]|"")*)"|([^,]*)),(.*)$/);
    const title = (m[2] ?? m[3]).replace(/""/g, '"');
    const genres = m[4].split('|');
    return { id: m[1], title, category: genres[0], tags: genres };
  });
}

const scenarios = [{ name: 'synthetic-10k', items: syntheticShop(10_000), events: 200, calls: 200 }];
const ml = movieLens();
if (ml) scenarios.push({ name: 'movielens-9.7k', items: ml, events: 200, calls: 200 });
else console.log('bench: ../shared/datasets/ml-latest-small not found; MovieLens scenario skipped.');

const launch = (webgpu) =>
  chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...(webgpu ? ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'] : [])],
  });
const openPage = async (browser) => {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/bench/page.html`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return page;
};

// 32 product titles and 32 descriptions of about 60 words, from the synthetic shop.
const shop = syntheticShop(64);
const titles = shop.slice(0, 32).map((i) => i.title);
const descriptions = shop.slice(0, 32).map((i) => Array.from({ length: 6 }, () => i.description).join(' '));

const results = [];
const frames = [];
const encoders = [];
try {
  let browser = await launch(false);
  const page = await openPage(browser);
  for (const scenario of scenarios) results.push(await page.evaluate((s) => window.runBench(s), scenario));
  for (const scenario of scenarios) frames.push(await page.evaluate((s) => window.runFrameBench(s), scenario));
  encoders.push(await page.evaluate((a) => window.runEncoderBench(a), { device: 'wasm', titles, descriptions }));
  await browser.close();
  // WebGPU here is SwiftShader, a CPU emulation: its numbers show the path works, not how fast a GPU is.
  browser = await launch(true);
  encoders.push(await (await openPage(browser)).evaluate((a) => window.runEncoderBench(a), { device: 'webgpu', titles, descriptions }));
  await browser.close();
} finally {
  server.kill();
}

const f = (x) => (x == null ? '–' : x.toFixed(2));
console.log('\nscenario          items  cold init  warm init  track p50/p95   recommend p50/p95 (in worker p95)   search p50/p95');
for (const r of results) {
  console.log(
    `${r.name.padEnd(16)} ${String(r.items).padStart(6)} ${f(r.coldInitMs).padStart(9)}ms ${f(r.warmInitMs).padStart(8)}ms ` +
      `${f(r.trackMs.p50)}/${f(r.trackMs.p95)}ms   ${f(r.recommendMs.p50)}/${f(r.recommendMs.p95)}ms (${f(r.recommendInWorkerMs.p95)}ms)   ${f(r.searchMs.p50)}/${f(r.searchMs.p95)}ms`,
  );
}
// Timing lives here, not in the e2e suite: a loaded machine stretches frames, and a test must not flake on that.
console.log('\nscenario          items  longest frame gap, × median frame: 400 ms busy main thread / 20 × recommend(k: 20)');
for (const r of frames) console.log(`${r.name.padEnd(16)} ${String(r.items).padStart(6)}  ${f(r.busyLoopFrameGap)} / ${f(r.recommendFrameGap)}`);
console.log('\nencoder  device   cold load  warm load  query p50/p95 (in worker)      titles/s  descriptions/s');
for (const e of encoders) {
  console.log(`${e.model.slice(0, 8).padEnd(8)} ${e.device.padEnd(7)} ${f(e.coldLoadMs).padStart(8)}ms ${f(e.warmLoadMs).padStart(8)}ms  ${f(e.queryMs.p50)}/${f(e.queryMs.p95)}ms (${f(e.queryInWorkerMs.p50)}/${f(e.queryInWorkerMs.p95)}ms)  ${f(e.titlesPerSecond).padStart(9)} ${f(e.descriptionsPerSecond).padStart(14)}`);
  if (e.skipped.length) console.log(`         skipped: ${e.skipped.map((s) => `${s.device}: ${s.reason}`).join('; ')}`);
}
mkdirSync(join(root, 'bench/results'), { recursive: true });
const out = join(root, 'bench/results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), results, frames, encoders }, null, 2));
console.log(`\nbench: wrote ${out}`);
