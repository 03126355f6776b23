#!/usr/bin/env node
// Writes a synthetic shop of N items (NDJSON) and M interactions (CSV) for measuring `pocketrec build` at scale.
// Usage: node bench/generate-build-input.mjs <outDir> [items=1000000] [interactions=10000000]
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [dir, nItems = '1000000', nEvents = '10000000'] = process.argv.slice(2);
if (!dir) throw new Error('usage: generate-build-input.mjs <outDir> [items] [interactions]');
mkdirSync(dir, { recursive: true });
const items = Number(nItems);
const events = Number(nEvents);
let seed = 42;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const words = 'trail road tent stove kettle espresso grinder novel mystery headphones wireless lamp desk chair jacket rain wool cotton steel ceramic compact classic smart organic'.split(' ');
const categories = ['outdoor', 'kitchen', 'books', 'audio', 'fashion', 'home', 'sports', 'coffee', 'garden', 'toys'];

async function write(file, lines) {
  const out = createWriteStream(file);
  for (const line of lines) if (!out.write(line)) await new Promise((ok) => out.once('drain', ok));
  await new Promise((ok) => out.end(ok));
}

await write(join(dir, 'items.ndjson'), (function* () {
  for (let i = 0; i < items; i++) {
    const w = () => words[Math.floor(rand() * words.length)];
    yield JSON.stringify({ id: `sku-${i}`, title: `${w()} ${w()} ${w()}`, description: `A ${w()} ${w()} for ${w()} ${w()} lovers.`, category: categories[i % categories.length], price: Math.round(rand() * 20000) / 100 }) + '\n';
  }
})());
await write(join(dir, 'interactions.csv'), (function* () {
  yield 'userId,itemId,type,timestamp\n';
  const types = ['view', 'view', 'view', 'click', 'add_to_cart', 'purchase'];
  for (let e = 0; e < events; e++) {
    // Skewed popularity: squaring a uniform draw concentrates events on low item numbers.
    const item = Math.floor(rand() ** 2 * items);
    yield `u${Math.floor(rand() * events / 20)},sku-${item},${types[Math.floor(rand() * types.length)]},${1.7e12 + e * 1000}\n`;
  }
})());
console.log(`wrote ${items} items and ${events} interactions to ${dir}`);
