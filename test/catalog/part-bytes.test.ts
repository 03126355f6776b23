import { describe, expect, it } from 'vitest';
import { encodeSections } from '../../src/catalog';
import { fileSinkPartBytes, rowsPartBytes } from '../../src/catalog/part-bytes';

describe('embeddings written straight into rows', () => {
  // An odd count leaves 4 bytes of padding between the scales and the values: they must still hash as built.
  const count = 7;
  const dim = 5;
  const scales = Float32Array.from({ length: count }, (_, i) => 0.5 + i);
  const values = Int8Array.from({ length: count * dim }, (_, i) => ((i * 37) % 255) - 127);
  const { bytes, sections } = encodeSections([
    ['scales', scales],
    ['values', values],
  ]);
  const part = { bytes: bytes.byteLength, sections };

  it('lands every byte in its row, in chunks of any size, and reads any range back as built', () => {
    for (const step of [1, 3, 28, 29, 64, bytes.byteLength]) {
      const rows = { dim, scales: new Float32Array(count), values: new Int8Array(count * dim) };
      const into = rowsPartBytes(part, rows, count, 'test');
      for (let at = 0; at < bytes.byteLength; at += step) into.write(at, bytes.subarray(at, at + step));
      expect(Array.from(rows.scales)).toEqual(Array.from(scales));
      expect(Array.from(rows.values)).toEqual(Array.from(values));
      for (const [b, e] of [[0, bytes.byteLength], [0, 28], [26, 34], [30, 31], [32, bytes.byteLength]] as const) {
        expect(Array.from(into.read(b, e))).toEqual(Array.from(bytes.subarray(b, e)));
      }
    }
    expect(sections[1]!.offset).toBeGreaterThan(count * 4);
  });

  it('refuses sections that do not describe the rows', () => {
    const rows = { dim, scales: new Float32Array(count), values: new Int8Array(count * dim) };
    expect(() => rowsPartBytes(part, rows, count + 1, 'e.bin')).toThrow(/section "scales" of e.bin/);
    expect(() => rowsPartBytes({ ...part, bytes: part.bytes - 1 }, rows, count, 'e.bin')).toThrow(/"values".*runs past the end|runs past the end.*"values"/);
    expect(() => rowsPartBytes({ ...part, sections: [sections[0]!] }, rows, count, 'e.bin')).toThrow(/lacks a section/);
  });
});

describe('a part streamed into a file', () => {
  // More than two of the stream's 4 MiB batches, and a last chunk shorter than the others.
  const chunkBytes = 64 * 1024;
  const size = 9 * 1024 * 1024 + 1000;
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 131 + (i >> 13)) & 0xff);
  // Byte-wise equality at memcmp speed (a deep equal of megabytes is slow).
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

  it('hands the file every byte in order, lets each chunk be read once as written, reuses written batches, and holds none after', async () => {
    for (const step of [1000, 65_536, 3 * 1024 * 1024 + 7, size]) {
      const written: Uint8Array[] = [];
      const into = fileSinkPartBytes({ bytes: size, chunkBytes }, async (b) => void written.push(b.slice()));
      let hashed = 0;
      for (let at = 0; at < size; at += step) {
        into.write(at, bytes.subarray(at, Math.min(size, at + step)));
        // As fetchPart does: every chunk completed by this write is read right after it, once.
        const loaded = Math.min(size, at + step);
        for (; (hashed + 1) * chunkBytes <= loaded; hashed++) expect(same(into.read(hashed * chunkBytes, (hashed + 1) * chunkBytes), bytes.subarray(hashed * chunkBytes, (hashed + 1) * chunkBytes))).toBe(true);
        // As fetchPart does too: written batches are used again from here on, and must not mix their bytes.
        await into.drained!();
      }
      expect(same(into.read(hashed * chunkBytes, size), bytes.subarray(hashed * chunkBytes))).toBe(true);
      await into.finish();
      const joined = new Uint8Array(size);
      let at = 0;
      for (const b of written) (joined.set(b, at), (at += b.byteLength));
      expect(at).toBe(size);
      expect(same(joined, bytes)).toBe(true);
      // Nothing is kept once read: a second read of any chunk finds no bytes.
      expect(() => into.read(0, chunkBytes)).toThrow(/not held/);
      expect(() => into.read(hashed * chunkBytes, size)).toThrow(/not held/);
    }
  });

  it('refuses writes out of order and reports a failed file write from finish()', async () => {
    const into = fileSinkPartBytes({ bytes: size, chunkBytes }, () => Promise.reject(new Error('disk full')));
    expect(() => into.write(10, bytes.subarray(10, 20))).toThrow(/in order/);
    into.write(0, bytes);
    await expect(into.finish()).rejects.toThrow('disk full');
  });
});
