import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The browser package as a site gets it: `npm pack` of this built checkout, installed offline into an empty app.
// The suites that need it (the Vite and webpack apps, the published declarations) share one tarball per process.
export const ROOT = resolve(import.meta.dirname, '../..');

let packed: string | undefined;

/** The packed tarball of the built checkout, packed once per process and removed when the process exits. */
export function packedTarball(): string {
  if (packed) return packed;
  const dir = mkdtempSync(join(tmpdir(), 'pocketrec-pack-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const pack = spawnSync('npm', ['pack', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  packed = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  return packed;
}

/**
 * An empty app folder (`<tmp>/<name>`) with the tarball and `packages` installed: offline, each package copied
 * from this checkout's node_modules (real copies, not links), so nothing is downloaded. Throws if anything
 * installed has an install script, since the browser package promises a tree without any.
 */
export function createApp(name: string, packages: readonly string[]): string {
  const app = join(mkdtempSync(join(tmpdir(), `pocketrec-${name}-`)), name);
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  // --legacy-peer-deps: peers a suite needs (vite) are linked from this checkout afterwards, not installed.
  const install = spawnSync(
    'npm',
    ['install', '--offline', '--install-links', '--legacy-peer-deps', '--no-audit', '--no-fund', packedTarball(), ...packages.map((p) => join(ROOT, 'node_modules', p))],
    { cwd: app, encoding: 'utf8' },
  );
  if (install.status !== 0) throw new Error(`npm install in ${app} failed: ${install.stderr}`);
  const scripts = spawnSync('npm', ['query', ':attr(scripts, [postinstall]), :attr(scripts, [install]), :attr(scripts, [preinstall])'], { cwd: app, encoding: 'utf8' });
  const withScripts = (JSON.parse(scripts.stdout) as Array<{ name: string }>).map((p) => p.name);
  if (withScripts.length > 0) throw new Error(`installed packages with install scripts: ${withScripts.join(', ')}`);
  return app;
}

/** Removes an app made by `createApp`, with the temporary folder around it. */
export function removeApp(app: string | undefined): void {
  if (app) rmSync(resolve(app, '..'), { recursive: true, force: true });
}
