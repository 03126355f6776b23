import { describe, expect, it } from 'vitest';
import { createNdjsonRecords, encodeRecords } from '../../src/catalog/records';
import type { Item } from '../../src/catalog/types';

const items: Item[] = Array.from({ length: 300 }, (_, i) => ({ id: `p${i}`, title: `Product ${i}`, tags: [`t${i % 7}`] }));

describe('display records', () => {
  it('parses a record once while it is among the lately shown, and again once it has left them', () => {
    const { bytes, offsets } = encodeRecords(items);
    const records = createNdjsonRecords(bytes, offsets, items.map((i) => i.id), 'test');
    const first = records.get(5);
    expect(first).toEqual(items[5]);
    expect(Object.isFrozen(first)).toBe(true);
    expect(records.get(5)).toBe(first);
    // 299 other records push it out of the 256 kept: parsed anew, the same item.
    for (let i = 0; i < items.length; i++) if (i !== 5) records.get(i);
    const again = records.get(5);
    expect(again).not.toBe(first);
    expect(again).toEqual(items[5]);
  });

  it('names a bad record every time it is asked for, never keeping it', () => {
    const { bytes, offsets } = encodeRecords(items.slice(0, 3));
    bytes[offsets[1]!] = 0x7b; // `{{…`: not JSON
    bytes[offsets[1]! + 1] = 0x7b;
    const records = createNdjsonRecords(bytes, offsets, ['p0', 'p1', 'wrong'], 'test');
    for (let k = 0; k < 2; k++) expect(() => records.get(1)).toThrow(/record of item "p1" \(position 1\) is not a JSON line/);
    expect(() => records.get(2)).toThrow(/record at position 2 is item "p2", the columns say "wrong"/);
    expect(records.get(0)).toEqual(items[0]);
  });
});
