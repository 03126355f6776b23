import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './test/chromium.ts';

const PORT = Number(process.env.E2E_PORT ?? 4173);

/**
 * End-to-end against the built library and demo on a plain static server: once with WebGPU exposed
 * (`--enable-unsafe-webgpu`, SwiftShader here) and once without, which forces the WASM path.
 */
export default defineConfig({
  testDir: 'e2e',
  // A loaded 2-core machine took 59.1 s of the former 60 s for the two-tab test; no test asserts timing.
  timeout: 180_000,
  workers: 1,
  reporter: [['list']],
  use: { baseURL: `http://127.0.0.1:${PORT}` },
  // The tiny BERT fixtures are generated (never committed), so the server's start makes sure they exist.
  webServer: { command: `node scripts/generate-bert-fixture.mjs && node scripts/serve.mjs --port ${PORT}`, url: `http://127.0.0.1:${PORT}/`, reuseExistingServer: false },
  projects: [
    // The packaged-app and CSP specs check deployment, not devices, and the 100 k catalogue runs on the lexical
    // encoder alone: once, in the WASM project.
    { name: 'webgpu', use: { launchOptions: chromiumLaunchOptions({ webgpu: true }) }, testIgnore: ['vite-app.spec.ts', 'webpack-app.spec.ts', 'csp.spec.ts', 'catalog-100k.spec.ts'] },
    { name: 'wasm', use: { launchOptions: chromiumLaunchOptions() }, testIgnore: 'encoder-devices.spec.ts' },
  ],
});
