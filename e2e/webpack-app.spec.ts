import { expect, test, type Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, removeApp, ROOT } from '../test/helpers/packed-app';
import { forbidForeignRequests } from './helpers';

// A shop bundled by webpack 5 with no configuration file at all: `src/index.js` imports `pocketrec` from the packed
// tarball, `webpack --mode production` builds `dist/`, a plain static server serves it. webpack must find the
// worker, its chunks, the runtime's .wasm and .mjs and the bundled model on its own. Offline: webpack and its CLI
// are this checkout's, linked (their dependency trees stay where they are).
const PORT = Number(process.env.E2E_WEBPACK_PORT ?? 4293);

const INDEX_JS = `
import { createRecommender } from 'pocketrec';

const show = (id, text) => (document.getElementById(id).textContent = text);

async function main() {
  const rec = await createRecommender({ catalog: '/catalog/catalog.json', dbName: 'webpack-app' });
  const render = async () => {
    const feed = await rec.recommend({ k: 5 });
    const list = document.getElementById('feed');
    list.replaceChildren(...feed.map((r) => {
      const button = document.createElement('button');
      button.dataset.itemId = r.id;
      button.textContent = r.item.title;
      button.onclick = () => rec.track({ type: 'click', itemId: r.id }).then(render).catch((e) => show('errors', e.code + ': ' + e.message));
      const li = document.createElement('li');
      li.dataset.itemId = r.id;
      li.append(button);
      return li;
    }));
    show('status', JSON.stringify(await rec.status()));
  };
  await render();
  // The catalogue ships its embeddings, so the encoder loads only when asked: here at once, to show it runs.
  await rec.ready('encoder');
  show('status', JSON.stringify(await rec.status()));
}

main().catch((e) => show('errors', e.code + ': ' + e.message));
`;

const INDEX_HTML = '<!doctype html><html><body><p id="errors"></p><ul id="feed"></ul><pre id="status"></pre><script src="/main.js"></script></body></html>';

let app: string;
let server: ChildProcess | undefined;

async function feedIds(page: Page): Promise<string[]> {
  return page.locator('#feed li').evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id') ?? ''));
}

async function status(page: Page): Promise<{ historySize: number; encoder: { id: string; device: string } } | null> {
  const text = (await page.locator('#status').textContent()) ?? '';
  return text ? JSON.parse(text) : null;
}

test.describe('a webpack 5 app built from the packed tarball with no configuration', () => {
  test.setTimeout(300_000);

  test.beforeAll(async () => {
    test.setTimeout(600_000);
    app = createApp('webpack-shop', []);
    for (const name of ['webpack', 'webpack-cli']) symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
    mkdirSync(join(app, 'src'));
    writeFileSync(join(app, 'src/index.js'), INDEX_JS);
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/webpack-cli/bin/cli.js'), '--mode', 'production'], { cwd: app, encoding: 'utf8' });
    expect(build.status, build.stdout + build.stderr).toBe(0);
    expect(build.stdout).not.toMatch(/\bERROR\b|Module not found|Critical dependency/);
    const out = join(app, 'dist');
    writeFileSync(join(out, 'index.html'), INDEX_HTML);
    cpSync(join(ROOT, 'public/catalog'), join(out, 'catalog'), { recursive: true });

    server = spawn(process.execPath, [join(ROOT, 'scripts/serve.mjs'), '--port', String(PORT), '--root', out], { stdio: 'pipe' });
    await new Promise<void>((ready, fail) => {
      server!.stdout!.on('data', (chunk: Buffer) => String(chunk).includes(String(PORT)) && ready());
      server!.on('exit', (code) => fail(new Error(`the static server exited with ${code}`)));
    });
  });

  test.afterAll(() => {
    server?.kill();
    removeApp(app);
  });

  test('webpack emits the worker, its runtime and the model; the app recommends on the neural encoder and follows a click', async ({ page }) => {
    // What webpack made of the package: the worker is its own chunk, and the files the worker names are assets.
    const emitted = readdirSync(join(app, 'dist'));
    expect(emitted.filter((f) => f.endsWith('.wasm'))).toHaveLength(1);
    expect(emitted.filter((f) => f.endsWith('.onnx'))).toHaveLength(1);
    expect(emitted).not.toContain('pocketrec.worker.js');

    const origin = `http://127.0.0.1:${PORT}`;
    const foreign = forbidForeignRequests(page, origin);
    const failed: string[] = [];
    const served: string[] = [];
    page.on('response', (r) => void (r.status() >= 400 ? failed.push(`${r.status()} ${r.url()}`) : served.push(new URL(r.url()).pathname)));
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    const workers: string[] = [];
    page.on('worker', (worker) => workers.push(worker.url()));

    await page.goto(`${origin}/`);
    await expect(page.locator('#feed li').first()).toBeVisible({ timeout: 120_000 });
    await expect(page.locator('#errors')).toHaveText('');
    await expect.poll(() => status(page), { timeout: 60_000 }).toMatchObject({
      historySize: 0,
      encoder: { id: expect.stringMatching(/^use-lite-int8@/), device: 'wasm' },
    });
    const cold = await feedIds(page);
    expect(cold.length).toBeGreaterThan(0);

    await page.locator('#feed button').first().click();
    await expect.poll(async () => (await status(page))?.historySize, { timeout: 60_000 }).toBe(1);
    await expect.poll(() => feedIds(page), { timeout: 60_000 }).not.toEqual(cold);

    await expect(page.locator('#errors')).toHaveText('');
    expect(pageErrors).toEqual([]);
    expect(failed).toEqual([]);
    expect(foreign).toEqual([]);
    expect(workers).toHaveLength(1);
    // The worker loaded the runtime and the model under the names webpack gave them.
    for (const ext of ['.wasm', '.mjs', '.onnx']) expect(served.some((p) => emitted.includes(p.slice(1)) && p.endsWith(ext)), ext).toBe(true);
  });
});
