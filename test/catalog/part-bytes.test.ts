import { describe, expect, it } from 'vitest';
import { encodeSections } from '../../src/catalog';
import { rowsPartBytes } from '../../src/catalog/part-bytes';

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
