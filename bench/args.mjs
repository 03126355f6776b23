// The benches' command lines: `--name value` pairs and bare `--flag`s (true), by name.
export function benchArgs(argv = process.argv.slice(2)) {
  const args = new Map();
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) args.set(name, true);
    else (args.set(name, value), i++);
  }
  return args;
}
