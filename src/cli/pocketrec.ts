import { checkKnown, parseArgs, requireString, UsageError } from './args';
import { buildCatalog } from './build';

const USAGE = `usage:
  pocketrec build --items <items.json|.ndjson|.csv> [--interactions <log.csv|.ndjson>] --out <folder> [--now <ms>]`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const args = parseArgs(rest);
  switch (command) {
    case 'build': {
      checkKnown(args, ['items', 'interactions', 'out', 'now']);
      const started = performance.now();
      const interactions = args.get('interactions');
      const now = args.get('now');
      const report = await buildCatalog({
        items: requireString(args, 'items'),
        out: requireString(args, 'out'),
        ...(typeof interactions === 'string' ? { interactions } : {}),
        ...(typeof now === 'string' ? { now: Number(now) } : {}),
        log: (line) => console.error(`build: ${line}`),
      });
      const rss = process.resourceUsage().maxRSS / 1024;
      console.error(`build: done in ${((performance.now() - started) / 1000).toFixed(1)} s, peak RSS ${rss.toFixed(0)} MB`);
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command');
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`pocketrec: ${error.message}\n${USAGE}`);
  else console.error(`pocketrec: ${(error as Error).message ?? error}`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
