import { describe, expect, it } from 'vitest';
import { isCovered } from '../../src/encoder';

describe('language routing', () => {
  it('an English-only encoder understands Latin letters, and nothing else', () => {
    expect(isCovered('trail running shoes', ['en'])).toBe(true);
    // Within one script it cannot tell languages apart: French shows Latin letters (accents included).
    expect(isCovered('chaussures de course légères', ['en'])).toBe(true);
    expect(isCovered('运动鞋', ['en'])).toBe(false);
    expect(isCovered('ランニングシューズ', ['en'])).toBe(false);
    expect(isCovered('รองเท้าวิ่ง', ['en'])).toBe(false);
    expect(isCovered('кроссовки', ['en'])).toBe(false);
  });

  it('one letter of another script routes a mixed text away', () => {
    expect(isCovered('Nike 运动鞋 42', ['en'])).toBe(false);
  });

  it('digits, punctuation and emoji belong to no language', () => {
    expect(isCovered('42 — 7.5 % 👟', ['en'])).toBe(true);
    expect(isCovered('', ['en'])).toBe(true);
  });

  it('follows the languages a site declares for its model', () => {
    expect(isCovered('运动鞋', ['zh'])).toBe(true);
    expect(isCovered('Nike 运动鞋', ['zh'])).toBe(false);
    expect(isCovered('Nike 运动鞋', ['zh', 'en'])).toBe(true);
    // Japanese mixes kanji with both kana; Chinese alone does not cover kana.
    expect(isCovered('東京のランニングシューズ', ['ja'])).toBe(true);
    expect(isCovered('東京のランニングシューズ', ['zh'])).toBe(false);
    expect(isCovered('운동화', ['ko'])).toBe(true);
  });

  it('"any" covers every script', () => {
    for (const text of ['运动鞋', 'รองเท้าวิ่ง', 'кроссовки', 'نعال', 'Nike 运动鞋']) expect(isCovered(text, 'any')).toBe(true);
  });
});
