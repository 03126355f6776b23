import { PocketRecError } from '../errors';
import { validateItem } from './validate';
import type { Item, ItemRecords } from './types';

export function recordsFromItems(items: readonly Item[]): ItemRecords {
  return { count: items.length, get: (i) => items[i]! };
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
  const decoder = new globalThis.TextDecoder('utf-8', { fatal: true });
  return {
    count: ids.length,
    get(i) {
      if (!(i >= 0 && i < ids.length)) throw new RangeError(`catalog: no record at position ${i} of ${ids.length}`);
      let raw: unknown;
      try {
        raw = JSON.parse(decoder.decode(bytes.subarray(offsets[i]!, offsets[i + 1]!)));
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
    },
  };
}
