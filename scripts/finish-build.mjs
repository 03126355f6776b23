#!/usr/bin/env node
// After the three vite builds: give the ES module its `.d.ts` entry and report each bundle's compressed size,
// so a size regression shows up on every build rather than in a user's network panel.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const dist = resolve(import.meta.dirname, '..', 'dist');
writeFileSync(join(dist, 'pocketrec.d.ts'), "export * from './types/index';\n");

const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
console.log('bundle                  raw        gzip     brotli');
for (const file of ['pocketrec.js', 'pocketrec.iife.js', 'pocketrec.worker.js']) {
  const bytes = readFileSync(join(dist, file));
  console.log(`${file.padEnd(22)} ${kb(bytes.length).padStart(9)} ${kb(gzipSync(bytes, { level: 9 }).length).padStart(9)} ${kb(brotliCompressSync(bytes).length).padStart(9)}`);
}
