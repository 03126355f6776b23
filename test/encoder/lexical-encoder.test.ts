import { describe, expect, it } from 'vitest';
import { createLexicalEncoder, embedLexicalInt8Rows, fitLexicalModel, lexicalModelFromCounts } from '../../src/encoder';
import { dot, quantizeRows } from '../../src/vector';

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
  it('writes int8 rows that are quantizeRows of its unit vectors, byte for byte, into reused memory', async () => {
    const texts = ['Trail tent, 2 person', 'café crème', '咖啡 研磨机', '', '!!!', 'tent tent tent stove', 'Ωμέγα ΟΔΟΣ', 'a b c d e f g h i j k l m n o p q r s t u v w x y z '.repeat(12)];
    const model = fitLexicalModel(texts, 64);
    const vectors = await createLexicalEncoder(model).embed(texts);
    const want = quantizeRows(Float32Array.from(vectors.flatMap((v) => [...v])), model.dim);
    // Memory holding an earlier batch: every value is written, the zeros too.
    const scales = new Float32Array(texts.length).fill(7);
    const values = new Int8Array(texts.length * model.dim).fill(99);
    embedLexicalInt8Rows(model, texts, scales, values);
    expect(scales).toEqual(want.scales);
    expect(values).toEqual(want.values);
    expect(scales[3]).toBe(0);
  });
});

