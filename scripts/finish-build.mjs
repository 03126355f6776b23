#!/usr/bin/env node
// After the vite builds: put the runtime's WASM and the model files next to the worker (so a site serves one
// folder and nothing comes from a CDN). `npm run size` reports what each
// file weighs compressed: brotli at the highest level takes minutes, too long for every build.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const dist = resolve(import.meta.dirname, '..', 'dist');

const root = resolve(import.meta.dirname, '..');
// The WebGPU-capable WASM build of onnxruntime-web and its loader, fetched by the worker from `wasmPaths`.
// The WebGPU-capable build (JSEP) for browsers with an adapter, the plain WASM build for the rest.
for (const file of ['ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs']) copyFileSync(join(root, 'node_modules/onnxruntime-web/dist', file), join(dist, file));

// transformers.js pins its own onnxruntime-web (a different version from ours) and runs its WebGPU build, which
// loads the "asyncify" WASM variant. Only the unpublished test worker bundles transformers.js (the published ones
// leave it to the site, see vite.config.ts), so its files go next to that worker, in `transformers-ort/`, where
// load-encoder.ts points transformers.js (TRANSFORMERS_WASM_FILES there names the same two files).
const transformersOrt = findPackage('onnxruntime-web', join(root, 'node_modules/@huggingface/transformers'));
const TRANSFORMERS_ORT_FILES = ['ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.asyncify.mjs'];
const webgpuBuild = readFileSync(join(transformersOrt, 'dist/ort.webgpu.min.mjs'), 'utf8');
if (!webgpuBuild.includes(TRANSFORMERS_ORT_FILES[1])) {
  throw new Error(`finish-build: ${transformersOrt}/dist/ort.webgpu.min.mjs no longer loads ${TRANSFORMERS_ORT_FILES[1]}; update TRANSFORMERS_WASM_FILES in src/encoder/load-encoder.ts and this list.`);
}
const testWorker = join(dist, 'test-worker');
if (!readdirSync(testWorker).some((f) => /^transformers\.web-.*\.js$/.test(f))) {
  throw new Error('finish-build: the test worker build wrote no transformers.web-*.js chunk; is @huggingface/transformers still imported with import()?');
}
mkdirSync(join(testWorker, 'transformers-ort'), { recursive: true });
for (const file of TRANSFORMERS_ORT_FILES) copyFileSync(join(transformersOrt, 'dist', file), join(testWorker, 'transformers-ort', file));
const ortVersion = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
console.log(`onnxruntime-web ${ortVersion(join(root, 'node_modules/onnxruntime-web'))} for the bundled encoder, ${ortVersion(transformersOrt)} (transformers.js) in transformers-ort/`);

const models = join(root, 'models/build');
if (!existsSync(join(models, 'manifest.json'))) throw new Error('finish-build: models/build/manifest.json is missing; run `npm run build:model` first.');
mkdirSync(join(dist, 'models'), { recursive: true });
const MODEL_FILES = ['manifest.json', 'use-lite-int8.onnx', 'use-lite-vocab.json'];
for (const file of MODEL_FILES) copyFileSync(join(models, file), join(dist, 'models', file));

// The worker names each runtime and model file it loads as `new URL('./…', import.meta.url)`, the form webpack 5
// follows to emit them for a site; a file that is copied here but not named so would be missing from such a site.
const workerChunks = readdirSync(dist)
  .filter((f) => f.endsWith('.js') && !/^(pocketrec\.js|pocketrec\.iife\.js|react\.js|vite\.js)$/.test(f))
  .map((f) => readFileSync(join(dist, f), 'utf8'))
  .join('\n');
for (const file of ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs', ...MODEL_FILES.map((f) => `models/${f}`)]) {
  const literal = new RegExp(`new URL\\(\\s*(?:/\\*[^*]*\\*/\\s*)?"\\./${file.replace(/\./g, '\\.')}",\\s*import\\.meta\\.url\\s*\\)`);
  if (!literal.test(workerChunks)) throw new Error(`finish-build: no worker chunk names ./${file} as new URL('./${file}', import.meta.url); bundlers would not emit it.`);
}

// What a site deploys next to pocketrec.js: the worker and every file it loads relative to itself. The README's
// "Deploying" table, `pocketrec/vite` and `npm run size` all read this list, so it cannot drift from the build.
// Not listed: the client entries themselves, declarations, source maps, the Node-only plugin, the worker variant
// for bundlers that resolve transformers.js, and the optional WebGPU runtime (left out of the package for size).
const NOT_DEPLOYED = /^(pocketrec\.js|pocketrec\.iife\.js|pocketrec\.transformers\.worker\.js|vite\.js|assets\.json|ort-wasm-simd-threaded\.jsep\..*)$|\.(map|d\.ts)$/;
const deployed = [
  ...readdirSync(dist).filter((f) => statSync(join(dist, f)).isFile() && !NOT_DEPLOYED.test(f)),
  ...readdirSync(join(dist, 'models')).map((f) => `models/${f}`),
].sort();
const files = deployed.map((file) => ({ file, bytes: statSync(join(dist, file)).size }));
writeFileSync(join(dist, 'assets.json'), JSON.stringify({ files }, null, 2) + '\n');
console.log(`finish-build: ${files.length} files to deploy, ${(files.reduce((n, f) => n + f.bytes, 0) / 1e6).toFixed(1)} MB (dist/assets.json)`);

/** The folder of `name` as Node would resolve it from `from`: its own node_modules first, then each parent's. */
function findPackage(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`finish-build: ${name} is not installed (looked up from ${from}); run npm install.`);
  }
}
