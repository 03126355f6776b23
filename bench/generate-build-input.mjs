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
const brands = Math.max(10, Math.round(items / 200));

async function write(file, lines) {
  const out = createWriteStream(file);
  for (const line of lines) if (!out.write(line)) await new Promise((ok) => out.once('drain', ok));
  await new Promise((ok) => out.end(ok));
}

await write(join(dir, 'items.ndjson'), (function* () {
  for (let i = 0; i < items; i++) {
    const w = () => words[Math.floor(rand() * words.length)];
    const category = categories[i % categories.length];
    // Shaped like a real shop's feed (about 460 bytes a record): display fields that ranking never reads, a
    // brand and tags from vocabularies that grow with the catalogue, a publication date and a few consumables.
    yield JSON.stringify({
      id: `sku-${i}`,
      title: `${w()} ${w()} ${w()}`,
      description: `A ${w()} ${w()} for ${w()} ${w()} lovers, made from ${w()} ${w()} with a ${w()} finish. Ships in ${1 + (i % 5)} days.`,
      category,
      brand: `brand-${Math.floor(rand() ** 2 * brands)}`,
      tags: [w(), w(), `${category}-${i % 40}`],
      price: Math.round(rand() * 20000) / 100,
      url: `https://shop.example/p/sku-${i}`,
      imageUrl: `https://cdn.shop.example/img/sku-${i}/main-800x800.jpg`,
      publishedAt: new Date(1.7e12 - Math.floor(rand() * 365) * 86_400_000).toISOString(),
      ...(i % 17 === 0 ? { repeatable: true } : {}),
      attributes: { colour: w(), size: ['S', 'M', 'L', 'XL'][i % 4], sku: `SKU${String(i).padStart(8, '0')}` },
    }) + '\n';
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
