import { expect, test, type Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { forbidForeignRequests } from './helpers';

// A site as a new user would build it: the packed tarball installed into an empty Vite app, the README's
// `pocketrec/vite` plugin, a production build, served by `vite preview`. Offline: the tarball has no dependencies,
// and the app uses this checkout's Vite binary instead of installing one.
// TODO(lead): once the React bindings (pocketrec/react) are on main, write this app with React and its hooks.
const ROOT = resolve(import.meta.dirname, '..');
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');
const PORT = Number(process.env.E2E_VITE_PORT ?? 4273);

const MAIN_TS = `
import { createRecommender } from 'pocketrec';

async function main(): Promise<void> {
  const out = document.querySelector('#out')!;
  try {
    const rec = await createRecommender({ catalog: '/catalog/catalog.json', dbName: 'vite-app' });
    const found = await rec.search('espresso beans', 3);
    await rec.track({ type: 'view', itemId: found[0]!.id });
    const recs = await rec.recommend({ k: 5 });
    const status = await rec.status();
    out.textContent = JSON.stringify({ search: found.map((r) => r.id), recs: recs.map((r) => r.id), encoder: status.encoder });
  } catch (error) {
    out.textContent = JSON.stringify({ error: String(error), code: (error as { code?: string }).code });
  }
  document.body.dataset.ready = 'true';
}
void main();
`;

let app: string;
let preview: ChildProcess | undefined;

/** Starts a Vite command in the app and resolves once it prints its port. */
function startVite(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [VITE, ...args, '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: app, stdio: 'pipe' });
  return new Promise((ready, fail) => {
    let log = '';
    child.stdout!.on('data', (chunk: Buffer) => ((log += chunk), log.includes(String(port)) && ready(child)));
    child.on('exit', (code) => fail(new Error(`vite ${args.join(' ')} exited with ${code}: ${log}`)));
  });
}

async function runApp(page: Page, origin: string) {
  const foreign = forbidForeignRequests(page, origin);
  await page.goto(`${origin}/`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 120_000 });
  const result = JSON.parse((await page.locator('#out').textContent()) ?? '{}');
  expect(result.error).toBeUndefined();
  expect(result.encoder).toMatchObject({ id: expect.stringMatching(/^use-lite-int8@/), device: 'wasm' });
  expect(result.search).toHaveLength(3);
  expect(result.recs.length).toBeGreaterThan(0);
  expect(foreign).toEqual([]);
}

test.describe('a Vite app built from the packed tarball', () => {
  test.setTimeout(300_000);

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-vite-app-'));
    app = join(tmp, 'shop');
    const pack = spawnSync('npm', ['pack', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' });
    expect(pack.status, pack.stderr).toBe(0);
    const tarball = join(tmp, readdirSync(tmp).find((f) => f.endsWith('.tgz'))!);
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }));
    const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    const scripts = spawnSync('npm', ['query', ':attr(scripts, [postinstall]), :attr(scripts, [install]), :attr(scripts, [preinstall])'], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(scripts.stdout)).toEqual([]);

    writeFileSync(join(app, 'index.html'), '<!doctype html><html><body><pre id="out"></pre><script type="module" src="/src/main.ts"></script></body></html>');
    writeFileSync(join(app, 'src/main.ts'), MAIN_TS);
    writeFileSync(join(app, 'vite.config.js'), "import pocketrec from 'pocketrec/vite';\nexport default { plugins: [pocketrec()] };\n");
    cpSync(join(ROOT, 'public/catalog'), join(app, 'public/catalog'), { recursive: true });
    const build = spawnSync(process.execPath, [VITE, 'build'], { cwd: app, encoding: 'utf8' });
    expect(build.status, build.stdout + build.stderr).toBe(0);

    preview = await startVite(['preview'], PORT);
  });

  test.afterAll(() => {
    preview?.kill();
    if (app) rmSync(resolve(app, '..'), { recursive: true, force: true });
  });

  test('the production build recommends with the bundled neural encoder, every asset served from the app', async ({ page }) => {
    const failed: string[] = [];
    page.on('response', (r) => void (r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`)));
    await runApp(page, `http://127.0.0.1:${PORT}`);
    expect(failed).toEqual([]);
  });

  test('the dev server serves the worker and its files from node_modules/pocketrec/dist', async ({ page }) => {
    const dev = await startVite([], PORT + 1);
    try {
      const workerRequests: string[] = [];
      page.on('request', (r) => void (r.url().includes('/node_modules/pocketrec/dist/') && workerRequests.push(new URL(r.url()).pathname)));
      await runApp(page, `http://127.0.0.1:${PORT + 1}`);
      expect(workerRequests).toEqual(expect.arrayContaining([expect.stringMatching(/pocketrec\.worker\.js$/)]));
    } finally {
      dev.kill();
    }
  });
});
