import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { integer, nonNegativeNumber, optionalString, positiveInteger, requireString, runCommands, UsageError, type Command } from './args';
import { aggregateScript, buildCatalog, DEFAULT_EMBED_CACHE, memoryBytes, parseVectorsChoice } from './build';
import { DEFAULT_SIGNALS_OPTIONS } from '../signals';
import { loadNodeEncoder } from './model';

// The bundle lives in `dist/` of the pocketrec-cli package; its version and the encoder model of that very version
// sit beside it, so an installed CLI never depends on the folder it is run from.
const PACKAGE_DIR = new URL('../', import.meta.url);
const VERSION = (JSON.parse(readFileSync(new URL('package.json', PACKAGE_DIR), 'utf8')) as { version: string }).version;
const BUNDLED_MODEL = fileURLToPath(new URL('model/', PACKAGE_DIR));

const build: Command = {
  summary: 'Builds the catalogue a site serves: items, int8 embeddings, signals and the sequence model.',
  usage: '--items <items.json|.ndjson|.csv|.parquet> [--interactions <log.csv|.ndjson|.parquet|glob>] --out <folder> [options]',
  options: {
    items: 'the catalogue: a JSON array, NDJSON or CSV of items (id, title, …)',
    interactions: 'the interaction log (userId, itemId, type, timestamp), CSV, NDJSON or Parquet files or a quoted glob of them; adds signals and the sequence model',
    engine: '"duckdb" (the SQL of --print-sql run in process, out of core; default) or "node" (the streaming pass in JS; also JSON arrays)',
    'memory-limit': "DuckDB's memory limit, e.g. 4GB (default: 60 % of RAM); past it DuckDB spills to --temp-dir",
    'temp-dir': 'where DuckDB spills when the log does not fit in --memory-limit',
    'print-sql': 'writes the aggregate SQL (for a warehouse) to stdout and builds nothing',
    'signals-from': 'a folder of the aggregate tables as Parquet (summary, item_counts, trend_windows, neighbors) used instead of --interactions',
    'signals-out': 'also writes the aggregate tables as Parquet into this folder (the schema --signals-from reads)',
    out: "the folder to write; only the build's own files in it are replaced",
    now: 'reference time for trending, epoch ms (default: the latest interaction)',
    encoder: '"auto" (the bundled neural encoder, default) or "lexical"',
    'model-dir': 'a different encoder model folder (default: the model bundled with this CLI)',
    sequence: '"auto" (train the next-item model when the log allows, default) or "off"',
    'sequence-epochs': 'upper bound on training epochs (early stopping usually ends sooner)',
    'sequence-negatives': 'sampled-softmax negatives per step, for very large catalogues',
    'sequence-checkpoint': 'path prefix of a training checkpoint, written each epoch and resumed from',
    format: '"2" (binary columns, default) or "1" (JSON signals, for older readers)',
    vectors: '"auto" (by size: full below 100k items, pca-256 to 500k, pca-128 above; default), "full" or "pca-<d>"',
    'tune-minutes': "minutes for choosing the engine's settings on the log (each visitor's latest event held out), written into the manifest; 0 = off (default 2)",
    'tune-seed': 'seed of the tuning: same log and seed, same settings (default 1)',
    previous: 'the folder of the previous build: embeds only new and changed items, keeps its lexical fit and projection, and writes deltas against it for browsers that hold it',
    'embed-threads': 'threads running the neural encoder (default: one a core)',
    'embed-cache': `where rows of earlier builds are kept, so a rebuild embeds only new or changed items (default: ${DEFAULT_EMBED_CACHE}); keep it out of --out`,
    'no-embed-cache': 'embeds every item, reading and writing no cache',
    'aggregate-cache': "where the log's aggregate tables are kept, so a build on the same log and settings (without tuning or the sequence model) skips the SQL (default: the embed cache's folder)",
    'no-aggregate-cache': 'aggregates the log, reading and writing no aggregate cache',
  },
  async run(args) {
    const tuneMinutes = nonNegativeNumber(args, 'tune-minutes');
    const tuneSeed = integer(args, 'tune-seed');
    const now = optionalString(args, 'now');
    if (now !== undefined && !Number.isFinite(Number(now))) throw new UsageError(`--now must be epoch milliseconds, not ${JSON.stringify(now)}`);
    if (args.get('print-sql') === true) return void process.stdout.write(aggregateScript({ ...DEFAULT_SIGNALS_OPTIONS, now: now === undefined ? null : Number(now) }));
    if (args.has('print-sql')) throw new UsageError('--print-sql takes no value');
    const engine = optionalString(args, 'engine') ?? (optionalString(args, 'format') === '1' ? 'node' : 'duckdb');
    if (engine !== 'duckdb' && engine !== 'node') throw new UsageError('--engine must be "duckdb" or "node"');
    const memoryLimit = optionalString(args, 'memory-limit');
    if (memoryLimit !== undefined && memoryBytes(memoryLimit) === null) throw new UsageError(`--memory-limit must be a size such as 4GB or 512MB, not ${JSON.stringify(memoryLimit)}`);
    const tempDir = optionalString(args, 'temp-dir');
    const signalsFrom = optionalString(args, 'signals-from');
    const signalsOut = optionalString(args, 'signals-out');
    if ((signalsFrom || signalsOut) && engine !== 'duckdb') throw new UsageError('--signals-from and --signals-out need --engine duckdb');
    if (signalsFrom && args.has('interactions')) throw new UsageError('--signals-from replaces --interactions: pass one of them');
    const encoder = optionalString(args, 'encoder') ?? 'auto';
    if (encoder !== 'auto' && encoder !== 'lexical') throw new UsageError('--encoder must be "auto" or "lexical"');
    const sequenceMode = optionalString(args, 'sequence') ?? 'auto';
    if (sequenceMode !== 'auto' && sequenceMode !== 'off') throw new UsageError('--sequence must be "auto" or "off"');
    const format = optionalString(args, 'format') ?? '2';
    if (format !== '1' && format !== '2') throw new UsageError('--format must be 2 (binary columns) or 1 (JSON signals, for older readers)');
    const vectorsText = optionalString(args, 'vectors') ?? 'auto';
    const vectors = parseVectorsChoice(vectorsText);
    if (!vectors) throw new UsageError(`--vectors must be "auto", "full" or "pca-<d>" (e.g. pca-128), not ${JSON.stringify(vectorsText)}`);
    const epochs = positiveInteger(args, 'sequence-epochs');
    const negatives = positiveInteger(args, 'sequence-negatives');
    const checkpoint = optionalString(args, 'sequence-checkpoint');
    const interactions = optionalString(args, 'interactions');
    const previous = optionalString(args, 'previous');
    if (previous !== undefined && format === '1') throw new UsageError('--previous builds format 2 only: drop --format 1');
    const embedThreads = positiveInteger(args, 'embed-threads');
    const embedCache = optionalString(args, 'embed-cache');
    if (args.has('no-embed-cache') && args.get('no-embed-cache') !== true) throw new UsageError('--no-embed-cache takes no value');
    if (args.has('no-embed-cache') && embedCache !== undefined) throw new UsageError('--embed-cache and --no-embed-cache contradict each other: pass one of them');
    const aggregateCache = optionalString(args, 'aggregate-cache');
    if (args.has('no-aggregate-cache') && args.get('no-aggregate-cache') !== true) throw new UsageError('--no-aggregate-cache takes no value');
    if (args.has('no-aggregate-cache') && aggregateCache !== undefined) throw new UsageError('--aggregate-cache and --no-aggregate-cache contradict each other: pass one of them');
    if (format === '1' && engine === 'duckdb' && args.has('engine')) throw new UsageError('--format 1 is written by --engine node only');
    const started = performance.now();
    const report = await buildCatalog({
      items: requireString(args, 'items'),
      out: requireString(args, 'out'),
      ...(interactions !== undefined ? { interactions } : {}),
      ...(now !== undefined ? { now: Number(now) } : {}),
      encoder,
      modelDir: optionalString(args, 'model-dir') ?? BUNDLED_MODEL,
      formatVersion: format === '1' ? 1 : 2,
      engine,
      ...(memoryLimit !== undefined ? { memoryLimit } : {}),
      ...(tempDir !== undefined ? { tempDir } : {}),
      ...(signalsFrom !== undefined ? { signalsFrom } : {}),
      ...(signalsOut !== undefined ? { signalsOut } : {}),
      vectors,
      ...(previous !== undefined ? { previous } : {}),
      tune: { ...(tuneMinutes !== undefined ? { minutes: tuneMinutes } : {}), ...(tuneSeed !== undefined ? { seed: tuneSeed } : {}) },
      sequence: { mode: sequenceMode, ...(epochs ? { epochs } : {}), ...(negatives ? { negatives } : {}), ...(checkpoint ? { checkpoint } : {}) },
      ...(embedThreads !== undefined ? { embedThreads } : {}),
      ...(args.has('no-embed-cache') ? { embedCache: false as const } : embedCache !== undefined ? { embedCache } : {}),
      ...(args.has('no-aggregate-cache') ? { aggregateCache: false as const } : aggregateCache !== undefined ? { aggregateCache } : {}),
      log: (line) => console.error(`build: ${line}`),
    });
    const usage = process.resourceUsage();
    // CPU time of every thread (DuckDB's included): on a shared machine, the part of the wall time that was work.
    const cpu = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
    console.error(`build: done in ${((performance.now() - started) / 1000).toFixed(1)} s, peak RSS ${(usage.maxRSS / 1024).toFixed(0)} MB, cpu ${cpu.toFixed(1)} s`);
    console.log(JSON.stringify(report, null, 2));
  },
};

const embed: Command = {
  summary: 'Embeds text with the bundled encoder: lines on stdin, one JSON vector per line on stdout.',
  usage: '[--model-dir <folder>] < lines.txt',
  options: { 'model-dir': 'a different encoder model folder (default: the model bundled with this CLI)' },
  async run(args) {
    const modelDir = optionalString(args, 'model-dir') ?? BUNDLED_MODEL;
    const encoder = await loadNodeEncoder(modelDir);
    if (!encoder) throw new Error(`no encoder model in ${modelDir} (manifest.json is missing); reinstall the CLI or pass --model-dir`);
    // Lines are embedded in batches as they arrive, so a long stream starts printing before it ends.
    let batch: string[] = [];
    const flush = async () => {
      for (const v of await encoder.embed(batch)) process.stdout.write(JSON.stringify(Array.from(v, (x) => +x.toFixed(7))) + '\n');
      batch = [];
    };
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
      batch.push(line);
      if (batch.length === 32) await flush();
    }
    if (batch.length) await flush();
    await encoder.dispose();
  },
};

void runCommands('pocketrec', VERSION, { build, embed }, process.argv.slice(2));
