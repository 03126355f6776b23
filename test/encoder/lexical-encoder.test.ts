import { describe, expect, it } from 'vitest';
import { createLexicalEncoder, fitLexicalModel, lexicalModelFromCounts } from '../../src/encoder';
import { dot } from '../../src/vector';

describe('lexical encoder', () => {
  const texts = ['espresso coffee beans dark roast', 'coffee grinder burr', 'camping tent two person', 'sleeping bag for camping'];
  const encoder = createLexicalEncoder(fitLexicalModel(texts, 256));

  it('gives unit vectors, and a zero vector for empty text', async () => {
    const [a, empty] = await encoder.embed(['Coffee beans', '   ']);
    expect(dot(a!, a!)).toBeCloseTo(1, 5);
    expect(dot(empty!, empty!)).toBe(0);
  });
  it('places texts sharing words closer than unrelated ones', async () => {
    const [q, coffee, tent] = await encoder.embed(['dark roast coffee', texts[0]!, texts[2]!]);
    expect(dot(q!, coffee!)).toBeGreaterThan(dot(q!, tent!) + 0.2);
  });
  it('hashes each word and each pair of neighbouring words, as the strings "w" and "w1 w2"', async () => {
    // The documented features, hashed here from their strings (FNV-1a and the finish) with an IDF of 1 everywhere.
    const hash = (feature: string) => {
      let h = 0x811c9dc5;
      for (let i = 0; i < feature.length; i++) h = Math.imul(h ^ feature.charCodeAt(i), 0x01000193);
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      return (h ^ (h >>> 16)) >>> 0;
    };
    const dim = 64;
    const flat = createLexicalEncoder(lexicalModelFromCounts({ dim, documents: 0, df: new Float64Array(dim) }));
    for (const text of ['Dark roast, coffee beans', 'café crème brûlée']) {
      const words = text.toLowerCase().normalize('NFKD').replace(/\p{M}+/gu, '').match(/[\p{L}\p{N}]+/gu)!;
      const features = [...words, ...words.slice(1).map((w, i) => `${words[i]} ${w}`)];
      const [v] = await flat.embed([text]);
      const expected = new Float32Array(dim);
      for (const f of features) expected[hash(f) % dim]! += hash(f) & 0x80000000 ? -1 : 1;
      const norm = Math.sqrt(dot(expected, expected));
      expect(Array.from(v!)).toEqual(Array.from(expected, (x) => Math.fround(x / norm)));
    }
  });
  it('is deterministic and names its fit', async () => {
    const again = createLexicalEncoder(fitLexicalModel(texts, 256));
    expect(again.id).toBe(encoder.id);
    expect(Array.from((await again.embed(['tent']))[0]!)).toEqual(Array.from((await encoder.embed(['tent']))[0]!));
  });
});
