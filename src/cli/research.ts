import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { optionalString, positiveInteger, requireString, runCommands, type Command } from './args';
import { runEval } from './eval';
import { buildModel } from './model';

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
  },
  async run(args) {
    const protocol = optionalString(args, 'protocol');
    const users = positiveInteger(args, 'users');
    const models = optionalString(args, 'models');
    const engine = optionalString(args, 'engine');
    const sequence = optionalString(args, 'sequence');
    const report = await runEval({
      data: requireString(args, 'data'),
      ...(protocol !== undefined ? { protocol } : {}),
      ...(users !== undefined ? { users } : {}),
      ...(models !== undefined ? { models: models.split(',') } : {}),
      ...(engine !== undefined ? { engine: JSON.parse(engine) } : {}),
      ...(sequence !== undefined ? { sequence: JSON.parse(sequence) } : {}),
      ...(args.get('valid-only') === true ? { validOnly: true } : {}),
      log: (line) => console.error(`eval: ${line}`),
    });
    await writeFile(requireString(args, 'json'), JSON.stringify(report, null, 2) + '\n');
    console.error(`eval: done in ${report.seconds.toFixed(0)} s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  },
};

void runCommands('pocketrec-research', VERSION, { 'build-model': buildModelCommand, eval: evalCommand }, process.argv.slice(2));
