import { PocketRecError } from '../errors';
import { validateItem } from './validate';
import type { Item, ItemRecords } from './types';

export function recordsFromItems(items: readonly Item[]): ItemRecords {
  return { count: items.length, load: async () => {}, get: (i) => items[i]! };
}

const utf8 = new globalThis.TextEncoder();

/** Items as NDJSON bytes plus line offsets (n + 1): how v1 catalogues are cached in the v2 shape. */
export function encodeRecords(items: readonly Item[]): { bytes: Uint8Array; offsets: Uint32Array } {
  const lines = items.map((item) => utf8.encode(JSON.stringify(item) + '\n'));
  const offsets = new Uint32Array(items.length + 1);
  lines.forEach((l, i) => (offsets[i + 1] = offsets[i]! + l.byteLength));
  const bytes = new Uint8Array(offsets[items.length]!);
  lines.forEach((l, i) => bytes.set(l, offsets[i]!));
  return { bytes, offsets };
}

/**
 * Display records kept as the NDJSON bytes they arrived in: a record is parsed only when its item is shown, and
 * checked then against the id the columns hold for its position, so a corrupt record names itself.
 */
export function createNdjsonRecords(bytes: Uint8Array, offsets: Uint32Array, ids: readonly string[], source: string): ItemRecords {
  const parse = recordParser(ids, source);
  return {
    count: ids.length,
    load: async () => {},
    get(i) {
      if (!(i >= 0 && i < ids.length)) throw new RangeError(`catalog: no record at position ${i} of ${ids.length}`);
      return parse(i, () => bytes.subarray(offsets[i]!, offsets[i + 1]!));
    },
  };
}

/**
 * Records parsed lately, kept as parsed: the results of one call and their reasons' items are mostly the next
 * call's too, and decoding, parsing and checking them again was an eighth of a recommendation at 10⁴ items.
 */
const KEPT_RECORDS = 256;

/**
 * Item `i` from its NDJSON line (`line()`, asked for only when `i` is not among those parsed lately), checked
 * against the id the columns hold for its position. Kept items are frozen: every caller shares one object.
 */
function recordParser(ids: readonly string[], source: string): (i: number, line: () => Uint8Array) => Item {
  const parse = lineParser(ids, source);
  const kept = new Map<number, Item>();
  return (i, line) => {
    let item = kept.get(i);
    if (item) kept.delete(i);
    else {
      item = Object.freeze(parse(i, line()));
      if (kept.size >= KEPT_RECORDS) kept.delete(kept.keys().next().value!);
    }
    // Map order is use order: the first key is the least recently used.
    kept.set(i, item);
    return item;
  };
}

function lineParser(ids: readonly string[], source: string): (i: number, line: Uint8Array) => Item {
  const decoder = new globalThis.TextDecoder('utf-8', { fatal: true });
  return (i, line) => {
    let raw: unknown;
    try {
      raw = JSON.parse(decoder.decode(line));
    } catch (cause) {
      throw new PocketRecError('catalog-invalid', `catalog: the record of item "${ids[i]}" (position ${i}) is not a JSON line (${source}). Rebuild the catalogue with \`pocketrec build\`.`, {
        details: { source, part: 'records', index: i },
        cause,
      });
    }
    const item = validateItem(raw, { kind: 'index', index: i }, source);
    if (item.id !== ids[i]) {
      throw new PocketRecError('catalog-invalid', `catalog: the record at position ${i} is item "${item.id}", the columns say "${ids[i]}" (${source}). Rebuild the catalogue with \`pocketrec build\`.`, {
        details: { source, part: 'records', field: 'id', index: i },
      });
    }
    return item;
  };
}

/** Where the pieces of a records part are read from: the cache, and the network when a cached piece is bad. */
export interface RecordPieces {
  /** Bytes per piece (the last may be shorter). */
  readonly pieceBytes: number;
  readonly totalBytes: number;
  read(piece: number): Promise<Uint8Array>;
}

/** Pieces kept in memory once read: a page of results touches a few dozen at most. */
const KEPT_PIECES = 64;

/**
 * Display records read on demand, a piece at a time, from the cache: a warm start reads none of them, and a call
 * reads only the pieces holding its results' lines. The most recently used pieces stay in memory.
 */
export function createPieceRecords(pieces: RecordPieces, offsets: Uint32Array, ids: readonly string[], source: string): ItemRecords {
  const held = new Map<number, Uint8Array>();
  const reading = new Map<number, Promise<void>>();
  const parse = recordParser(ids, source);
  const span = (i: number): [number, number] => [Math.floor(offsets[i]! / pieces.pieceBytes), Math.floor(Math.max(offsets[i]!, offsets[i + 1]! - 1) / pieces.pieceBytes)];
  const fetchPiece = (k: number): Promise<void> => {
    let pending = reading.get(k);
    if (!pending) {
      pending = pieces.read(k).then(
        (bytes) => {
          held.set(k, bytes);
          reading.delete(k);
        },
        (error: unknown) => {
          reading.delete(k);
          throw error;
        },
      );
      reading.set(k, pending);
    }
    return pending;
  };
  const line = (i: number): Uint8Array => {
    const [first, last] = span(i);
    const begin = offsets[i]!;
    const end = offsets[i + 1]!;
    const out = new Uint8Array(end - begin);
    for (let k = first; k <= last; k++) {
      const piece = held.get(k);
      if (!piece) throw new RangeError(`catalog: the record at position ${i} was not loaded; call records.load([${i}]) first`);
      const from = Math.max(begin, k * pieces.pieceBytes);
      const to = Math.min(end, (k + 1) * pieces.pieceBytes);
      out.set(piece.subarray(from - k * pieces.pieceBytes, to - k * pieces.pieceBytes), from - begin);
    }
    return out;
  };
  return {
    count: ids.length,
    async load(indexes) {
      const wanted = new Set<number>();
      for (const i of indexes) {
        if (!(i >= 0 && i < ids.length)) continue;
        const [first, last] = span(i);
        for (let k = first; k <= last; k++) wanted.add(k);
      }
      for (const k of wanted) {
        const piece = held.get(k);
        if (piece) (held.delete(k), held.set(k, piece));
      }
      // Evict the least recently used pieces this call does not need (Map order is use order), never one it does.
      const missing = [...wanted].filter((k) => !held.has(k)).length;
      for (const old of held.keys()) if (held.size + missing > KEPT_PIECES && !wanted.has(old)) held.delete(old);
      await Promise.all([...wanted].filter((k) => !held.has(k)).map(fetchPiece));
    },
    get(i) {
      if (!(i >= 0 && i < ids.length)) throw new RangeError(`catalog: no record at position ${i} of ${ids.length}`);
      return parse(i, () => line(i));
    },
  };
}
