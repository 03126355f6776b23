import { PocketRecError } from '../errors';
import { sha256Hex } from './sha256';
import type { Catalog, SequenceModelRef } from './types';

/**
 * Fetches the catalogue's sequence model and checks that it belongs to this catalogue: the bytes against their
 * sha256, the model's item rows against the catalogue's ids, in order. A model trained for another catalogue
 * would score the wrong items, so any mismatch rejects the whole update (and a cached good copy stays in use).
 */
export async function loadSequenceModel(ref: SequenceModelRef, manifestUrl: string, ids: readonly string[], get: (url: string) => Promise<Response>): Promise<NonNullable<Catalog['sequence']>> {
  const itemsUrl = new URL(ref.items, manifestUrl).href;
  const modelUrl = new URL(ref.url, manifestUrl).href;
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
  const model = new Uint8Array(await (await get(modelUrl)).arrayBuffer());
  const actual = await sha256Hex(model);
  if (actual !== ref.sha256) throw invalid(`${modelUrl} has sha256 ${actual.slice(0, 12)}…, the manifest says ${ref.sha256.slice(0, 12)}….`, { field: 'sequence.sha256' });
  return { ref, model };
}
