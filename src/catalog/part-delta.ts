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
  const pv = view(previous);
  const nv = view(next);
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
    const from = unit.from;
    const same = from !== undefined && from >= 0 && from + length <= previous.length && commonLength(pv, from, nv, unit.begin, length) === length;
    if (length > 0) push(same ? from : LITERAL, length);
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

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * How many bytes from `aAt` and `bAt` agree, at most `max` (both in range): four at a time, as unaligned words,
 * because parts are tens of megabytes that mostly agree and a byte loop over them is most of a delta's cost.
 */
function commonLength(a: DataView, aAt: number, b: DataView, bAt: number, max: number): number {
  let k = 0;
  while (k + 4 <= max && a.getUint32(aAt + k) === b.getUint32(bAt + k)) k += 4;
  while (k < max && a.getUint8(aAt + k) === b.getUint8(bAt + k)) k++;
  return k;
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
  // Open addressing on typed arrays, the first block of a hash kept: a Map of a million blocks costs more than
  // the scan it serves.
  const count = Math.floor(previous.length / B);
  let size = 1024;
  while (size < count * 2) size *= 2;
  const mask = size - 1;
  const keys = new Int32Array(size);
  const offsets = new Int32Array(size).fill(-1);
  for (let at = 0; at + B <= previous.length; at += B) {
    const h = hashAt(previous, at);
    let slot = (h ^ (h >>> 15)) & mask;
    while (offsets[slot] !== -1 && keys[slot] !== h) slot = (slot + 1) & mask;
    if (offsets[slot] === -1) (keys[slot] = h), (offsets[slot] = at);
  }
  const find = (h: number) => {
    let slot = (h ^ (h >>> 15)) & mask;
    while (offsets[slot] !== -1) {
      if (keys[slot] === h) return offsets[slot]!;
      slot = (slot + 1) & mask;
    }
    return -1;
  };
  const pv = view(previous);
  const nv = view(next);
  let literalFrom = 0;
  let p = 0;
  let h = next.length >= B ? hashAt(next, 0) : 0;
  while (p + B <= next.length) {
    const from = find(h);
    if (from >= 0 && commonLength(pv, from, nv, p, B) === B) {
      // Blocks are indexed at multiples of 64 only: the bytes just before a hit often agree too.
      let back = 0;
      while (p - back > literalFrom && from - back > 0 && next[p - back - 1] === previous[from - back - 1]) back++;
      const length = B + commonLength(pv, from + B, nv, p + B, Math.min(next.length - p, previous.length - from) - B);
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
