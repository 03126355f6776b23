#!/usr/bin/env node
// `npm run bench` (vector part): what shrinking the item vectors (`pocketrec build --vectors pca-<d>`) costs, measured
// through the product's own code: MovieLens TEST NDCG@10 of the engine (`pocketrec-research eval --engine
// '{"vectors":…}'`, no sequence model, so a run takes minutes) and neural search overlap@10 against full vectors
// (`pocketrec-research search-overlap`: the bundled encoder, the build's PCA, the worker's projected queries).
// Bytes at 1 M items follow from the format (f32 scale + d int8 values per row). Numbers, never pass/fail.
// Usage: node bench/vector-quality.mjs [choices, default pca-256,pca-128,pca-64]   (../shared, or POCKETREC_SHARED)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const shared = process.env.POCKETREC_SHARED ?? resolve(root, '../shared');
const data = join(shared, 'datasets/ml-latest-small');
const research = join(root, 'dist/research/pocketrec-research.js');
const choices = (process.argv[2] ?? 'pca-256,pca-128,pca-64').split(',');
if (!existsSync(data)) {
  console.log(`bench/vector-quality: ${data} not found; skipped.`);
  process.exit(0);
}
if (!existsSync(research)) throw new Error('bench/vector-quality: build the research tools first (npm run build:cli)');
const out = join(root, 'bench/results/vectors');
mkdirSync(out, { recursive: true });

function research_(args) {
  const r = spawnSync(process.execPath, [research, ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`bench/vector-quality: pocketrec-research ${args[0]} failed`);
}

const quality = {};
for (const vectors of ['full', ...choices]) {
  const json = join(out, `eval-${vectors}.json`);
  research_(['eval', '--data', data, '--protocol', join(shared, 'eval/ml-latest-small'), '--json', json, '--models', 'engine', '--engine', JSON.stringify({ vectors })]);
  quality[vectors] = JSON.parse(readFileSync(json, 'utf8')).results.engine.full;
}
const overlapJson = join(out, 'search-overlap.json');
const modelDir = join(root, 'models/build');
let overlap = null;
if (existsSync(join(modelDir, 'manifest.json'))) {
  // The items' full vectors are kept beside the results: a rerun (same model) skips minutes of embedding.
  research_(['search-overlap', '--data', data, '--json', overlapJson, '--vectors', choices.join(','), '--model-dir', modelDir, '--cache', join(out, 'movielens-items.f32')]);
  overlap = JSON.parse(readFileSync(overlapJson, 'utf8'));
} else console.log('bench/vector-quality: models/build is absent (npm run build:model); search overlap skipped.');

const dimOf = (v) => (v === 'full' ? 512 : Number(v.slice(4)));
const mb = (d) => ((1_000_000 * (4 + d)) / 1e6).toFixed(0);
console.log('\nvectors   dims  MovieLens TEST NDCG@10 (± se)  HR@10   cov@10  ILD@10  search overlap@10 vs full  int8 rows at 1 M items');
for (const v of ['full', ...choices]) {
  const q = quality[v];
  const o = v === 'full' ? 1 : overlap?.results[v]?.['overlap@10'];
  console.log(
    `${v.padEnd(9)} ${String(dimOf(v)).padStart(4)}  ${q['NDCG@10'].toFixed(4)} (± ${q['NDCG@10_se'].toFixed(4)})            ${q['HR@10'].toFixed(4)}  ${q['coverage@10'].toFixed(4)}  ${(q['ILD@10'] ?? 0).toFixed(4)}  ` +
      `${o == null ? '   –  ' : o.toFixed(3)}                      ${mb(dimOf(v))} MB`,
  );
}
const file = join(root, 'bench/results', `vector-quality-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), quality, overlap }, null, 2));
console.log(`\nbench/vector-quality: wrote ${file}`);
