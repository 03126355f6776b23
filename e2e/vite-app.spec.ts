import { expect, test } from '@playwright/test';
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

    preview = spawn(process.execPath, [VITE, 'preview', '--port', String(PORT), '--strictPort', '--host', '127.0.0.1'], { cwd: app, stdio: 'pipe' });
    await new Promise<void>((ready, fail) => {
      let log = '';
      preview!.stdout!.on('data', (chunk: Buffer) => ((log += chunk), log.includes(String(PORT)) && ready()));
      preview!.on('exit', (code) => fail(new Error(`vite preview exited with ${code}: ${log}`)));
    });
  });

  test.afterAll(() => {
    preview?.kill();
    if (app) rmSync(resolve(app, '..'), { recursive: true, force: true });
  });

  test('recommends with the bundled neural encoder, every asset served from the app', async ({ page }) => {
    const origin = `http://127.0.0.1:${PORT}`;
    const foreign = forbidForeignRequests(page, origin);
    const failed: string[] = [];
    page.on('response', (r) => void (r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`)));
    await page.goto(`${origin}/`);
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 120_000 });
    const result = JSON.parse((await page.locator('#out').textContent()) ?? '{}');
    expect(result.error).toBeUndefined();
    expect(result.encoder).toMatchObject({ id: expect.stringMatching(/^use-lite-int8@/), device: 'wasm' });
    expect(result.search).toHaveLength(3);
    expect(result.recs.length).toBeGreaterThan(0);
    expect(failed).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
