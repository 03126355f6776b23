#!/usr/bin/env node
// `npm run eval`: `pocketrec eval` on both shared data sets, results in eval/results/, a compact table at the end;
// then the temporal protocol (`--split temporal`) on every set that has event times, its own table after it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const shared = resolve(root, '../shared');
// No setting is chosen here: `pocketrec eval` takes the build's path. The engine is tuned on TRAIN with each
// visitor's last TRAIN event held out (`--tune-minutes`, default 2); the sequence model's window, dropout, softmax
// and early-stopping visitors follow the training histories' shape (src/cli/sequence/auto-settings.ts), it stops
// early on each visitor's last TRAIN item (so VALID scores it one step later, as TEST does), and its item
// embeddings start from the content vectors where items have text.
const sets = [
  ['ml-latest-small', 'datasets/ml-latest-small', 'eval/ml-latest-small'],
  ['amazon-games', 'datasets/amazon-games', 'eval/amazon-games'],
];
if (!existsSync(shared)) {
  console.log('eval: ../shared is absent; nothing to evaluate.');
  process.exit(0);
}
mkdirSync(join(root, 'eval/results'), { recursive: true });
const extra = process.argv.slice(2);
const runEval = (name, data, protocol, suffix, flags) => {
  const out = join(root, 'eval/results', `${name}${suffix}.json`);
  // Training checkpoints make a second run (other engine weights, say) resume instead of training again.
  mkdirSync(join(root, 'eval/results/checkpoints'), { recursive: true });
  const checkpoint = { checkpoint: join(root, 'eval/results/checkpoints', `${name}${suffix}`) };
  const args = ['eval', '--data', join(shared, data), '--protocol', join(shared, protocol), '--json', out, '--sequence', JSON.stringify(checkpoint), ...flags, ...extra];
  const r = spawnSync(process.execPath, [join(root, 'dist/research/pocketrec-research.js'), ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
for (const [name, data, protocol] of sets) runEval(name, data, protocol, '', []);
// Whether the automatic settings carry over: chosen on one half of the visitors, scored on the other half.
for (const [name, data, protocol] of sets) runEval(name, data, protocol, '-transfer', ['--transfer', '--models', 'MostPop,ItemKNN-recency,sasrec,engine']);
console.log('\ndataset          model            full NDCG@10 (± se)   HR@10    MRR@10   cov@10   ILD@10   sampled NDCG@10');
for (const [name] of sets) {
  const report = JSON.parse(readFileSync(join(root, 'eval/results', `${name}.json`), 'utf8'));
  for (const [model, r] of Object.entries(report.results)) {
    const f = r.full;
    const x = (v) => (v == null ? '   –  ' : v.toFixed(4));
    console.log(`${name.padEnd(16)} ${model.padEnd(16)} ${x(f['NDCG@10'])} (± ${x(f['NDCG@10_se'])})   ${x(f['HR@10'])}   ${x(f['MRR@10'])}   ${x(f['coverage@10'])}   ${x(f['ILD@10'])}   ${x(r.sampled['NDCG@10'])}`);
  }
  console.log(`${name.padEnd(16)} split checksums ${report.split_sha256_ok ? 'reproduced' : 'NOT reproduced'}`);
}
console.log('\ntransfer         model            full NDCG@10 (± se)   HR@10    MRR@10   cov@10   ILD@10   (chosen on / scored on visitors)');
for (const [name] of sets) {
  const report = JSON.parse(readFileSync(join(root, 'eval/results', `${name}-transfer.json`), 'utf8'));
  for (const [model, r] of Object.entries(report.results)) {
    const f = r.full;
    const x = (v) => (v == null ? '   –  ' : v.toFixed(4));
    console.log(`${name.padEnd(16)} ${model.padEnd(16)} ${x(f['NDCG@10'])} (± ${x(f['NDCG@10_se'])})   ${x(f['HR@10'])}   ${x(f['MRR@10'])}   ${x(f['coverage@10'])}   ${x(f['ILD@10'])}   (${report.transfer.tuneUsers} / ${report.transfer.scoredUsers})`);
  }
}

// The temporal protocol: a global cut at the time by which 90 % of events happened, the rest of the log in ten
// rolling windows (ml-latest-small has only 27 visitors with history before the cut and an event after it; ten
// windows pool 121 such cases; VALID's ten windows, between the 0.8 and 0.9 quantiles, pool 100, where one window
// had 21, too few to choose the baselines' half-lives on). Amazon Games was published without timestamps, so it cannot be split in time.
const temporal = [
  ['ml-latest-small', 'datasets/ml-latest-small'],
  ['amazon-games', 'datasets/amazon-games'],
];
const temporalRan = [];
for (const [name, data] of temporal) {
  const folder = join(shared, data);
  if (!existsSync(join(folder, 'ratings.csv'))) {
    console.log(`\ntemporal: ${name} has no event times (SASRec-format file order only); skipped`);
    continue;
  }
  const out = join(root, 'eval/results', `${name}-temporal.json`);
  const args = ['eval', '--split', 'temporal', '--windows', '10', '--valid-windows', '10', '--data', folder, '--json', out];
  const r = spawnSync(process.execPath, [join(root, 'dist/research/pocketrec-research.js'), ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  temporalRan.push(name);
}
console.log('\ntemporal         model            NDCG@10 (± se)      HR@10    MRR@10   cov@10   ILD@10   cases   cold NDCG@10 (cases)');
for (const name of temporalRan) {
  const report = JSON.parse(readFileSync(join(root, 'eval/results', `${name}-temporal.json`), 'utf8'));
  for (const [model, r] of Object.entries(report.results)) {
    const w = r.warm;
    const x = (v) => (v == null ? '   –  ' : v.toFixed(4));
    console.log(`${name.padEnd(16)} ${model.padEnd(16)} ${x(w['NDCG@10'])} (± ${x(w['NDCG@10_se'])})   ${x(w['HR@10'])}   ${x(w['MRR@10'])}   ${x(w['coverage@10'])}   ${x(w['ILD@10'])}   ${String(w.users).padStart(5)}   ${x(r.cold['NDCG@10'])} (${r.cold.users})`);
  }
  console.log(`${name.padEnd(16)} temporal split sha256 train ${report.split_sha256.train} targets ${report.split_sha256.targets}`);
}
