/**
 * Helpers every boundary validator shares, so that events, requests, options and catalogues word the same
 * problem the same way. Pure: no platform globals.
 */

/** The closest known name to a misspelt one, or undefined when none is close enough to be a likely typo. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  // A name cut short of its unit (`halfLife` for `halfLifeDays`) is a likely slip, however many letters are missing.
  const extended = lower.length >= 4 ? known.find((candidate) => candidate.toLowerCase().startsWith(lower)) : undefined;
  if (extended !== undefined) return extended;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Two edits catch swapped letters, plurals and a dropped character without suggesting unrelated names.
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The first own key of `value` that `known` does not list, with a suggestion when one is close. */
export function findUnknownKey(value: object, known: readonly string[]): { key: string; suggestion: string | undefined } | undefined {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) return { key, suggestion: closestName(key, known) };
  }
  return undefined;
}

/** `; did you mean "x"?` or, without a close name, the list of valid ones. */
export function unknownKeyHint(suggestion: string | undefined, known: readonly string[]): string {
  return suggestion !== undefined ? `did you mean "${suggestion}"?` : `valid names: ${known.join(', ')}`;
}

/**
 * An item id as PocketRec keeps it: a non-empty string. A finite number is taken as its decimal string, in
 * catalogues and in events alike, so `{ id: 42 }` in the catalogue and `track({ itemId: 42 })` name one item.
 * Returns undefined for anything else.
 */
export function toItemId(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  return undefined;
}

/** A short, safe rendering of a rejected value for a message (never a 10 MB string, never a throw). */
export function showValue(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol' || typeof value === 'bigint') return `a ${typeof value}`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return String(Object.prototype.toString.call(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Where `value` stops being JSON-like data (strings, finite numbers, booleans, null, arrays, plain objects) or
 * nests deeper than `maxDepth`; undefined when it is fine. Iterative, so a hostile depth cannot overflow the
 * stack here; it would otherwise surface later as an uncoded RangeError from `postMessage` or IndexedDB.
 */
export function findNonData(value: unknown, maxDepth: number): { path: string; problem: string } | undefined {
  type Frame = { value: unknown; path: string; depth: number } | { leave: object };
  const stack: Frame[] = [{ value, path: '', depth: 0 }];
  // Objects on the current path: a cycle is rejected, a shared (but acyclic) reference is fine.
  const onPath = new Set<object>();
  let visited = 0;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if ('leave' in frame) {
      onPath.delete(frame.leave);
      continue;
    }
    const { value: v, path, depth } = frame;
    const where = path || '(the value itself)';
    if (++visited > 1_000_000) return { path: where, problem: 'holds more than a million values' };
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path: where, problem: `is ${String(v)}, not a finite number` };
      continue;
    }
    if (typeof v !== 'object') return { path: where, problem: `is ${showValue(v)}, not JSON data` };
    if (depth >= maxDepth) return { path: where, problem: `nests deeper than ${maxDepth} levels` };
    if (onPath.has(v)) return { path: where, problem: 'refers to itself' };
    if (!Array.isArray(v) && !isPlainObject(v)) return { path: where, problem: `is a ${Object.prototype.toString.call(v).slice(8, -1)}, not a plain object` };
    onPath.add(v);
    stack.push({ leave: v });
    // Children that are plain data are counted here, with no frame and no path of their own: most of an item is
    // strings and numbers, and a path string per field was most of the cost of checking 10⁶ of them.
    const visit = (child: unknown, childPath: () => string) => {
      if (child === null || typeof child === 'string' || typeof child === 'boolean' || (typeof child === 'number' && Number.isFinite(child))) visited++;
      else stack.push({ value: child, path: childPath(), depth: depth + 1 });
    };
    if (Array.isArray(v)) v.forEach((child, i) => visit(child, () => `${path}[${i}]`));
    else for (const key in v) if (Object.hasOwn(v, key)) visit((v as Record<string, unknown>)[key], () => (path ? `${path}.${key}` : key));
    if (visited > 1_000_000) return { path: where, problem: 'holds more than a million values' };
  }
  return undefined;
}
