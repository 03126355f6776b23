import { expect, test, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

// The demo's files served with the strict policy the README recommends, and with the same policy lacking
// 'wasm-unsafe-eval'. The worker gets the policy from its own script's response, as on a real site.
const STRICT = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'";
const NO_WASM = "default-src 'self'; script-src 'self'; worker-src 'self'";
const BASE_PORT = Number(process.env.E2E_CSP_PORT ?? 4283);

const servers: ChildProcess[] = [];
function serve(port: number, csp: string): Promise<void> {
  const server = spawn(process.execPath, [join(import.meta.dirname, '..', 'scripts/serve.mjs'), '--port', String(port), '--csp', csp], { stdio: 'pipe' });
  servers.push(server);
  return new Promise((ready, fail) => {
    server.stdout!.on('data', (chunk: Buffer) => String(chunk).includes(String(port)) && ready());
    server.on('exit', (code) => fail(new Error(`serve.mjs exited with ${code}`)));
  });
}

test.beforeAll(() => Promise.all([serve(BASE_PORT, STRICT), serve(BASE_PORT + 1, NO_WASM)]));
test.afterAll(() => servers.forEach((s) => s.kill()));

async function startOn(page: Page, port: number) {
  await page.goto(`http://127.0.0.1:${port}/blank.html`);
  return page.evaluate(async () => {
    const { createRecommender } = await import('/dist/pocketrec.js' as string);
    const rec = await createRecommender({ catalog: '/catalog/catalog.json', dbName: 'csp' });
    const found = await rec.search('espresso beans', 3);
    const status = await rec.status();
    rec.dispose();
    type Skipped = Array<{ device: string; reason: string }>;
    return { found: found.length as number, encoder: status.encoder as { id: string; device: string; skipped: Skipped }, sequence: status.sequence as { skipped: Skipped } | null };
  });
}

test("under script-src 'self' 'wasm-unsafe-eval' the neural encoder runs", async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => void (/Content.Security.Policy/i.test(m.text()) && violations.push(m.text())));
  const run = await startOn(page, BASE_PORT);
  expect(run.encoder).toMatchObject({ id: expect.stringMatching(/^use-lite-int8@/), device: 'wasm' });
  expect(run.found).toBe(3);
  expect(violations).toEqual([]);
});

test("without 'wasm-unsafe-eval' the engine still serves, on the lexical encoder, and status() names the CSP", async ({ page }) => {
  const run = await startOn(page, BASE_PORT + 1);
  expect(run.encoder.id).toMatch(/^lexical/);
  expect(run.found).toBe(3);
  expect(run.encoder.skipped).toEqual(expect.arrayContaining([{ device: 'wasm', reason: expect.stringMatching(/Content-Security-Policy forbids WebAssembly.*add 'wasm-unsafe-eval' to script-src/) }]));
  expect(run.sequence?.skipped).toEqual(expect.arrayContaining([{ device: 'wasm', reason: expect.stringMatching(/Content-Security-Policy forbids WebAssembly/) }]));
});
