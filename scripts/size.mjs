#!/usr/bin/env node
// `npm run size`: raw, gzip and brotli size of every file the browser package ships and a site serves, so a size
// regression shows up before it reaches a visitor's network panel. Run on request only: brotli at its highest level
// over the runtime's WASM takes minutes here, too long for every build.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const dist = resolve(import.meta.dirname, '..', 'dist');
// What is not served: declarations, source maps, and the folders package.json `files` leaves out.
const NOT_SERVED = /(\.d\.ts|\.map)$|^(types|cli|research|demo-source|test-worker)\/|^(vite\.js|assets\.json)$/;

const files = walk(dist).map((f) => relative(dist, f)).filter((f) => !NOT_SERVED.test(f)).sort();
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
console.log(`${'file'.padEnd(44)} ${'raw'.padStart(11)} ${'gzip'.padStart(11)} ${'brotli'.padStart(11)}`);
const total = { raw: 0, gzip: 0, brotli: 0 };
for (const file of files) {
  const bytes = readFileSync(join(dist, file));
  const row = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: brotliCompressSync(bytes).length };
  for (const k of Object.keys(total)) total[k] += row[k];
  console.log(`${file.padEnd(44)} ${kb(row.raw).padStart(11)} ${kb(row.gzip).padStart(11)} ${kb(row.brotli).padStart(11)}`);
}
console.log(`${'total'.padEnd(44)} ${kb(total.raw).padStart(11)} ${kb(total.gzip).padStart(11)} ${kb(total.brotli).padStart(11)}`);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
