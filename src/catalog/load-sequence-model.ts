import { PocketRecError } from '../errors';
import type { Int8RowsAllocator } from '../vector';
import { sha256Hex } from './sha256';
import type { Catalog, SequenceModelRef } from './types';
import { decodeEmbeddings } from './validate';

/** The sequence model's files as fetched and checked: what the cache keeps. */
export interface SequenceModelBytes {
  model: ArrayBuffer;
  table: ArrayBuffer;
}

/**
 * Fetches the catalogue's sequence model and checks that it belongs to this catalogue: the graph and the item
 * table against their sha256, the model's item rows against the catalogue's ids, in order. A model trained for
 * another catalogue would score the wrong items, so any mismatch rejects the whole update (and a cached good copy
 * stays in use).
 */
export async function loadSequenceModel(
  ref: SequenceModelRef,
  manifestUrl: string,
  ids: readonly string[],
  get: (url: string) => Promise<Response>,
  /** A copy already held under this sha256 (the cache of the previous version); fetched when it has none. */
  reuse: (part: 'sequence' | 'sequenceTable', sha256: string) => Promise<ArrayBuffer | undefined> = async () => undefined,
): Promise<SequenceModelBytes> {
  const itemsUrl = new URL(ref.items, manifestUrl).href;
  const modelUrl = new URL(ref.url, manifestUrl).href;
  const tableUrl = new URL(ref.table.url, manifestUrl).href;
  const invalid = (message: string, details: Record<string, unknown>) =>
    new PocketRecError('catalog-invalid', `catalog: sequence model ${message} Rebuild the catalogue and its model together with \`pocketrec build\`.`, { details: { source: manifestUrl, ...details } });

  let list: unknown;
  try {
    list = await (await get(itemsUrl)).json();
  } catch (cause) {
    if (cause instanceof PocketRecError) throw cause;
    throw invalid(`item list ${itemsUrl} is not valid JSON.`, { field: 'sequence.items' });
  }
  if (!Array.isArray(list) || list.length !== ids.length) {
    throw invalid(`${modelUrl} was trained for ${Array.isArray(list) ? list.length : 'an unreadable list of'} items; this catalogue has ${ids.length}.`, { field: 'sequence.items' });
  }
  const row = list.findIndex((id, i) => id !== ids[i]);
  if (row >= 0) {
    throw invalid(`${modelUrl} was trained for another catalogue: its row ${row} is item ${JSON.stringify(list[row])}, the catalogue's item ${row} is ${JSON.stringify(ids[row])}.`, {
      field: 'sequence.items',
      row,
    });
  }
  const checked = async (url: string, sha256: string, field: string, part: 'sequence' | 'sequenceTable') => {
    const bytes = (await reuse(part, sha256)) ?? (await (await get(url)).arrayBuffer());
    const actual = await sha256Hex(new Uint8Array(bytes));
    if (actual !== sha256) throw invalid(`file ${url} has sha256 ${actual.slice(0, 12)}…, the manifest says ${sha256.slice(0, 12)}….`, { field });
    return bytes;
  };
  return { model: await checked(modelUrl, ref.sha256, 'sequence.sha256', 'sequence'), table: await checked(tableUrl, ref.table.sha256, 'sequence.table.sha256', 'sequenceTable') };
}

/** The model as the engine opens it: the graph, and the item table decoded into `allocate`'s rows (kernel memory). */
export function decodeSequenceModel(ref: SequenceModelRef, bytes: SequenceModelBytes, itemCount: number, source: string, allocate?: Int8RowsAllocator): NonNullable<Catalog['sequence']> {
  return { ref, model: new Uint8Array(bytes.model), table: decodeEmbeddings(bytes.table, itemCount, ref.table.dim, 'int8', new URL(ref.table.url, source).href, allocate) };
}
