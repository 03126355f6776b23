import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMALL_CATALOG } from '../fixtures/small-catalog';

// The CLI as a site installs it: its packed tarball (`npm test` builds first) into an empty folder, from the npm
// cache where it can (its dependencies are the registry's; nothing else is fetched).
const npm = (args: string[], cwd: string) => spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, encoding: 'utf8' });

describe('the CLI package installed from its tarball', () => {
  let app: string;
  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), 'pocketrec-cli-install-'));
    const packed = npm(['pack', resolve('packages/cli'), '--pack-destination', app, '--json'], app);
    expect(packed.status, packed.stderr).toBe(0);
    const { filename } = (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!;
    expect(npm(['init', '-y'], app).status).toBe(0);
    const installed = npm(['install', '--prefer-offline', join(app, filename)], app);
    expect(installed.status, installed.stderr).toBe(0);
  }, 300_000);
  afterAll(() => rm(app, { recursive: true, force: true }));

  it('brings no install script anywhere in its dependency tree', () => {
    const query = npm(['query', ':attr(scripts, [preinstall]), :attr(scripts, [install]), :attr(scripts, [postinstall])'], app);
    expect(query.status, query.stderr).toBe(0);
    expect((JSON.parse(query.stdout) as Array<{ name: string }>).map((p) => p.name)).toEqual([]);
  });

  it('builds a catalogue embedded with its own bundled encoder model, in its embedding thread', async () => {
    await writeFile(join(app, 'items.ndjson'), SMALL_CATALOG.map((i) => JSON.stringify(i)).join('\n'));
    const run = spawnSync(join(app, 'node_modules/.bin/pocketrec'), ['build', '--items', 'items.ndjson', '--out', 'site', '--embed-threads', '2'], { cwd: app, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    // 20 items are one thread's work (a thread starts for every 32); it ran embed-worker.js from the package.
    expect(run.stderr).toMatch(/embeddings: 20 × 512 int8 \(use-lite-int8@\w+, 1 thread\)/);
    // The cache went where tools keep theirs, not into the deployed folder.
    expect(JSON.parse(run.stdout).embedding).toMatchObject({ hits: 0, misses: 20, threads: 1, cache: 'node_modules/.cache/pocketrec' });
    const manifest = JSON.parse(await readFile(join(app, 'site/catalog.json'), 'utf8'));
    const bundled = JSON.parse(await readFile(join(app, 'node_modules/pocketrec-cli/model/manifest.json'), 'utf8'));
    expect(manifest.parts.embeddings).toMatchObject({ model: bundled.model, dim: 512 });
  }, 180_000);
});
