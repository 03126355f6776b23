#!/usr/bin/env node
// After the three vite builds: give the ES module its `.d.ts` entry, put the runtime's WASM and the model files
// next to the worker (so a site serves one folder and nothing comes from a CDN), and report each bundle's
// compressed size, so a size regression shows up on every build rather than in a user's network panel.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const dist = resolve(import.meta.dirname, '..', 'dist');
writeFileSync(join(dist, 'pocketrec.d.ts'), "export * from './types/index';\n");

const root = resolve(import.meta.dirname, '..');
// The WebGPU-capable WASM build of onnxruntime-web and its loader, fetched by the worker from `wasmPaths`.
for (const file of ['ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs']) copyFileSync(join(root, 'node_modules/onnxruntime-web/dist', file), join(dist, file));
const models = join(root, 'models/build');
if (!existsSync(join(models, 'manifest.json'))) throw new Error('finish-build: models/build/manifest.json is missing; run `npm run build:model` first.');
mkdirSync(join(dist, 'models'), { recursive: true });
for (const file of ['manifest.json', 'use-lite-int8.onnx', 'use-lite-vocab.json']) copyFileSync(join(models, file), join(dist, 'models', file));

const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
console.log('file                                  raw        gzip     brotli');
for (const file of ['pocketrec.js', 'pocketrec.iife.js', 'pocketrec.worker.js', 'models/use-lite-int8.onnx', 'ort-wasm-simd-threaded.jsep.wasm']) {
  const bytes = readFileSync(join(dist, file));
  console.log(`${file.padEnd(34)} ${kb(bytes.length).padStart(9)} ${kb(gzipSync(bytes, { level: 9 }).length).padStart(9)} ${kb(brotliCompressSync(bytes).length).padStart(9)}`);
}
