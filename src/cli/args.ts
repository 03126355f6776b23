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
