import { PocketRecError } from '../errors';
import type { Int8Rows } from '../vector';
import type { CatalogPart } from './types';

/**
 * Where one part's bytes go as they arrive (from the network or the cache) and where its cache pieces are read
 * back from. The embeddings part lands straight in the int8 rows the kernel scans, so a 10⁶-item matrix is written
 * once, never assembled in a buffer and copied again.
 */
export interface PartBytes {
  readonly byteLength: number;
  /** Copies `bytes` to offset `at` of the part. */
  write(at: number, bytes: Uint8Array): void;
  /**
   * Bytes `[begin, end)` of the part: a view where they lie in one place, else a copy. Read it before anything
   * else allocates rows (a WebAssembly memory that grows leaves older views empty).
   */
  read(begin: number, end: number): Uint8Array;
  /** Settles when the part can take more bytes without holding more than a few batches (a file being written). */
  drained?(): Promise<void>;
}

/** A part held in one buffer of its own (columns, records). */
export function bufferPartBytes(size: number): PartBytes & { readonly buffer: ArrayBuffer } {
  const bytes = new Uint8Array(size);
  return {
    byteLength: size,
    buffer: bytes.buffer,
    write: (at, chunk) => bytes.set(chunk, at),
    read: (begin, end) => bytes.subarray(begin, end),
  };
}

/** One run of the part's bytes and where it lives. */
interface Segment {
  begin: number;
  end: number;
  /** The bytes' home, looked up on every access: a kernel's views change when its memory grows. */
  home: () => Uint8Array;
}

/**
 * The embeddings part (sections `scales` f32 × count and `values` i8 × count × dim) written into `rows`. Bytes
 * outside both sections (alignment padding) are kept aside, so every chunk still hashes to what the build wrote.
 * @throws PocketRecError `catalog-invalid` when the sections do not describe count rows of dim values
 */
export function rowsPartBytes(part: Pick<CatalogPart, 'bytes' | 'sections'>, rows: Int8Rows, count: number, source: string): PartBytes {
  const invalid = (field: string, problem: string) =>
    new PocketRecError('catalog-invalid', `catalog: part "embeddings" ${problem} (section "${field}" of ${source}). Rebuild the catalogue with \`pocketrec build\`; the previous catalogue stays in use.`, {
      details: { source, part: 'embeddings', field },
    });
  const section = (name: string, dtype: 'f32' | 'i8', length: number, width: number) => {
    const s = part.sections.find((x) => x.name === name);
    if (!s) throw invalid(name, 'lacks a section');
    if (s.dtype !== dtype) throw invalid(name, `has dtype ${JSON.stringify(s.dtype)}, expected "${dtype}"`);
    if (s.length !== length) throw invalid(name, `has ${s.length} entries, expected ${length}`);
    if (!Number.isInteger(s.offset) || s.offset < 0 || s.offset % width !== 0) throw invalid(name, `has a misaligned offset ${s.offset}`);
    if (s.offset + length * width > part.bytes) throw invalid(name, `runs past the end of the part (${s.offset} + ${length} × ${width} bytes > ${part.bytes})`);
    return { begin: s.offset, end: s.offset + length * width };
  };
  const scales = section('scales', 'f32', count, 4);
  const values = section('values', 'i8', count * rows.dim, 1);
  const [first, second] = scales.begin <= values.begin ? [scales, values] : [values, scales];
  if (first.end > second.begin) throw invalid('values', 'overlaps the scales');
  const homes = new Map([
    [scales, () => new Uint8Array(rows.scales.buffer, rows.scales.byteOffset, rows.scales.byteLength)],
    [values, () => new Uint8Array(rows.values.buffer, rows.values.byteOffset, rows.values.byteLength)],
  ]);
  const segments: Segment[] = [];
  let at = 0;
  for (const s of [first, second, { begin: part.bytes, end: part.bytes }]) {
    if (s.begin > at) {
      const padding = new Uint8Array(s.begin - at);
      segments.push({ begin: at, end: s.begin, home: () => padding });
    }
    if (s.end > s.begin) segments.push({ begin: s.begin, end: s.end, home: homes.get(s)! });
    at = s.end;
  }
  return {
    byteLength: part.bytes,
    write(begin, chunk) {
      const end = begin + chunk.byteLength;
      for (const s of segments) {
        if (s.end <= begin || s.begin >= end) continue;
        const from = Math.max(begin, s.begin);
        const to = Math.min(end, s.end);
        s.home().set(chunk.subarray(from - begin, to - begin), from - s.begin);
      }
    },
    read(begin, end) {
      const inOne = segments.find((s) => s.begin <= begin && end <= s.end);
      if (inOne) return inOne.home().subarray(begin - inOne.begin, end - inOne.begin);
      const out = new Uint8Array(end - begin);
      for (const s of segments) {
        if (s.end <= begin || s.begin >= end) continue;
        const from = Math.max(begin, s.begin);
        const to = Math.min(end, s.end);
        out.set(s.home().subarray(from - s.begin, to - s.begin), from - begin);
      }
      return out;
    },
  };
}

/** Bytes handed to the file system at once: few calls, and only a batch or two held. */
const FILE_BATCH_BYTES = 4 * 1024 * 1024;
/** Batches waiting for the file before the download waits for it. */
const BATCHES_QUEUED = 2;

/**
 * A part streamed into a file as it downloads (the records, which only shown results read), never held whole:
 * bytes gather in batches of whole chunks, and a batch is let go once the file has it and each of its chunks was
 * read back once (fetchPart hashes every chunk exactly once, right after the write that completed it). Writes must
 * come in order, and wait on `drained()` so that a slow disk holds the download back instead of piling up batches;
 * written batches are used again, so a long part leaves no trail of garbage. `finish()` settles once the file has
 * every byte.
 */
export function fileSinkPartBytes(part: Pick<CatalogPart, 'bytes' | 'chunkBytes'>, write: (bytes: Uint8Array) => Promise<void>): PartBytes & { finish(): Promise<void> } {
  const batch = Math.max(1, Math.floor(FILE_BATCH_BYTES / part.chunkBytes)) * part.chunkBytes;
  const batches = new Map<number, { bytes: Uint8Array; filled: number; unread: number; written: boolean }>();
  const spare: Uint8Array[] = [];
  const queued: Array<Promise<void>> = [];
  let written = Promise.resolve();
  let next = 0;
  // Back to the spare list once written and read: the file system copied it, and the hashes have it.
  const release = (b: number) => {
    const entry = batches.get(b)!;
    if (!entry.written || entry.unread > 0) return;
    batches.delete(b);
    if (entry.bytes.byteLength === batch) spare.push(entry.bytes);
  };
  const batchAt = (b: number) => {
    let entry = batches.get(b);
    if (!entry) {
      const length = Math.min(batch, part.bytes - b * batch);
      const bytes = length === batch && spare.length > 0 ? spare.pop()! : new Uint8Array(length);
      batches.set(b, (entry = { bytes, filled: 0, unread: Math.ceil(length / part.chunkBytes), written: false }));
    }
    return entry;
  };
  return {
    byteLength: part.bytes,
    write(at, chunk) {
      if (at !== next) throw new RangeError(`catalog: a streamed part is written in order (offset ${at}, expected ${next})`);
      next += chunk.byteLength;
      for (let off = 0; off < chunk.byteLength; ) {
        const b = Math.floor((at + off) / batch);
        const entry = batchAt(b);
        const from = at + off - b * batch;
        const n = Math.min(chunk.byteLength - off, entry.bytes.byteLength - from);
        entry.bytes.set(chunk.subarray(off, off + n), from);
        entry.filled += n;
        off += n;
        if (entry.filled === entry.bytes.byteLength) {
          const full = entry.bytes;
          written = written.then(() => write(full)).then(() => void ((entry.written = true), release(b)));
          queued.push(written);
          // Reported by finish(); observed here so that a failure is not also an unhandled rejection.
          written.catch(() => {});
        }
      }
    },
    read(begin, end) {
      const b = Math.floor(begin / batch);
      const entry = batches.get(b);
      if (!entry || entry.unread === 0 || end > (b + 1) * batch || end - b * batch > entry.filled) throw new RangeError(`catalog: bytes ${begin}–${end} of a streamed part are not held`);
      // A view: WebCrypto copies it at the call, before the batch can be used again.
      const view = entry.bytes.subarray(begin - b * batch, end - b * batch);
      entry.unread--;
      release(b);
      return view;
    },
    async drained() {
      while (queued.length > BATCHES_QUEUED) await queued.shift()!.catch(() => {});
    },
    finish: () => written,
  };
}
