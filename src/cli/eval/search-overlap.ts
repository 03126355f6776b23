import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { itemText } from '../../catalog';
import { createProjectedEncoder, type TextEncoder } from '../../encoder';
import { dotInt8Row, quantizeRows, topK, type Int8Rows } from '../../vector';
import { chooseVectors, shrinkVectors, type VectorsChoice } from '../build';
import type { Dataset } from './datasets';

export interface SearchOverlapReport {
  queries: number;
  items: number;
  sourceDim: number;
  /** Per vector choice: mean |top-10 ∩ full top-10| / 10 over the queries, and the dims it ran at. */
  results: Record<string, { dim: number; 'overlap@10': number; explained: number | null }>;
}

const K = 10;

/**
 * What shrinking the vectors costs neural search: the items embedded as `pocketrec build` embeds them, shrunk by
 * the build's own projection code, the queries through the worker's projected encoder, and the exact int8 top 10
 * (what the kernel returns) compared with the full vectors' top 10. Queries are the data set's most frequent
 * user tags ("atmospheric", "twist ending", …): real words people use to describe what they look for.
 */
export async function searchOverlap(data: Dataset, encoder: TextEncoder, choices: readonly VectorsChoice[], queryCount: number, log: (line: string) => void, cacheFile?: string): Promise<SearchOverlapReport> {
  if (!data.meta) throw new Error('eval: search overlap needs item titles (a MovieLens folder)');
  const n = data.itemIds.length;
  const texts = data.itemIds.map((id, i) => itemText({ id: String(id), title: data.meta!.titles[i] || `item ${id}`, tags: data.meta!.genres[i]!, category: data.meta!.genres[i]![0]! }));
  const d = encoder.dim;
  let full = new Float32Array(n * d);
  // Embedding ten thousand items is minutes on a loaded machine; a rerun with the same encoder reads them back.
  const cached = cacheFile && existsSync(cacheFile) ? await readFile(cacheFile) : null;
  if (cached && cached.byteLength === full.byteLength) full = new Float32Array(cached.buffer.slice(cached.byteOffset, cached.byteOffset + cached.byteLength));
  else {
    for (let start = 0; start < n; start += 256) {
      (await encoder.embed(texts.slice(start, start + 256))).forEach((v, i) => full.set(v, (start + i) * d));
      log(`search overlap: embedded ${Math.min(n, start + 256)}/${n} items`);
    }
    if (cacheFile) await writeFile(cacheFile, new Uint8Array(full.buffer));
  }
  const counts = new Map<string, number>();
  for (const t of data.tags ?? []) {
    const tag = t.tag.trim().toLowerCase();
    if (tag) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  const queries = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, queryCount).map(([tag]) => tag);
  const top = async (rows: Int8Rows, enc: TextEncoder) => {
    const scores = new Float32Array(n);
    return (await enc.embed(queries)).map((q) => {
      for (let i = 0; i < n; i++) scores[i] = dotInt8Row(rows, i, q);
      return topK(scores, K);
    });
  };
  const reference = await top(quantizeRows(full, d), encoder);
  const results: SearchOverlapReport['results'] = {};
  for (const choice of choices) {
    const shrunk = shrinkVectors(full, d, chooseVectors(choice, n, d));
    const enc = shrunk.fit ? createProjectedEncoder(encoder, shrunk.fit) : encoder;
    const lists = await top(quantizeRows(shrunk.rows, shrunk.dim), enc);
    let sum = 0;
    lists.forEach((list, q) => {
      const ref = new Set(reference[q]);
      sum += list.filter((i) => ref.has(i)).length / K;
    });
    results[choice] = { dim: shrunk.dim, 'overlap@10': +(sum / queries.length).toFixed(4), explained: shrunk.fit ? +shrunk.fit.explained.toFixed(4) : null };
    log(`search overlap: ${choice.padEnd(8)} ${shrunk.dim} dims  overlap@10 ${results[choice]['overlap@10'].toFixed(3)}`);
  }
  return { queries: queries.length, items: n, sourceDim: d, results };
}
