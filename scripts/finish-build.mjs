#!/usr/bin/env node
// After the three vite builds: give the ES module its `.d.ts` entry, put the runtime's WASM and the model files
// next to the worker (so a site serves one folder and nothing comes from a CDN), and report each bundle's
// compressed size, so a size regression shows up on every build rather than in a user's network panel.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const dist = resolve(import.meta.dirname, '..', 'dist');
writeFileSync(join(dist, 'pocketrec.d.ts'), "export * from './types/index';\n");
writeFileSync(join(dist, 'react.d.ts'), "export * from './types/react/index';\n");

const root = resolve(import.meta.dirname, '..');
// The WebGPU-capable WASM build of onnxruntime-web and its loader, fetched by the worker from `wasmPaths`.
// The WebGPU-capable build (JSEP) for browsers with an adapter, the plain WASM build for the rest.
for (const file of ['ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs']) copyFileSync(join(root, 'node_modules/onnxruntime-web/dist', file), join(dist, file));

// transformers.js pins its own onnxruntime-web (a different version from ours) and runs its WebGPU build, which
// loads the "asyncify" WASM variant. Those files go to their own folder, where load-encoder.ts points
// transformers.js (TRANSFORMERS_WASM_FILES there names the same two files), so the two runtimes never mix.
const transformersOrt = findPackage('onnxruntime-web', join(root, 'node_modules/@huggingface/transformers'));
const TRANSFORMERS_ORT_FILES = ['ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.asyncify.mjs'];
const webgpuBuild = readFileSync(join(transformersOrt, 'dist/ort.webgpu.min.mjs'), 'utf8');
if (!webgpuBuild.includes(TRANSFORMERS_ORT_FILES[1])) {
  throw new Error(`finish-build: ${transformersOrt}/dist/ort.webgpu.min.mjs no longer loads ${TRANSFORMERS_ORT_FILES[1]}; update TRANSFORMERS_WASM_FILES in src/encoder/load-encoder.ts and this list.`);
}
mkdirSync(join(dist, 'transformers-ort'), { recursive: true });
for (const file of TRANSFORMERS_ORT_FILES) copyFileSync(join(transformersOrt, 'dist', file), join(dist, 'transformers-ort', file));
const ortVersion = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
console.log(`onnxruntime-web ${ortVersion(join(root, 'node_modules/onnxruntime-web'))} for the bundled encoder, ${ortVersion(transformersOrt)} (transformers.js) in transformers-ort/`);

const models = join(root, 'models/build');
if (!existsSync(join(models, 'manifest.json'))) throw new Error('finish-build: models/build/manifest.json is missing; run `npm run build:model` first.');
mkdirSync(join(dist, 'models'), { recursive: true });
for (const file of ['manifest.json', 'use-lite-int8.onnx', 'use-lite-vocab.json']) copyFileSync(join(models, file), join(dist, 'models', file));

const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
console.log('file                                  raw        gzip     brotli');
for (const file of ['pocketrec.js', 'pocketrec.iife.js', 'pocketrec.worker.js', 'models/use-lite-int8.onnx', 'ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.wasm', transformersChunk(), 'transformers-ort/ort-wasm-simd-threaded.asyncify.wasm']) {
  const bytes = readFileSync(join(dist, file));
  console.log(`${file.padEnd(34)} ${kb(bytes.length).padStart(9)} ${kb(gzipSync(bytes, { level: 9 }).length).padStart(9)} ${kb(brotliCompressSync(bytes).length).padStart(9)}`);
}

/** The folder of `name` as Node would resolve it from `from`: its own node_modules first, then each parent's. */
function findPackage(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`finish-build: ${name} is not installed (looked up from ${from}); run npm install.`);
  }
}

/** The worker's lazily loaded transformers.js chunk (its name carries a content hash). */
function transformersChunk() {
  const chunk = readdirSync(dist).find((f) => /^transformers\.web-.*\.js$/.test(f));
  if (!chunk) throw new Error('finish-build: the worker build wrote no transformers.web-*.js chunk; is @huggingface/transformers still imported with import()?');
  return chunk;
}
