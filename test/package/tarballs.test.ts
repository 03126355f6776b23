import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';

// What `npm pack` would publish, from the built checkout (`npm test` builds first). The install itself, offline
// into an empty app, is e2e/vite-app.spec.ts.
interface Packed {
  unpackedSize: number;
  files: Array<{ path: string; size: number }>;
}

function dryRun(cwd: string): Packed {
  const run = spawnSync('npm', ['pack', '--dry-run', '--json'], { cwd, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as Packed[])[0]!;
}

describe('the browser package tarball', () => {
  const packed = dryRun('.');
  const paths = packed.files.map((f) => f.path);
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

  it('ships what a site serves and nothing of the CLI, the demo, the tests or source maps, within 40 MB', () => {
    expect(packed.unpackedSize).toBeLessThanOrEqual(40e6);
    expect(paths.filter((p) => /\.map$|^dist\/(cli|research|demo-source|test-worker)\/|^src\/|jsep/.test(p))).toEqual([]);
    const { files } = JSON.parse(readFileSync('dist/assets.json', 'utf8')) as { files: Array<{ file: string; bytes: number }> };
    for (const { file, bytes } of files) expect(packed.files.find((f) => f.path === `dist/${file}`)?.size, file).toBe(bytes);
  });

  it('has no dependencies, transformers.js as an optional peer, no install scripts and no bin', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies).toHaveProperty('@huggingface/transformers');
    expect(pkg.peerDependenciesMeta['@huggingface/transformers']).toEqual({ optional: true });
    expect(Object.keys(pkg.scripts).filter((s) => /^(pre|post)?install$|^prepare$/.test(s))).toEqual([]);
    expect(pkg.bin).toBeUndefined();
    expect(pkg.private).toBe(false);
  });

  it('exports every entry with its types first, and every file an entry names is in the tarball', () => {
    for (const [entry, target] of Object.entries(pkg.exports as Record<string, string | Record<string, string>>)) {
      if (typeof target === 'string') continue;
      expect(Object.keys(target)[0], entry).toBe('types');
      // dist/react.* comes from the React bindings' build, which lives in its own branch until merged.
      if (entry === './react') continue;
      for (const file of Object.values(target)) expect(paths, `${entry} → ${file}`).toContain(file.replace(/^\.\//, ''));
    }
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './worker', './worker-transformers', './react', './iife', './vite']));
  });
});

describe('the CLI package tarball', () => {
  const packed = dryRun('packages/cli');
  const paths = packed.files.map((f) => f.path);

  it('carries the bundle (with the embedding threads\' script beside it) and the encoder model of its own build, without source maps', () => {
    const manifest = JSON.parse(readFileSync('packages/cli/model/manifest.json', 'utf8'));
    expect(paths).toEqual(expect.arrayContaining(['dist/pocketrec.js', 'dist/embed-worker.js', 'model/manifest.json', `model/${manifest.files.int8.file}`, `model/${manifest.files.vocabulary.file}`]));
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    const built = JSON.parse(readFileSync('models/build/manifest.json', 'utf8'));
    expect(manifest.model).toBe(built.model);
  });

  it('declares exactly the packages its chunks import as dependencies, and its bin', () => {
    const pkg = JSON.parse(readFileSync('packages/cli/package.json', 'utf8'));
    expect(pkg.bin).toEqual({ pocketrec: './dist/pocketrec.js' });
    const chunks = readdirSync('packages/cli/dist').filter((f) => f.endsWith('.js'));
    const specifiers = chunks.flatMap((chunk) =>
      [...readFileSync(`packages/cli/dist/${chunk}`, 'utf8').matchAll(/(?:^|[;}])\s*import\s*[^;]*?from\s*"([^"]+)"|\bimport\("([^"]+)"\)|\brequire\("([^"]+)"\)/gm)].map((m) => m[1] ?? m[2] ?? m[3]!),
    );
    expect(specifiers.length).toBeGreaterThan(0);
    const builtin = new Set(builtinModules);
    const packageOf = (s: string) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!);
    const imported = new Set(specifiers.filter((s) => !s.startsWith('node:') && !s.startsWith('.') && !builtin.has(s)).map(packageOf));
    expect([...imported].sort()).toEqual(Object.keys(pkg.dependencies ?? {}).sort());
    // DuckDB is native, so it cannot be bundled: the CLI's single real dependency, its API and the bindings under
    // it (read directly for typed views of its vectors), at the version the API itself pins.
    expect(Object.keys(pkg.dependencies)).toEqual(['@duckdb/node-api', '@duckdb/node-bindings']);
    const api = JSON.parse(readFileSync('node_modules/@duckdb/node-api/package.json', 'utf8'));
    expect(pkg.dependencies['@duckdb/node-bindings']).toBe(api.dependencies['@duckdb/node-bindings']);
  });

  it('bundles onnxruntime-web and TF.js with their WASM binaries beside them (their packages bring install scripts)', () => {
    expect(paths).toEqual(expect.arrayContaining(['dist/ort-wasm-simd-threaded.mjs', 'dist/ort-wasm-simd-threaded.wasm', 'dist/tfjs-backend-wasm-simd.wasm', 'dist/tfjs-backend-wasm.wasm']));
  });
});
