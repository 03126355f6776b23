import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

/**
 * The CLI's JS dependencies are bundled, with their WASM binaries emitted beside the chunks that load them: as
 * package dependencies, onnxruntime-web would bring protobufjs and TensorFlow.js' union package core-js, both with
 * install scripts that would run in every project installing the CLI. What they need at run time is here.
 */
const BUNDLED = ['onnxruntime-web', 'onnxruntime-common', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', 'long', 'seedrandom'];
const BINARIES = {
  // onnxruntime-web's Node build imports its loader from beside itself, and the loader its binary.
  'node_modules/onnxruntime-web/dist': ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'],
  // The TF.js WASM backend, SIMD or not (one thread in Node); see src/cli/sequence/tf-runtime.ts.
  'node_modules/@tensorflow/tfjs-backend-wasm/dist': ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm'],
};

function bundledBinaries(): Plugin {
  return {
    name: 'pocketrec-bundled-binaries',
    generateBundle() {
      for (const [dir, files] of Object.entries(BINARIES)) for (const fileName of files) this.emitFile({ type: 'asset', fileName, source: readFileSync(join(import.meta.dirname, dir, fileName)) });
    },
  };
}

/**
 * The Node command lines, never shipped to browsers. Dependencies stay imports (an SSR build externalises them),
 * except the runtimes in `BUNDLED`.
 * - default mode: the product CLI (`pocketrec build | embed`), into the `pocketrec-cli` package (packages/cli/);
 * - `research`: model conversion and the evaluation harness (`build-model`, `eval`), for this repository only;
 * - `vite-plugin`: `dist/vite.js` of the browser package (see src/vite/plugin.ts).
 */
export default defineConfig(({ mode }) => {
  // `pocketrec/vite`, the bundler plugin of the browser package: Node code, so it is built here.
  if (mode === 'vite-plugin') {
    return {
      publicDir: false,
      build: { ssr: 'src/vite/plugin.ts', outDir: 'dist', emptyOutDir: false, target: 'node20', rolldownOptions: { output: { entryFileNames: 'vite.js' } } },
    };
  }
  const research = mode === 'research';
  return {
    publicDir: false,
    ssr: { noExternal: BUNDLED },
    resolve: { alias: { 'node-fetch': join(import.meta.dirname, 'src/cli/global-fetch.ts') } },
    plugins: [bundledBinaries()],
    build: {
      // The entries are in `input`: the product CLI's embedding threads load `embed-worker.js` from beside it.
      ssr: true,
      outDir: research ? 'dist/research' : 'packages/cli/dist',
      emptyOutDir: true,
      target: 'node20',
      sourcemap: true,
      rolldownOptions: {
        input: research ? { 'pocketrec-research': 'src/cli/research.ts' } : { pocketrec: 'src/cli/pocketrec.ts', 'embed-worker': 'src/cli/build/embed-worker.ts' },
        output: {
          entryFileNames: '[name].js',
          // Chunks beside the entry: the ORT chunk imports its runtime loader by a path relative to itself.
          chunkFileNames: '[name]-[hash].js',
          // Emscripten's Node glue inside the TF.js backend reads CommonJS' __dirname, which ES modules lack.
          banner: (chunk) => (chunk.isEntry && chunk.name !== 'embed-worker' ? '#!/usr/bin/env node\n' : '') + 'const __dirname = import.meta.dirname;',
        },
      },
    },
  };
});
