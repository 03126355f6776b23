#!/usr/bin/env node
// After `tsc -p tsconfig.build.json`: roll the per-file declarations in dist/types/ into one file per entry, so a
// site's compiler sees only the public surface. The per-file tree imports `idb`, `onnxruntime-web` and `comlink`
// (internal types of the worker and the store), which a site does not install: with `skipLibCheck: false` it would
// fail on them. Every published declaration may import only the package's peer dependencies; this script checks it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const types = join(dist, 'types');
const publicEntry = join(types, 'index.d.ts');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// `react`'s types are `@types/react`, which a React site installs next to the peer.
const peers = new Set(Object.keys(pkg.peerDependencies ?? {}));

/** Entry declaration under dist/types/ → published file; `external` maps declarations left to another entry. */
const BUNDLED = [
  { input: publicEntry, file: 'pocketrec.d.ts' },
  // The React bindings import PocketRec itself from ./pocketrec.js at run time; their types do the same, so that
  // `PocketRecError` and `Recommender` are one declaration, not two copies.
  { input: join(types, 'react/index.d.ts'), file: 'react.d.ts', external: { [publicEntry]: './pocketrec.js' } },
];
const WRITTEN = {
  // The worker entries export nothing: a module that imports them gets their URL from its bundler, not bindings.
  'worker.d.ts': 'export {};\n',
  // The plugin is Node code built apart (vite.cli.config.ts); its surface is one function.
  'vite.d.ts': "import type { Plugin } from 'vite';\n/** Serves and bundles PocketRec's worker and runtime files (see the README, \"Vite\"). */\nexport default function pocketrec(): Plugin;\n",
};

const outputs = { ...WRITTEN };
for (const { input, file, external = {} } of BUNDLED) {
  const bundle = await rollup({
    input,
    plugins: [dts()],
    external: (id) => id in external,
    onwarn: (warning) => {
      throw new Error(`bundle-types: ${file}: ${warning.message}`);
    },
  });
  const { output } = await bundle.generate({ format: 'es', paths: (id) => external[id] ?? id });
  await bundle.close();
  outputs[file] = output[0].code;
}
for (const [file, code] of Object.entries(outputs)) {
  for (const specifier of importedSpecifiers(code)) {
    if (specifier === './pocketrec.js' || peers.has(packageName(specifier))) continue;
    throw new Error(`bundle-types: dist/${file} imports "${specifier}", which is not a peer dependency of pocketrec; keep its types out of the public API.`);
  }
  writeFileSync(join(dist, file), code);
}
rmSync(types, { recursive: true, force: true });
console.log(`bundle-types: ${Object.keys(outputs).map((f) => `dist/${f}`).join(', ')}`);

function packageName(specifier) {
  return specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

function importedSpecifiers(code) {
  return [...code.matchAll(/\b(?:from|import)\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
}
