import { columnsFromItems, encodeColumns, encodeRecords, type CatalogManifestV2, type CatalogPart, type Item } from '../../src/catalog';
import { quantizeRows } from '../../src/vector';

const hex = async (bytes: Uint8Array) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource)), (b) => b.toString(16).padStart(2, '0')).join('');

async function part(url: string, bytes: Uint8Array, sections: CatalogPart['sections'], chunkBytes = 4096): Promise<CatalogPart> {
  const chunkSha256: string[] = [];
  for (let at = 0; at < bytes.length; at += chunkBytes) chunkSha256.push(await hex(bytes.subarray(at, at + chunkBytes)));
  return { url, bytes: bytes.byteLength, sha256: await hex(bytes), chunkBytes, chunkSha256, sections };
}

/** A vector per item id (not per text), so two builds of the same items ship byte-identical embeddings. */
function vectorOf(id: string, dim: number): number[] {
  let h = 2166136261;
  for (const c of id) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return Array.from({ length: dim }, (_, d) => Math.sin(h + d * 7.1));
}

/** A format-2 build in memory: its manifest, the int8 rows it ships, and its files by name relative to the site. */
export interface V2Build {
  manifest: CatalogManifestV2;
  rows: ReturnType<typeof quantizeRows>;
  files: Record<string, Uint8Array>;
}

export interface V2BuildOptions {
  dim?: number;
  /** Bytes per checksummed chunk of every part. */
  chunkBytes?: number;
  /** The item vectors, row after row (default: one per item id, so two builds of the same items ship the same bytes). */
  vectors?: (items: Item[], dim: number) => Float32Array;
}

/**
 * The files of a format-2 build (`catalog.json` and its parts under `<version>/`), encoded as `pocketrec build`
 * encodes them; the parts' names carry the version, as a real deploy's hashed names would.
 */
export async function buildV2(items: Item[], version: string, options: V2BuildOptions = {}): Promise<V2Build> {
  const { dim = 8, chunkBytes = 4096, vectors = (all, d) => Float32Array.from(all.flatMap((item) => vectorOf(item.id, d))) } = options;
  const columns = columnsFromItems(items, { popularity: { [items[0]!.id]: 3 } });
  const records = encodeRecords(items);
  const encoded = encodeColumns(columns, records.offsets);
  const rows = quantizeRows(vectors(items, dim), dim);
  const emb = new Uint8Array(items.length * 4 + rows.values.length);
  new Float32Array(emb.buffer, 0, items.length).set(rows.scales);
  new Int8Array(emb.buffer, items.length * 4).set(rows.values);
  const manifest: CatalogManifestV2 = {
    formatVersion: 2,
    version,
    itemCount: items.length,
    parts: {
      columns: await part(`${version}/columns.bin`, encoded.bytes, encoded.sections, chunkBytes),
      records: await part(`${version}/items.ndjson`, records.bytes, [], chunkBytes),
      embeddings: {
        ...(await part(`${version}/embeddings.bin`, emb, [
          { name: 'scales', dtype: 'f32', offset: 0, length: items.length },
          { name: 'values', dtype: 'i8', offset: items.length * 4, length: rows.values.length },
        ], chunkBytes)),
        model: 'test-encoder',
        dim,
      },
    },
  };
  return {
    manifest,
    rows,
    files: {
      'catalog.json': new TextEncoder().encode(JSON.stringify(manifest)),
      [`${version}/columns.bin`]: encoded.bytes,
      [`${version}/items.ndjson`]: records.bytes,
      [`${version}/embeddings.bin`]: emb,
    },
  };
}

/** `buildV2`'s files alone. */
export async function catalogFiles(items: Item[], version: string, dim = 8): Promise<Record<string, Uint8Array>> {
  return (await buildV2(items, version, { dim })).files;
}
