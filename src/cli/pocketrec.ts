import { checkKnown, optionalString, parseArgs, positiveInteger, requireString, UsageError } from './args';
import { writeFile } from 'node:fs/promises';
import { buildCatalog } from './build';
import { runEval } from './eval';
import { createInterface } from 'node:readline';
import { buildModel, loadNodeEncoder } from './model';

const USAGE = `usage:
  pocketrec build --items <items.json|.ndjson|.csv> [--interactions <log.csv|.ndjson>] --out <folder> [--now <ms>] [--encoder auto|lexical] [--model-dir models/build] [--format 2|1]
                  [--sequence auto|off] [--sequence-epochs N] [--sequence-negatives N] [--sequence-checkpoint <path prefix>]
  pocketrec build-model [--out models/build]
  pocketrec embed [--model-dir models/build]        (lines on stdin → one JSON vector per line on stdout)
  pocketrec eval --data <dataset folder> [--protocol <folder with PROTOCOL.md>] --json <out.json> [--users N] [--models a,b] [--engine '<settings JSON>'] [--valid-only]`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const args = parseArgs(rest);
  switch (command) {
    case 'build': {
      checkKnown(args, ['items', 'interactions', 'out', 'now', 'encoder', 'model-dir', 'sequence', 'sequence-epochs', 'sequence-negatives', 'sequence-checkpoint', 'format']);
      const encoder = args.get('encoder');
      const format = optionalString(args, 'format') ?? '2';
      if (format !== '1' && format !== '2') throw new UsageError('--format must be 2 (binary columns) or 1 (JSON signals, for older readers)');
      const modelDir = args.get('model-dir');
      if (encoder !== undefined && encoder !== 'auto' && encoder !== 'lexical') throw new UsageError('--encoder must be "auto" or "lexical"');
      const sequenceMode = optionalString(args, 'sequence') ?? 'auto';
      if (sequenceMode !== 'auto' && sequenceMode !== 'off') throw new UsageError('--sequence must be "auto" or "off"');
      const epochs = positiveInteger(args, 'sequence-epochs');
      const negatives = positiveInteger(args, 'sequence-negatives');
      const checkpoint = optionalString(args, 'sequence-checkpoint');
      const started = performance.now();
      const interactions = args.get('interactions');
      const now = args.get('now');
      const report = await buildCatalog({
        items: requireString(args, 'items'),
        out: requireString(args, 'out'),
        ...(typeof interactions === 'string' ? { interactions } : {}),
        ...(typeof now === 'string' ? { now: Number(now) } : {}),
        ...(encoder ? { encoder } : {}),
        ...(typeof modelDir === 'string' ? { modelDir } : {}),
        formatVersion: format === '1' ? 1 : 2,
        sequence: { mode: sequenceMode, ...(epochs ? { epochs } : {}), ...(negatives ? { negatives } : {}), ...(checkpoint ? { checkpoint } : {}) },
        log: (line) => console.error(`build: ${line}`),
      });
      const rss = process.resourceUsage().maxRSS / 1024;
      console.error(`build: done in ${((performance.now() - started) / 1000).toFixed(1)} s, peak RSS ${rss.toFixed(0)} MB`);
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    case 'build-model': {
      checkKnown(args, ['out']);
      const manifest = await buildModel(optionalString(args, 'out') ?? 'models/build');
      console.log(JSON.stringify(manifest, null, 2));
      return;
    }
    case 'embed': {
      checkKnown(args, ['model-dir']);
      const encoder = await loadNodeEncoder(optionalString(args, 'model-dir') ?? 'models/build');
      if (!encoder) throw new UsageError('no model found; run `npm run build:model` or pass --model-dir');
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
      return;
    }
    case 'eval': {
      checkKnown(args, ['data', 'protocol', 'json', 'users', 'models', 'engine', 'sequence', 'valid-only']);
      const protocol = args.get('protocol');
      const users = args.get('users');
      const models = args.get('models');
      const engine = args.get('engine');
      const sequence = args.get('sequence');
      const report = await runEval({
        data: requireString(args, 'data'),
        ...(typeof protocol === 'string' ? { protocol } : {}),
        ...(typeof users === 'string' ? { users: Number(users) } : {}),
        ...(typeof models === 'string' ? { models: models.split(',') } : {}),
        ...(typeof engine === 'string' ? { engine: JSON.parse(engine) } : {}),
        ...(typeof sequence === 'string' ? { sequence: JSON.parse(sequence) } : {}),
        ...(args.get('valid-only') === true ? { validOnly: true } : {}),
        log: (line) => console.error(`eval: ${line}`),
      });
      await writeFile(requireString(args, 'json'), JSON.stringify(report, null, 2) + '\n');
      console.error(`eval: done in ${report.seconds.toFixed(0)} s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
      return;
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command');
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`pocketrec: ${error.message}\n${USAGE}`);
  else console.error(`pocketrec: ${(error as Error).message ?? error}`);
  // The stack helps whoever debugs the tool itself; users get the message alone.
  if (process.env['POCKETREC_DEBUG']) console.error((error as Error).stack);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
