import { defineConfig } from 'vite';

/**
 * The Node command lines, never shipped to browsers. Dependencies stay imports (an SSR build externalises them); only
 * PocketRec's own code is bundled.
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
    build: {
      ssr: research ? 'src/cli/research.ts' : 'src/cli/pocketrec.ts',
      outDir: research ? 'dist/research' : 'packages/cli/dist',
      emptyOutDir: true,
      target: 'node20',
      sourcemap: true,
      rolldownOptions: { output: { entryFileNames: research ? 'pocketrec-research.js' : 'pocketrec.js', banner: '#!/usr/bin/env node' } },
    },
  };
});
