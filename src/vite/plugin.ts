import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

/** The installed package's `dist/`: this file is `dist/vite.js`. */
const DIST = fileURLToPath(new URL('./', import.meta.url));

/**
 * `pocketrec/vite`: serves and bundles PocketRec's worker and runtime files with no other configuration.
 * - dev: keeps `pocketrec` out of dependency pre-bundling, so `new URL('./pocketrec.worker.js', import.meta.url)`
 *   still points into the package's `dist/`, where the worker finds its runtime and model next to it;
 * - build: emits every file of `dist/assets.json` (the worker's chunks, the WASM runtime, the encoder model) into
 *   the build's assets folder under its own name, since the worker loads them relative to itself.
 * @example
 * // vite.config.ts
 * import pocketrec from 'pocketrec/vite';
 * export default { plugins: [pocketrec()] };
 */
export default function pocketrec(): Plugin {
  let assetsDir = 'assets';
  return {
    name: 'pocketrec',
    config: () => ({ optimizeDeps: { exclude: ['pocketrec'] } }),
    configResolved(config) {
      assetsDir = config.build.assetsDir;
    },
    generateBundle() {
      const { files } = JSON.parse(readFileSync(join(DIST, 'assets.json'), 'utf8')) as { files: Array<{ file: string }> };
      for (const { file } of files) this.emitFile({ type: 'asset', fileName: `${assetsDir}/${file}`, source: readFileSync(join(DIST, file)) });
    },
  };
}
