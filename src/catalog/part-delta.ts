import { createSectionReader, encodeSections } from './binary';
import type { CatalogPart, PartSection } from './types';

/** An op's `from` that takes its bytes from the delta's `literal` section instead of the previous part. */
const LITERAL = -1;
/** A copy op costs 16 bytes (two f64): a shorter copy travels cheaper as literal bytes. */
const MIN_COPY = 16;

/** One structural piece of the new part (a row, a record line, a section): bytes `[begin, end)`. */
export interface DeltaUnit {
  begin: number;
  end: number;
  /** Where the previous part may hold the same bytes (the same item's row or line); checked, never trusted. */
  from?: number;
}

/** What a delta part holds: ops as `[from, length]` pairs and the bytes that were not in the previous part. */
export interface PartDelta {
  ops: Float64Array;
  literal: Uint8Array;
}

/**
 * The ops that rebuild `next` from `previous`, from units that cover `next` in order. A unit whose bytes lie at
 * its `from` in `previous` is copied, anything else is literal; adjacent copies of adjacent bytes join into one op.
 * @throws RangeError when the units do not cover `next` exactly, in order
 */
export function encodePartDelta(previous: Uint8Array, next: Uint8Array, units: Iterable<DeltaUnit>): PartDelta {
  // Runs as [at, from, length] with at the offset in `next`: literal bytes are next's own, gathered at the end.
  const runs: number[] = [];
  let at = 0;
  const push = (from: number, length: number) => {
    const n = runs.length;
    if (n > 0) {
      const lastFrom = runs[n - 2]!;
      const lastLength = runs[n - 1]!;
      if ((from === LITERAL && lastFrom === LITERAL) || (from !== LITERAL && lastFrom !== LITERAL && lastFrom + lastLength === from)) {
        runs[n - 1] = lastLength + length;
        return;
      }
    }
    runs.push(at, from, length);
  };
  for (const unit of units) {
    if (unit.begin !== at || unit.end < unit.begin || unit.end > next.length) throw new RangeError(`delta: unit [${unit.begin}, ${unit.end}) does not follow byte ${at} of a ${next.length}-byte part`);
    const length = unit.end - unit.begin;
    if (length > 0) push(unit.from !== undefined && sameBytes(previous, unit.from, next, unit.begin, length) ? unit.from : LITERAL, length);
    at = unit.end;
  }
  if (at !== next.length) throw new RangeError(`delta: the units cover ${at} of the part's ${next.length} bytes`);
  // Short copies become literal, then neighbouring literals join.
  const ops: number[] = [];
  let literalBytes = 0;
  for (let k = 0; k < runs.length; k += 3) {
    const from = runs[k + 2]! < MIN_COPY ? LITERAL : runs[k + 1]!;
    const length = runs[k + 2]!;
    if (from === LITERAL) literalBytes += length;
    if (from === LITERAL && ops.length > 0 && ops[ops.length - 2] === LITERAL) ops[ops.length - 1] = ops[ops.length - 1]! + length;
    else ops.push(from, length);
  }
  const literal = new Uint8Array(literalBytes);
  let filled = 0;
  for (let k = 0; k < runs.length; k += 3) {
    if (runs[k + 2]! >= MIN_COPY && runs[k + 1] !== LITERAL) continue;
    literal.set(next.subarray(runs[k]!, runs[k]! + runs[k + 2]!), filled);
    filled += runs[k + 2]!;
  }
  return { ops: Float64Array.from(ops), literal };
}

function sameBytes(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, length: number): boolean {
  if (aAt < 0 || aAt + length > a.length) return false;
  for (let k = 0; k < length; k++) if (a[aAt + k] !== b[bAt + k]) return false;
  return true;
}

/** The window of `matchedUnits`: a match shorter than this is not found, and needs no op of its own anyway. */
const BLOCK_BYTES = 64;
const HASH_BASE = 0x01000193;

/**
 * Units for bytes with no structure to follow (the columns): every 64-byte block of `previous` is indexed by a
 * rolling hash, `next` is scanned for them at every offset, and each hit is extended as far as the bytes agree. So
 * a value inserted or removed (an item added, a posting list grown) shifts the rest without losing it.
 */
export function* matchedUnits(previous: Uint8Array, next: Uint8Array): Iterable<DeltaUnit> {
  const B = BLOCK_BYTES;
  let top = 1;
  for (let k = 1; k < B; k++) top = Math.imul(top, HASH_BASE);
  const hashAt = (bytes: Uint8Array, at: number) => {
    let h = 0;
    for (let k = 0; k < B; k++) h = (Math.imul(h, HASH_BASE) + bytes[at + k]!) | 0;
    return h;
  };
  const blocks = new Map<number, number>();
  for (let at = 0; at + B <= previous.length; at += B) {
    const h = hashAt(previous, at);
    if (!blocks.has(h)) blocks.set(h, at);
  }
  let literalFrom = 0;
  let p = 0;
  let h = next.length >= B ? hashAt(next, 0) : 0;
  while (p + B <= next.length) {
    const from = blocks.get(h);
    if (from !== undefined && sameBytes(previous, from, next, p, B)) {
      // Blocks are indexed at multiples of 64 only: the bytes just before a hit often agree too.
      let back = 0;
      while (p - back > literalFrom && from - back > 0 && next[p - back - 1] === previous[from - back - 1]) back++;
      let length = B;
      while (p + length < next.length && from + length < previous.length && next[p + length] === previous[from + length]) length++;
      if (p - back > literalFrom) yield { begin: literalFrom, end: p - back };
      yield { begin: p - back, end: p + length, from: from - back };
      p += length;
      literalFrom = p;
      if (p + B <= next.length) h = hashAt(next, p);
      continue;
    }
    if (p + B < next.length) h = (Math.imul(h - Math.imul(next[p]!, top), HASH_BASE) + next[p + B]!) | 0;
    p++;
  }
  if (next.length > literalFrom) yield { begin: literalFrom, end: next.length };
}

/** A delta as the bytes and sections of its part (`ops` f64, then `literal` u8). */
export function encodeDeltaPart(delta: PartDelta): { bytes: Uint8Array; sections: PartSection[] } {
  return encodeSections([
    ['ops', delta.ops],
    ['literal', delta.literal],
  ]);
}

/**
 * Rebuilds a part of `size` bytes: `copy(from, length, at)` brings bytes of the previous part (of `previousBytes`
 * bytes) to offset `at`, `write` places literal bytes. Every op is checked before it runs; the caller still checks
 * the result against the part's sha256 (a delta against another base rebuilds other bytes).
 * @throws PocketRecError `catalog-invalid` naming the op that does not fit
 */
export async function applyPartDelta(
  bytes: ArrayBuffer,
  deltaPart: Pick<CatalogPart, 'sections'>,
  name: string,
  source: string,
  size: number,
  previousBytes: number,
  copy: (from: number, length: number, at: number) => Promise<void>,
  write: (at: number, bytes: Uint8Array) => void,
): Promise<void> {
  const r = createSectionReader(bytes, deltaPart, `${name} delta`, source);
  const ops = r.view('ops', 'f64');
  const literal = r.view('literal', 'u8');
  if (ops.length % 2 !== 0) throw r.invalid('ops', `has ${ops.length} values, not [from, length] pairs`);
  let at = 0;
  let taken = 0;
  for (let k = 0; k < ops.length; k += 2) {
    const from = ops[k]!;
    const length = ops[k + 1]!;
    if (!Number.isInteger(length) || length <= 0 || at + length > size) throw r.invalid('ops', `has op ${k / 2} of length ${length}, which does not fit the part's ${size} bytes at ${at}`);
    if (from === LITERAL) {
      if (taken + length > literal.length) throw r.invalid('literal', `ends before op ${k / 2} (${literal.length} bytes, ${taken + length} needed)`);
      write(at, literal.subarray(taken, taken + length));
      taken += length;
    } else {
      if (!Number.isInteger(from) || from < 0 || from + length > previousBytes) throw r.invalid('ops', `has op ${k / 2} copying [${from}, ${from + length}), outside the previous part's ${previousBytes} bytes`);
      await copy(from, length, at);
    }
    at += length;
  }
  if (at !== size) throw r.invalid('ops', `rebuilds ${at} bytes, not the part's ${size}`);
  if (taken !== literal.length) throw r.invalid('literal', `has ${literal.length - taken} bytes no op takes`);
}
