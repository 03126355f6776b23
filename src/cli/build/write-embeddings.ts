import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { createLexicalEncoder, embedLexicalInt8Rows, lexicalModelFromCounts, type LexicalCounts } from '../../encoder';
import type { Int8Rows } from '../../vector';
import { createProgress } from '../progress';
import type { EmbedCache } from './embed-cache';

/** An encoder as the build uses it: texts in, int8 rows out, each row a function of its text alone. */
export interface RowEncoder {
  readonly id: string;
  readonly dim: number;
  /** Changes whenever the rows of some text would: keys the embedding cache. */
  readonly fingerprint: string;
  /**
   * Embeds `texts`, handing over the rows in order, each run of them with the index of its first text.
   * @returns the threads it ran in
   */
  embed(texts: readonly string[], onRows: (start: number, rows: Int8Rows) => void): Promise<number>;
}

const EMBED_BATCH = 256;

/**
 * The lexical encoder on the main thread: tokenizing and hashing an item costs microseconds, not a thread. Each
 * batch is embedded into one reused matrix, not a vector per text.
 */
export function lexicalRows(counts: LexicalCounts): RowEncoder {
  const model = lexicalModelFromCounts(counts);
  const { id, dim } = createLexicalEncoder(model);
  const fingerprint = createHash('sha256').update(`${id}\0${counts.documents}\0`).update(new Uint8Array(Uint32Array.from(counts.df).buffer)).digest('hex');
  return {
    id,
    dim,
    fingerprint,
    async embed(texts, onRows) {
      // One batch's rows, reused: `onRows` copies them where they go.
      const scales = new Float32Array(EMBED_BATCH);
      const values = new Int8Array(EMBED_BATCH * dim);
      for (let start = 0; start < texts.length; start += EMBED_BATCH) {
        const batch = texts.slice(start, start + EMBED_BATCH);
        embedLexicalInt8Rows(model, batch, scales, values);
        onRows(start, { dim, scales: scales.subarray(0, batch.length), values: values.subarray(0, batch.length * dim) });
        // Back to the event loop between batches: the log's aggregation, running meanwhile, advances through it.
        await new Promise((ok) => setImmediate(ok));
      }
      return 1;
    },
  };
}

export interface EmbedCounts {
  /** Rows read from the cache. */
  hits: number;
  /** Texts that went to the encoder. */
  misses: number;
  /** Threads the encoder ran in: 0 when every row came from the cache. */
  threads: number;
}

/**
 * `file` ← little-endian per-row scales, then the int8 rows, in item order. Cached rows are copied, the others
 * embedded (and added to the cache); each row lands at its item's offset, so the bytes are the same whatever
 * came from where. Only the scales and the list of texts to embed are in memory.
 */
export async function writeEmbeddings(file: string, texts: readonly string[], encoder: RowEncoder, cache: EmbedCache | null, log: (line: string) => void): Promise<EmbedCounts> {
  const { dim } = encoder;
  const count = texts.length;
  const scales = new Float32Array(count);
  const keys = cache ? new Uint8Array(count * 32) : null;
  const missing = new Uint32Array(count);
  let misses = 0;
  const fd = openSync(file, 'w');
  const rows = createRowWriter(fd, count * 4, dim);
  try {
    const row = new Int8Array(dim);
    for (let i = 0; i < count; i++) {
      const key = cache?.key(texts[i]!);
      const scale = key ? cache!.read(key, row) : undefined;
      if (key) keys!.set(key, i * 32);
      if (scale === undefined) {
        missing[misses++] = i;
        continue;
      }
      scales[i] = scale;
      rows.put(i, row);
      if (cache!.compacting) cache!.append(key!, scale, row);
    }
    if (cache) log(`embeddings: ${count - misses} from the cache, ${misses} to embed (${cache.dir})`);
    const progress = createProgress(`embeddings (${encoder.id})`, misses, log);
    const order = missing.subarray(0, misses);
    const threads = await encoder.embed(
      Array.from(order, (i) => texts[i]!),
      (start, embedded) => {
        for (let r = 0; r < embedded.scales.length; r++) {
          const i = order[start + r]!;
          const values = embedded.values.subarray(r * dim, (r + 1) * dim);
          scales[i] = embedded.scales[r]!;
          rows.put(i, values);
          cache?.append(keys!.subarray(i * 32, (i + 1) * 32), embedded.scales[r]!, values);
        }
        progress(start + embedded.scales.length);
      },
    );
    rows.flush();
    const head = new DataView(new ArrayBuffer(count * 4));
    scales.forEach((s, i) => head.setFloat32(i * 4, s, true));
    writeSync(fd, new Uint8Array(head.buffer), 0, count * 4, 0);
    cache?.finish();
    return { hits: count - misses, misses, threads: misses ? threads : 0 };
  } catch (error) {
    cache?.close();
    throw error;
  } finally {
    closeSync(fd);
  }
}

const RUN_BYTES = 1 << 20;

/** Rows at their item's offset in `fd`, a run of consecutive items in one write (hits and misses interleave). */
function createRowWriter(fd: number, offset: number, dim: number): { put(i: number, values: Int8Array): void; flush(): void } {
  const run = new Int8Array(Math.max(1, Math.floor(RUN_BYTES / dim)) * dim);
  let first = 0;
  let length = 0;
  const flush = () => {
    if (length) writeSync(fd, run, 0, length * dim, offset + first * dim);
    length = 0;
  };
  return {
    put(i, values) {
      if (length && (i !== first + length || (length + 1) * dim > run.length)) flush();
      if (!length) first = i;
      run.set(values, length++ * dim);
    },
    flush,
  };
}
