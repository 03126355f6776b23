import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
// The core's ES build leaves gradients out unless asked; training needs every op's.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** The WASM backend's binaries: beside this module where the CLI bundle ships them, else in the installed package. */
function wasmDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(`${here}/tfjs-backend-wasm-simd.wasm`)) return here;
  return dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
}

setWasmPaths(`${wasmDirectory()}/`);

export { tf };
