import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumLaunchOptions } from './test/chromium.ts';
import { mutableSite } from './test/helpers/mutable-site.ts';

/**
 * Two projects: pure logic runs in Node; anything touching IndexedDB, workers, WebGPU or WASM runs in real
 * Chromium (Debian's, driven by Playwright), never against fakes.
 */
export default defineConfig({
  test: {
    // The WASM kernel's bytes are a generated module: assemble it before any test imports src/vector.
    globalSetup: ['./scripts/build-kernels.mjs'],
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**'],
          environment: 'node',
          // TF.js' ES build (gradients included, as the CLI bundles it) has extensionless imports that only a bundler
          // resolves: let vite transform it rather than Node load it.
          server: { deps: { inline: [/@tensorflow\/tfjs-(core|backend-wasm|backend-cpu)/] } },
          // Sized for a loaded 2-core machine: the 5 s default failed ONNX export and training tests there.
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: chromiumLaunchOptions() }),
            instances: [{ browser: 'chromium' }],
            screenshotFailures: false,
          },
        },
        server: { host: '127.0.0.1' },
        // A site whose catalogue files a test changes while a recommender runs (live updates, revalidation).
        plugins: [mutableSite()],
        // The built library, served as it is (not through vite's transforms), for tests of the default setup:
        // the worker bundle with the bundled encoder and ONNX Runtime next to it. `npm test` builds it first.
        publicDir: 'dist',
      },
    ],
  },
});
