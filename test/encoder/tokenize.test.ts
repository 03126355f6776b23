import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/encoder';
import { seededRandom } from '../helpers/random';

describe('tokenize', () => {
  it('splits spaced scripts on non-letters, lower-cased', () => {
    expect(tokenize('Trail-Running SHOES, size 42')).toEqual(['trail', 'running', 'shoes', 'size', '42']);
  });
  it('folds Latin and Greek accents so either spelling matches', () => {
    expect(tokenize('Café crème brûlée')).toEqual(tokenize('cafe creme brulee'));
    expect(tokenize('Ελληνικά')).toEqual(['ελληνικα']);
  });
  it('keeps combining marks that are part of the letter in other scripts', () => {
    // Devanagari vowel signs are combining marks: dropping them, or splitting on them, would change the word.
    expect(tokenize('नमस्ते दुनिया')).toEqual(['नमस्ते', 'दुनिया']);
  });
  it('segments unspaced scripts into words', () => {
    const zh = tokenize('轻便透气的跑步鞋');
    expect(zh.length).toBeGreaterThan(2);
    expect(zh.join('')).toBe('轻便透气的跑步鞋');
    expect(zh).toContain('跑步');
    expect(tokenize('สวัสดีครับ')).toEqual(['สวัสดี', 'ครับ']);
    expect(tokenize('日本語のテキスト')).toContain('テキスト');
  });
  it('mixes scripts in one text', () => {
    expect(tokenize('Nike 跑步鞋 Air')).toEqual(['nike', '跑步', '鞋', 'air']);
  });
  it('splits ASCII text (its fast path) into the words the Unicode path finds', () => {
    // One non-ASCII word at the end sends the same text down the Unicode path; it adds only its own word.
    const next = seededRandom(21);
    for (let n = 0; n < 300; n++) {
      const text = Array.from({ length: 1 + Math.floor(next() * 60) }, () => String.fromCharCode(Math.floor(next() * 128))).join('');
      expect([...tokenize(text), 'u']).toEqual(tokenize(`${text} ü`));
    }
    expect(tokenize('A_b$c^D 7x\tTEN-10')).toEqual(['a', 'b', 'c', 'd', '7x', 'ten', '10']);
  });
});
