import { describe, expect, it } from 'vitest';
import { applyPartDelta, encodeDeltaPart, encodePartDelta, matchedUnits, validateManifest, type PartDelta } from '../../src/catalog';
import { seededRandom } from '../helpers/random';

async function apply(previous: Uint8Array, delta: PartDelta, size: number): Promise<Uint8Array> {
  const { bytes, sections } = encodeDeltaPart(delta);
  const out = new Uint8Array(size);
  await applyPartDelta(bytes.buffer as ArrayBuffer, { sections }, 'columns', 'test', size, previous.length, async (from, length, at) => out.set(previous.subarray(from, from + length), at), (at, chunk) => out.set(chunk, at));
  return out;
}

describe('part deltas', () => {
  it('finds shifted blocks: an insertion and a removal cost about their own bytes', async () => {
    const random = seededRandom(7);
    const previous = Uint8Array.from({ length: 50_000 }, () => Math.floor(random() * 256));
    const inserted = Uint8Array.from({ length: 300 }, () => Math.floor(random() * 256));
    const next = new Uint8Array([...previous.subarray(0, 10_000), ...inserted, ...previous.subarray(10_000, 30_000), ...previous.subarray(30_500)]);
    const delta = encodePartDelta(previous, next, matchedUnits(previous, next));
    expect(Array.from(await apply(previous, delta, next.length))).toEqual(Array.from(next));
    expect(delta.literal.length).toBeLessThan(300 + 2 * 64);
    expect(delta.ops.length / 2).toBeLessThanOrEqual(4);
  });

  it('copies a unit only where its bytes really are, and joins adjacent copies', async () => {
    const previous = new Uint8Array(96).map((_, i) => i);
    const next = new Uint8Array(96).map((_, i) => (i < 32 ? i : i < 64 ? 200 : i));
    // The middle unit claims bytes it does not hold: it goes literal.
    const delta = encodePartDelta(previous, next, [
      { begin: 0, end: 16, from: 0 },
      { begin: 16, end: 32, from: 16 },
      { begin: 32, end: 64, from: 32 },
      { begin: 64, end: 96, from: 64 },
    ]);
    expect(Array.from(delta.ops)).toEqual([0, 32, -1, 32, 64, 32]);
    expect(Array.from(await apply(previous, delta, 96))).toEqual(Array.from(next));
    expect(() => encodePartDelta(previous, next, [{ begin: 0, end: 50 }])).toThrow(/cover 50 of the part's 96 bytes/);
    expect(() => encodePartDelta(previous, next, [{ begin: 1, end: 96 }])).toThrow(/does not follow byte 0/);
  });

  it('refuses ops that do not fit, naming them', async () => {
    const previous = new Uint8Array(100);
    const bad = (ops: number[], literal = 0, size = 50) => apply(previous, { ops: Float64Array.from(ops), literal: new Uint8Array(literal) }, size);
    await expect(bad([90, 20])).rejects.toMatchObject({ code: 'catalog-invalid', message: expect.stringMatching(/op 0 copying \[90, 110\), outside the previous part's 100 bytes/) });
    await expect(bad([0, 60])).rejects.toThrow(/op 0 of length 60, which does not fit the part's 50 bytes/);
    await expect(bad([-1, 50], 10)).rejects.toThrow(/ends before op 0/);
    await expect(bad([0, 40])).rejects.toThrow(/rebuilds 40 bytes, not the part's 50/);
    await expect(bad([0, 50], 3)).rejects.toThrow(/has 3 bytes no op takes/);
    await expect(bad([0.5, 50])).rejects.toThrow(/op 0 copying/);
  });

  it('validates the manifest’s delta', () => {
    const part = { url: 'p.bin', bytes: 1, sha256: '0'.repeat(64), chunkBytes: 1, chunkSha256: ['0'.repeat(64)], sections: [] };
    const base = { formatVersion: 2, version: 'v2', itemCount: 1, parts: { columns: part, records: part } };
    const withDelta = (delta: unknown) => ({ ...base, delta });
    expect(() => validateManifest(withDelta({ from: 'v1', parts: { records: { ...part, base: 'a'.repeat(64) } } }), 'c.json')).not.toThrow();
    expect(() => validateManifest(withDelta({ parts: {} }), 'c.json')).toThrow(/"delta.from" must be the previous version/);
    expect(() => validateManifest(withDelta({ from: 'v1', parts: { sequence: { ...part, base: 'a'.repeat(64) } } }), 'c.json')).toThrow(/"delta.parts.sequence" names no part a delta rebuilds; valid names: columns, records, embeddings, projection/);
    expect(() => validateManifest(withDelta({ from: 'v1', parts: { embeddings: { ...part, base: 'a'.repeat(64) } } }), 'c.json')).toThrow(/"delta.parts.embeddings" is there without parts.embeddings/);
    expect(() => validateManifest(withDelta({ from: 'v1', parts: { records: part } }), 'c.json')).toThrow(/"delta.parts.records.base" must be the previous part's sha256/);
    expect(() => validateManifest(withDelta({ from: 'v1', parts: { records: { ...part, bytes: 5, base: 'a'.repeat(64) } } }), 'c.json')).toThrow(/"delta.parts.records.chunkSha256" must list 5/);
  });
});
