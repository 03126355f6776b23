#!/usr/bin/env node
// Embedding at scale in `pocketrec build` (issue 15): the neural encoder's items/s in 1 and 2 worker threads on the
// same synthetic 45-word items, a cold build with the embedding cache against a rebuild with 1 % of the items
// changed, and the lexical encoder (main thread) at 100 k items. Builds run the product CLI with `--sequence off`;
// each time is the build's own `phase: embeddings` line, thread start-up included, beside the CPU seconds of the
// whole build (every thread): on a shared machine, wall time shows the CPU it got, CPU time the work. Data goes to a
// scratch folder.
// Usage: npm run build:cli && node bench/embed-scale.mjs [--items 2000] [--threads 1,2] [--changed 0.01]
//        [--lexical-items 100000] [--dir /tmp/x] [--keep]
// Numbers, never a failure on timing. Last measured (2 000 items; the repository's 2-core machine, idle but for
// one single-threaded job, load average 2):
//   neural, 1 thread, no cache:   40.4 items/s (49.5 s, 53.3 CPU s)
//   neural, 2 threads, no cache:  90.1 items/s (22.2 s, 44.2 CPU s): 2.2× one thread
//   neural, cold, cache on:       84.4 items/s (23.7 s, 46.6 CPU s)
//   neural, rebuild, 1 % changed: 3.7 s, 20 embedded and 1 980 from the cache (6.2 CPU s)
//   lexical, main thread, 100 000 items: 3.7 s, 27 000 items/s
//   embeddings.bin identical across thread counts and with the cache; the rebuild's identical to an uncached one.
// Under load average 5 to 7 (no free second core) two threads were no faster than one (24–32 against 20–41 items/s).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './args.mjs';

const args = benchArgs();
const count = Number(args.get('items') ?? 2000);
const threads = String(args.get('threads') ?? '1,2').split(',').map(Number);
const changed = Number(args.get('changed') ?? 0.01);
const lexicalCount = Number(args.get('lexical-items') ?? 100_000);
const dir = String(args.get('dir') ?? join(tmpdir(), `pocketrec-embed-scale-${process.pid}`));
const CLI = 'packages/cli/dist/pocketrec.js';
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build:cli first`);
mkdirSync(dir, { recursive: true });

const WORDS = 'trail road tent stove kettle espresso grinder novel mystery headphones wireless lamp desk chair jacket rain wool cotton steel ceramic compact classic smart organic backpack lantern mug watch shoes garden'.split(' ');
/** `n` items of 45 words (5 in the title, 40 in the description), seeded; `change` ones get other words. */
function items(n, change = new Set()) {
  let s = 7;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 45 }, () => WORDS[Math.floor(next() * WORDS.length)]);
    if (change.has(i)) words.reverse();
    return JSON.stringify({ id: `sku-${i}`, title: words.slice(0, 5).join(' '), description: words.slice(5).join(' ') });
  });
}

/** One build; the seconds of its embedding phase, its CPU seconds (all threads), its report and the sha256 of embeddings.bin. */
function build(name, lines, extra) {
  const file = join(dir, `${name}.ndjson`);
  writeFileSync(file, lines.join('\n'));
  const out = join(dir, name);
  const run = spawnSync(process.execPath, [CLI, 'build', '--items', file, '--out', out, '--sequence', 'off', ...extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`${name}: ${run.stderr}`);
  const seconds = Number(run.stderr.match(/phase: embeddings ([\d.]+) s/)[1]);
  const cpu = Number(run.stderr.match(/build: done in .*, cpu ([\d.]+) s/)[1]);
  return { seconds, cpu, report: JSON.parse(run.stdout), sha: createHash('sha256').update(readFileSync(join(out, 'embeddings.bin'))).digest('hex').slice(0, 16) };
}

const rows = [];
const row = (what, n, r) => (rows.push({ what, items: n, seconds: r.seconds.toFixed(1), 'items/s': (n / r.seconds).toFixed(1), 'build cpu s': r.cpu.toFixed(1), embedded: r.report.embedding.misses, cached: r.report.embedding.hits, threads: r.report.embedding.threads }), r);

const base = items(count);
const cold = threads.map((t) => row(`neural, ${t} thread${t === 1 ? '' : 's'}, no cache`, count, build(`neural-${t}`, base, ['--embed-threads', String(t), '--no-embed-cache'])));
const cache = join(dir, 'cache');
const most = String(Math.max(...threads));
cold.push(row(`neural, cold, cache on (${most} threads)`, count, build('cold', base, ['--embed-threads', most, '--embed-cache', cache])));
const n = Math.max(1, Math.round(count * changed));
const next = items(count, new Set(Array.from({ length: n }, (_, k) => Math.floor((k * count) / n))));
const rebuilt = row(`neural, rebuild, ${n} items changed`, count, build('rebuild', next, ['--embed-threads', most, '--embed-cache', cache]));
const uncached = build('rebuild-uncached', next, ['--embed-threads', most, '--no-embed-cache']);
if (lexicalCount > 0) row('lexical, main thread, no cache', lexicalCount, build('lexical', items(lexicalCount), ['--encoder', 'lexical', '--no-embed-cache']));

console.table(rows);
console.log(`embeddings.bin the same in every thread count and with the cache: ${new Set(cold.map((r) => r.sha)).size === 1 ? 'yes' : 'NO'}; the rebuild's the same as an uncached one: ${rebuilt.sha === uncached.sha ? 'yes' : 'NO'}`);
if (!args.has('keep')) rmSync(dir, { recursive: true, force: true });
