import { defineConfig } from 'vite';

/** The Node command line (`pocketrec build | eval | embed`): one ES module for Node, never shipped to browsers. */
export default defineConfig({
  publicDir: false,
  build: {
    ssr: 'src/cli/pocketrec.ts',
    outDir: 'dist/cli',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    rolldownOptions: { output: { entryFileNames: 'pocketrec.js', banner: '#!/usr/bin/env node' } },
  },
});
