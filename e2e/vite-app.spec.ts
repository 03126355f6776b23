import { expect, test, type Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, removeApp, ROOT } from '../test/helpers/packed-app';
import { forbidForeignRequests } from './helpers';

// A React shop as a new user would build it from the README: the packed tarball, `react`, `react-dom` and
// `@vitejs/plugin-react` installed into an empty Vite app, the `pocketrec/vite` plugin, the provider, hooks and
// `<Recommendations>` of `pocketrec/react`, a production build served by `vite preview`. Offline: the tarball has no
// dependencies, React and the plugin are installed from this checkout's copies (as real copies, not links), and the
// app uses this checkout's Vite instead of installing one.
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const PORT = Number(process.env.E2E_VITE_PORT ?? 4273);
/** What the README tells a React site to install, and what those packages depend on. */
const REACT_PACKAGES = ['react', 'react-dom', 'scheduler', '@vitejs/plugin-react', '@rolldown/pluginutils', '@types/react', '@types/react-dom', 'csstype'];

const MAIN_TSX = `
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';

createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
`;

const APP_TSX = `
import { useEffect, useState } from 'react';
import type { Status } from 'pocketrec';
import { PocketRecProvider, Recommendations, useRecommendations, useRecommender, useSearch, useTrack } from 'pocketrec/react';

export function App() {
  return (
    <PocketRecProvider options={{ catalog: '/catalog/catalog.json', dbName: 'vite-react-app' }}>
      <Shop />
    </PocketRecProvider>
  );
}

function Shop() {
  const track = useTrack();
  const found = useSearch('espresso beans', { k: 3 });
  const feed = useRecommendations({ k: 5 });
  const status = useStatus(feed.data);
  const [widgetError, setWidgetError] = useState<Error | null>(null);
  const errors = [found.error, feed.error, widgetError].filter((e): e is Error => e !== null);
  return (
    <main>
      <p id="errors">{errors.map((e) => \`\${(e as { code?: string }).code}: \${e.message}\`).join('\\n')}</p>
      <section id="search">
        {found.data?.map((r) => (
          <button key={r.id} data-item-id={r.id} onClick={() => void track({ type: 'view', itemId: r.id })}>{r.item.title}</button>
        ))}
      </section>
      <ul id="feed" data-status={feed.status}>
        {feed.data?.map((r) => <li key={r.id} data-item-id={r.id}>{r.item.title} <small>{r.reason}</small></li>)}
      </ul>
      <Recommendations kind="for-you" k={4} className="widget" onSelect={(_r, event) => event.preventDefault()} onError={setWidgetError} />
      <pre id="status">{status ? JSON.stringify(status) : ''}</pre>
    </main>
  );
}

/** The recommender's status, asked again whenever the feed changes. */
function useStatus(feed: unknown): Status | null {
  const { data: rec } = useRecommender();
  const [status, setStatus] = useState<Status | null>(null);
  useEffect(() => {
    if (rec) void rec.status().then(setStatus);
  }, [rec, feed]);
  return status;
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    module: 'ESNext',
    moduleResolution: 'bundler',
    jsx: 'react-jsx',
    strict: true,
    noEmit: true,
    // As Vite's React template has it (test/package/declarations.test.ts checks the package without it).
    skipLibCheck: true,
    types: [],
  },
  include: ['src'],
};

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

async function feedIds(page: Page): Promise<string[]> {
  return page.locator('#feed li').evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id') ?? ''));
}

async function status(page: Page): Promise<{ historySize: number; encoder: { id: string; device: string } } | null> {
  const text = (await page.locator('#status').textContent()) ?? '';
  return text ? JSON.parse(text) : null;
}

/** Renders the shop, then tracks a view and a widget click through React and sees the feed follow each. */
async function driveShop(page: Page, origin: string): Promise<void> {
  const foreign = forbidForeignRequests(page, origin);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  const workers: string[] = [];
  page.on('worker', (worker) => workers.push(worker.url()));
  await page.goto(`${origin}/`);
  await expect(page.locator('#feed')).toHaveAttribute('data-status', /^(ready|error)$/, { timeout: 120_000 });
  await expect(page.locator('#errors')).toHaveText('');
  await expect(page.locator('#feed')).toHaveAttribute('data-status', 'ready');
  await expect(page.locator('#search button')).toHaveCount(3, { timeout: 60_000 });
  await expect(page.locator('.widget li').first()).toBeVisible({ timeout: 60_000 });
  await expect.poll(() => status(page), { timeout: 60_000 }).toMatchObject({
    historySize: 0,
    encoder: { id: expect.stringMatching(/^use-lite-int8@/), device: 'wasm' },
  });
  const cold = await feedIds(page);
  expect(cold.length).toBeGreaterThan(0);

  // useTrack: a view of a search result.
  const viewed = await page.locator('#search button').first().getAttribute('data-item-id');
  await page.locator('#search button').first().click();
  await expect.poll(async () => (await status(page))?.historySize, { timeout: 60_000 }).toBe(1);
  await expect.poll(() => feedIds(page), { timeout: 60_000 }).not.toEqual(cold);
  const afterView = await feedIds(page);
  expect(afterView.length).toBeGreaterThan(0);

  // <Recommendations>: its click is tracked by the component itself.
  await page.locator(`.widget li:not([data-item-id="${viewed}"]) a`).first().click();
  await expect.poll(async () => (await status(page))?.historySize, { timeout: 60_000 }).toBe(2);
  await expect.poll(() => feedIds(page), { timeout: 60_000 }).not.toEqual(afterView);

  await expect(page.locator('#errors')).toHaveText('');
  expect(pageErrors).toEqual([]);
  // StrictMode mounts the provider twice; one worker serves both.
  expect(workers).toHaveLength(1);
  expect(foreign).toEqual([]);
}

test.describe('a Vite + React app built from the packed tarball', () => {
  test.setTimeout(300_000);

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    // No install script anywhere in the tree (createApp checks); the plugin's peer `vite` is this checkout's, linked.
    app = createApp('shop', REACT_PACKAGES);
    mkdirSync(join(app, 'src'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules/vite'), join(app, 'node_modules/vite'), 'dir');

    writeFileSync(join(app, 'index.html'), '<!doctype html><html><body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>');
    writeFileSync(join(app, 'src/main.tsx'), MAIN_TSX);
    writeFileSync(join(app, 'src/App.tsx'), APP_TSX);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    writeFileSync(join(app, 'vite.config.js'), "import react from '@vitejs/plugin-react';\nimport pocketrec from 'pocketrec/vite';\nexport default { plugins: [react(), pocketrec()] };\n");
    cpSync(join(ROOT, 'public/catalog'), join(app, 'public/catalog'), { recursive: true });
    // The package's types as a site's compiler sees them: `pocketrec` and `pocketrec/react` from the tarball.
    const types = spawnSync(process.execPath, [TSC, '-p', app], { cwd: app, encoding: 'utf8' });
    expect(types.status, types.stdout + types.stderr).toBe(0);
    const build = spawnSync(process.execPath, [VITE, 'build'], { cwd: app, encoding: 'utf8' });
    expect(build.status, build.stdout + build.stderr).toBe(0);

    preview = await startVite(['preview'], PORT);
  });

  test.afterAll(() => {
    preview?.kill();
    removeApp(app);
  });

  test('the production build renders recommendations that follow tracked clicks, every asset served from the app', async ({ page }) => {
    const failed: string[] = [];
    page.on('response', (r) => void (r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`)));
    await driveShop(page, `http://127.0.0.1:${PORT}`);
    expect(failed).toEqual([]);
  });

  test('the dev server serves the worker and its files from node_modules/pocketrec/dist', async ({ page }) => {
    const dev = await startVite([], PORT + 1);
    try {
      const failed: string[] = [];
      page.on('response', (r) => void (r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`)));
      const workerRequests: string[] = [];
      page.on('request', (r) => void (r.url().includes('/node_modules/pocketrec/dist/') && workerRequests.push(new URL(r.url()).pathname)));
      await driveShop(page, `http://127.0.0.1:${PORT + 1}`);
      expect(workerRequests).toEqual(expect.arrayContaining([expect.stringMatching(/pocketrec\.worker\.js$/)]));
      expect(failed).toEqual([]);
    } finally {
      dev.kill();
    }
  });
});
