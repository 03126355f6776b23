/**
 * id → position for a catalogue's ids: an open-addressing hash table of positions in one Uint32Array. A million
 * ids cost 8 MB and one hash each to build, where a Map costs tens of bytes per entry and a slow start-up.
 */
export function createIdIndex(ids: readonly string[]): (id: string) => number | undefined {
  let size = 16;
  while (size < ids.length * 2) size *= 2;
  const mask = size - 1;
  // Slot holds position + 1; 0 is empty.
  const slots = new Uint32Array(size);
  for (let i = 0; i < ids.length; i++) {
    let s = hash(ids[i]!) & mask;
    while (slots[s] !== 0) {
      // A repeated id keeps its first position, as the loader's validation guarantees ids are unique anyway.
      if (ids[slots[s]! - 1] === ids[i]) break;
      s = (s + 1) & mask;
    }
    if (slots[s] === 0) slots[s] = i + 1;
  }
  return (id) => {
    for (let s = hash(id) & mask; slots[s] !== 0; s = (s + 1) & mask) if (ids[slots[s]! - 1] === id) return slots[s]! - 1;
    return undefined;
  };
}

/** FNV-1a over UTF-16 code units with a final avalanche, so sequential ids ("sku-1", "sku-2") spread well. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}
