import { describe, expect, it } from 'vitest';
import { createLexicalEncoder, fitLexicalModel } from '../../src/encoder';
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
  it('is deterministic and names its fit', async () => {
    const again = createLexicalEncoder(fitLexicalModel(texts, 256));
    expect(again.id).toBe(encoder.id);
    expect(Array.from((await again.embed(['tent']))[0]!)).toEqual(Array.from((await encoder.embed(['tent']))[0]!));
  });
});
