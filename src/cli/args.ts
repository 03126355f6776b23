/** `--name value` and `--flag` pairs after the command; unknown names are rejected by the caller. */
export function parseArgs(argv: readonly string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out.set(arg.slice(2), true);
    else (out.set(arg.slice(2), next), i++);
  }
  return out;
}

export class UsageError extends Error {}

export function requireString(args: Map<string, string | true>, name: string): string {
  const v = args.get(name);
  if (typeof v !== 'string') throw new UsageError(`--${name} <value> is required`);
  return v;
}

export function checkKnown(args: Map<string, string | true>, known: readonly string[]): void {
  for (const name of args.keys()) if (!known.includes(name)) throw new UsageError(`unknown option --${name}; known: ${known.map((k) => `--${k}`).join(', ')}`);
}

/** The value of `--name value`, or undefined when the option was not given. */
export function optionalString(args: Map<string, string | true>, name: string): string | undefined {
  const v = args.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

/** The value of `--name N` as a positive integer, or undefined when the option was not given. */
export function positiveInteger(args: Map<string, string | true>, name: string): number | undefined {
  const v = optionalString(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, not ${JSON.stringify(v)}`);
  return n;
}

/** The value of `--name x` as a number ≥ 0, or undefined when the option was not given. */
export function nonNegativeNumber(args: Map<string, string | true>, name: string): number | undefined {
  const v = optionalString(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n >= 0)) throw new UsageError(`--${name} must be a number ≥ 0, not ${JSON.stringify(v)}`);
  return n;
}

/** The value of `--name N` as an integer, or undefined when the option was not given. */
export function integer(args: Map<string, string | true>, name: string): number | undefined {
  const v = optionalString(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, not ${JSON.stringify(v)}`);
  return n;
}

/** One subcommand: its options with their help text, and what it does with the parsed arguments. */
export interface Command {
  summary: string;
  /** The line after the command's name, e.g. `--items <file> --out <folder>`. */
  usage: string;
  /** Option name (without `--`) → one line of help. */
  options: Record<string, string>;
  run(args: Map<string, string | true>): Promise<void>;
}

/**
 * The shared shape of PocketRec's command lines: `<bin> <command> [--options]`, `--help`/`-h` at both levels,
 * `--version`. Usage errors exit 2 with the command's help; failures exit 1 with the message alone (the stack
 * with POCKETREC_DEBUG=1).
 */
export async function runCommands(bin: string, version: string, commands: Record<string, Command>, argv: readonly string[]): Promise<void> {
  const isHelp = (a: string | undefined) => a === '--help' || a === '-h' || a === 'help';
  const [name, ...rest] = argv;
  try {
    if (name === '--version' || name === '-v') return void console.log(version);
    if (name === undefined) throw new UsageError('no command given');
    if (isHelp(name)) {
      const target = isHelp(name) ? rest[0] : undefined;
      if (target !== undefined && commands[target]) return void console.log(commandHelp(bin, target, commands[target]));
      return void console.log(overview(bin, version, commands));
    }
    const command = commands[name];
    if (!command) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(commands).join(', ')}`);
    if (rest.some(isHelp)) return void console.log(commandHelp(bin, name, command));
    const args = parseArgs(rest);
    checkKnown(args, Object.keys(command.options));
    await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      const command = name !== undefined ? commands[name] : undefined;
      console.error(`${bin}: ${error.message}\n\n${command ? commandHelp(bin, name!, command) : overview(bin, version, commands)}`);
      process.exitCode = 2;
      return;
    }
    console.error(`${bin}: ${(error as Error).message ?? error}`);
    // The stack helps whoever debugs the tool itself; users get the message alone.
    if (process.env['POCKETREC_DEBUG']) console.error((error as Error).stack);
    process.exitCode = 1;
  }
}

function overview(bin: string, version: string, commands: Record<string, Command>): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return `${bin} ${version}\n\nusage: ${bin} <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n${bin} <command> --help   the options of one command\n${bin} --version          the version`;
}

function commandHelp(bin: string, name: string, command: Command): string {
  const width = Math.max(0, ...Object.keys(command.options).map((n) => n.length + 2));
  const lines = Object.entries(command.options).map(([n, help]) => `  ${`--${n}`.padEnd(width)}  ${help}`);
  return `${command.summary}\n\nusage: ${bin} ${name} ${command.usage}\n\noptions:\n${lines.join('\n')}\n  ${'--help'.padEnd(width)}  this help`;
}
