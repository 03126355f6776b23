import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { integer, nonNegativeNumber, optionalString, positiveInteger, requireString, runCommands, UsageError, type Command } from './args';
import { PocketRecError } from '../errors';
import { parseVectorsChoice, type VectorsChoice } from './build';
import { loadDataset, runEval, runTemporalEval, searchOverlap } from './eval';
import { buildModel, loadNodeEncoder } from './model';

/**
 * Research tools, kept apart from the product CLI and never published with it: converting the encoder model from
 * its source package, and the offline evaluation harness. Run from the repository (`npm run build:model`,
 * `npm run eval`), where their devDependencies are installed.
 */
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const buildModelCommand: Command = {
  summary: 'Converts Universal Sentence Encoder Lite from its npm package to the ONNX files the packages ship.',
  usage: '[--out models/build]',
  options: { out: 'the folder to write (default models/build)' },
  async run(args) {
    const manifest = await buildModel(optionalString(args, 'out') ?? 'models/build');
    console.log(JSON.stringify(manifest, null, 2));
  },
};

const evalCommand: Command = {
  summary: 'Offline evaluation of the ranking on a dataset folder, written as JSON.',
  usage: '--data <dataset folder> --json <out.json> [options]',
  options: {
    data: 'the dataset folder',
    protocol: 'folder with PROTOCOL.md (default: the dataset folder)',
    json: 'where to write the report',
    users: 'evaluate this many users only',
    models: 'comma-separated list of models to evaluate',
    engine: 'engine settings as JSON',
    sequence: 'sequence model settings as JSON',
    'valid-only': 'evaluate on the VALID split only',
    'tune-minutes': "leave-one-out: minutes for tuning the engine on TRAIN (each visitor's last TRAIN event held out), as pocketrec build does; 0 = off (default 2)",
    'tune-seed': 'leave-one-out: seed of the tuning (default 1)',
    transfer: 'leave-one-out: every setting chosen on one half of the visitors (by a hash of the id), the other half scored',
    split: 'leave-one-out (default) or temporal: one global cut time, each visitor\'s next event after it',
    'cut-quantile': 'temporal: cut at the time by which this share of events happened (default 0.9)',
    windows: 'temporal: rolling windows from the cut to the end, cases pooled (default 1, the single cut)',
    'valid-windows': 'temporal: rolling windows of the VALID split (default 1)',
    'cut-time': 'temporal: cut at this time instead (seconds since the epoch, as in the data)',
    'engine-clock': 'temporal: events (real times, ranked at the cut; default) or hourly (as leave-one-out)',
  },
  async run(args) {
    const protocol = optionalString(args, 'protocol');
    const users = positiveInteger(args, 'users');
    const models = optionalString(args, 'models');
    const engine = optionalString(args, 'engine');
    const sequence = optionalString(args, 'sequence');
    const split = optionalString(args, 'split') ?? 'leave-one-out';
    if (split === 'temporal') {
      const quantile = optionalString(args, 'cut-quantile');
      const cut = optionalString(args, 'cut-time');
      const clock = optionalString(args, 'engine-clock');
      const windows = positiveInteger(args, 'windows');
      const validWindows = positiveInteger(args, 'valid-windows');
      if (clock !== undefined && clock !== 'events' && clock !== 'hourly') throw new PocketRecError('invalid-option', `eval: --engine-clock is events or hourly, got ${clock}`);
      const report = await runTemporalEval({
        data: requireString(args, 'data'),
        ...(quantile !== undefined ? { quantile: Number(quantile) } : {}),
        ...(cut !== undefined ? { cut: Number(cut) } : {}),
        ...(windows !== undefined ? { windows } : {}),
        ...(validWindows !== undefined ? { validWindows } : {}),
        ...(args.get('valid-only') === true ? { validOnly: true } : {}),
        ...(models !== undefined ? { models: models.split(',') } : {}),
        ...(engine !== undefined ? { engine: JSON.parse(engine) } : {}),
        ...(clock !== undefined ? { engineClock: clock } : {}),
        log: (line) => console.error(`eval: ${line}`),
      });
      await writeFile(requireString(args, 'json'), JSON.stringify(report, null, 2) + '\n');
      console.error(`eval: done in ${report.seconds.toFixed(0)} s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
      return;
    }
    if (split !== 'leave-one-out') throw new PocketRecError('invalid-option', `eval: --split is leave-one-out or temporal, got ${split}`);
    const report = await runEval({
      data: requireString(args, 'data'),
      ...(protocol !== undefined ? { protocol } : {}),
      ...(users !== undefined ? { users } : {}),
      ...(models !== undefined ? { models: models.split(',') } : {}),
      ...(engine !== undefined ? { engine: JSON.parse(engine) } : {}),
      ...(sequence !== undefined ? { sequence: JSON.parse(sequence) } : {}),
      ...(args.get('valid-only') === true ? { validOnly: true } : {}),
      ...(args.get('transfer') === true ? { transfer: true } : {}),
      ...tuneOptions(args),
      log: (line) => console.error(`eval: ${line}`),
    });
    await writeFile(requireString(args, 'json'), JSON.stringify(report, null, 2) + '\n');
    console.error(`eval: done in ${report.seconds.toFixed(0)} s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  },
};

function tuneOptions(args: Map<string, string | true>): { tuneMinutes?: number; tuneSeed?: number } {
  const minutes = nonNegativeNumber(args, 'tune-minutes');
  const seed = integer(args, 'tune-seed');
  return { ...(minutes !== undefined ? { tuneMinutes: minutes } : {}), ...(seed !== undefined ? { tuneSeed: seed } : {}) };
}

const searchOverlapCommand: Command = {
  summary: 'What shrinking the vectors costs neural search: top-10 overlap with the full vectors, on MovieLens tag queries.',
  usage: '--data <MovieLens folder> --json <out.json> [--vectors pca-256,pca-128,pca-64] [--queries 200]',
  options: {
    data: 'a MovieLens folder (movies.csv, tags.csv)',
    json: 'where to write the report',
    vectors: 'comma-separated vector choices to compare with full (default pca-256,pca-128,pca-64)',
    queries: 'how many of the most frequent tags to search for (default 200)',
    'model-dir': 'the encoder model folder (default models/build)',
    cache: "a file for the items' full vectors: written on the first run, read back by the next (same encoder)",
  },
  async run(args) {
    const choices = (optionalString(args, 'vectors') ?? 'pca-256,pca-128,pca-64').split(',').map((v) => {
      const choice = parseVectorsChoice(v);
      if (!choice) throw new UsageError(`--vectors lists ${JSON.stringify(v)}; each must be "full", "auto" or "pca-<d>"`);
      return choice;
    }) as VectorsChoice[];
    const modelDir = optionalString(args, 'model-dir') ?? 'models/build';
    const encoder = await loadNodeEncoder(modelDir);
    if (!encoder) throw new Error(`no encoder model in ${modelDir}; run npm run build:model`);
    try {
      const report = await searchOverlap(await loadDataset(requireString(args, 'data')), encoder, choices, positiveInteger(args, 'queries') ?? 200, (line) => console.error(`eval: ${line}`), optionalString(args, 'cache'));
      await writeFile(requireString(args, 'json'), JSON.stringify({ encoder: encoder.id, ...report }, null, 2) + '\n');
    } finally {
      await encoder.dispose();
    }
  },
};

void runCommands('pocketrec-research', VERSION, { 'build-model': buildModelCommand, eval: evalCommand, 'search-overlap': searchOverlapCommand }, process.argv.slice(2));
