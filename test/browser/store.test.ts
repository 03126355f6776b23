import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteStore, openStore, SCHEMA_VERSION, type HistoryStore, type StoredEvent } from '../../src/store';

const DAY = 86_400_000;
const retention = { maxEvents: 100, maxAgeDays: 30 };
const open: HistoryStore[] = [];
let n = 0;
const fresh = (r = retention) => {
  const name = `store-test-${Date.now()}-${n++}`;
  const store = openStore(name, r);
  open.push(store);
  return { name, store };
};
const ev = (ts: number, itemId = 'a'): StoredEvent => ({ type: 'view', itemId, ts, sessionId: 's1' });

afterEach(() => {
  open.splice(0).forEach((s) => s.close());
});

describe('history store (IndexedDB)', () => {
  it('round-trips events in insertion order with sequence numbers', async () => {
    const { store } = fresh();
    const now = Date.now();
    await store.append(ev(now, 'a'));
    await store.append({ type: 'search', query: 'tent', ts: now + 1, sessionId: 's1' });
    await store.append({ type: 'rate', itemId: 'b', rating: 4, ts: now + 2, sessionId: 's2' });
    const events = await store.events();
    expect(events.map((e) => e.type)).toEqual(['view', 'search', 'rate']);
    expect(events[2]).toMatchObject({ itemId: 'b', rating: 4, sessionId: 's2' });
    expect(events[0]!.seq! < events[1]!.seq! && events[1]!.seq! < events[2]!.seq!).toBe(true);
  });

  it('commits an event and the settings it moved in one transaction: both or neither', async () => {
    const { store } = fresh();
    const now = Date.now();
    const stored = await store.append(ev(now, 'a'), { session: { id: 's1', lastTs: now } });
    expect(stored.seq).toBeGreaterThan(0);
    expect(await store.getSetting('session')).toEqual({ id: 's1', lastTs: now });
    // A setting IndexedDB cannot clone aborts the whole write: the event is not stored without it.
    await expect(store.append(ev(now + 1, 'b'), { session: { id: 's2', lastTs: now + 1, notCloneable: () => 0 } })).rejects.toThrow();
    expect((await store.events()).map((e) => e.itemId)).toEqual(['a']);
    expect(await store.getSetting('session')).toEqual({ id: 's1', lastTs: now });
  });

  it('migrates a v1 database without losing events', async () => {
    const name = `store-migrate-${Date.now()}`;
    // What the first release wrote: events without session ids, no cache store, no time index.
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
        db.createObjectStore('settings');
      },
    });
    await v1.add('events', { type: 'purchase', itemId: 'x', ts: Date.now() });
    await v1.put('settings', { id: 'old-session', lastTs: 1 }, 'session');
    v1.close();

    const store = openStore(name, retention);
    open.push(store);
    const events = await store.events();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'purchase', itemId: 'x', sessionId: 'migrated-v1' });
    expect(await store.getSetting('session')).toEqual({ id: 'old-session', lastTs: 1 });
    await store.putCached('k', { ok: true });
    expect(await store.getCached('k')).toEqual({ ok: true });
    const raw = await openDB(name);
    expect(raw.version).toBe(SCHEMA_VERSION);
    expect([...raw.objectStoreNames].sort()).toEqual(['caches', 'events', 'settings']);
    raw.close();
  });

  it('applies retention by age and by count, oldest first', async () => {
    const { store } = fresh({ maxEvents: 3, maxAgeDays: 10 });
    const now = Date.now();
    await store.append(ev(now - 20 * DAY, 'ancient'));
    for (let i = 0; i < 5; i++) await store.append(ev(now - (5 - i) * 1000, `i${i}`));
    expect(await store.prune(now)).toBe(3);
    expect((await store.events()).map((e) => e.itemId)).toEqual(['i2', 'i3', 'i4']);
  });

  it('forgets everything: events, settings and caches', async () => {
    const { store } = fresh();
    await store.append(ev(Date.now()));
    await store.putSetting('session', { id: 'x' });
    await store.putCached('vectors', new Float32Array(4));
    await store.forget();
    expect(await store.events()).toEqual([]);
    expect(await store.getSetting('session')).toBeUndefined();
    expect(await store.getCached('vectors')).toBeUndefined();
    const h = await store.exportHistory();
    expect(h).toMatchObject({ formatVersion: 1, events: [] });
  });

  it('keeps every event when two connections (two tabs) write at once', async () => {
    const { name, store: a } = fresh();
    const b = openStore(name, retention);
    open.push(b);
    const now = Date.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).append(ev(now + i, `e${i}`))));
    const events = await a.events();
    expect(events).toHaveLength(40);
    expect(new Set(events.map((e) => e.itemId)).size).toBe(40);
    expect(new Set(events.map((e) => e.seq)).size).toBe(40);
    expect(await b.events()).toEqual(events);
  });

  it('steps aside when another tab upgrades the schema, instead of blocking it', async () => {
    const { name, store } = fresh();
    await store.append(ev(Date.now(), 'kept'));
    let blocked = false;
    const newer = await openDB(name, SCHEMA_VERSION + 1, { blocked: () => (blocked = true) });
    expect(blocked).toBe(false);
    newer.close();
    // This (old) tab can no longer open the newer database: it fails clearly, and the data is untouched.
    await expect(store.events()).rejects.toMatchObject({ code: 'store-unavailable' });
    const check = await openDB(name);
    expect((await check.getAll('events')).map((e) => e.itemId)).toEqual(['kept']);
    check.close();
  });

  it('deletes a database outright', async () => {
    const { name, store } = fresh();
    await store.append(ev(Date.now()));
    store.close();
    await deleteStore(name);
    expect((await indexedDB.databases()).some((d) => d.name === name)).toBe(false);
  });

  it('forget() deletes the database itself and the model cache, and the store still works afterwards', async () => {
    const { name, store } = fresh();
    await store.append(ev(Date.now()));
    const models = await caches.open('pocketrec-models-v1');
    await models.put('https://shop.test/models/model.onnx', new Response('weights'));
    // Before the fix the emptied database and the model cache stayed on the device.
    await store.forget();
    expect((await indexedDB.databases()).some((d) => d.name === name)).toBe(false);
    expect(await caches.has('pocketrec-models-v1')).toBe(false);
    await store.append(ev(Date.now(), 'after'));
    expect((await store.events()).map((e) => e.itemId)).toEqual(['after']);
  });

  it('forget() is not blocked by another tab holding the database open', async () => {
    const { name, store: a } = fresh();
    const b = openStore(name, retention);
    open.push(b);
    await a.append(ev(Date.now(), 'a'));
    expect(await b.events()).toHaveLength(1);
    await a.forget();
    expect((await indexedDB.databases()).some((d) => d.name === name)).toBe(false);
    // The other tab reopens an empty database on its next call.
    expect(await b.events()).toEqual([]);
  });

  it('keeps only the current version of a versioned cache', async () => {
    const { store } = fresh();
    await store.putCached('catalog:https://shop.test/c.json', { v: 1 });
    await store.putCached('vectors:v1:enc', new Float32Array([1]), { replacesPrefix: 'vectors:' });
    await store.putCached('vectors:v1:other-enc', new Float32Array([2]));
    // Before the fix every deploy's vectors stayed: storage grew with each catalogue version.
    await store.putCached('vectors:v2:enc', new Float32Array([3]), { replacesPrefix: 'vectors:' });
    expect(await store.getCached('vectors:v1:enc')).toBeUndefined();
    expect(await store.getCached('vectors:v1:other-enc')).toBeUndefined();
    expect(Array.from((await store.getCached<Float32Array>('vectors:v2:enc'))!)).toEqual([3]);
    expect(await store.getCached('catalog:https://shop.test/c.json')).toEqual({ v: 1 });
  });

  it('falls back to memory when IndexedDB cannot be opened (private modes, opaque origins)', async () => {
    // What an opaque origin or disabled storage does: reading `indexedDB` throws a SecurityError.
    const own = Object.getOwnPropertyDescriptor(globalThis, 'indexedDB');
    Object.defineProperty(globalThis, 'indexedDB', {
      configurable: true,
      get() {
        throw new DOMException('Access to the IndexedDB API is denied in this context.', 'SecurityError');
      },
    });
    const warn = console.warn;
    const warnings: unknown[] = [];
    console.warn = (...args: unknown[]) => void warnings.push(args[0]);
    try {
      const store = openStore(`store-memory-${Date.now()}`, { maxEvents: 2, maxAgeDays: 30 });
      expect(store.persistent).toBe(true);
      // Before the fix this rejected with store-unavailable, and so did createRecommender.
      await store.append(ev(Date.now(), 'a'));
      expect(store.persistent).toBe(false);
      await store.append(ev(Date.now(), 'b'));
      await store.append(ev(Date.now(), 'c'));
      expect(await store.prune(Date.now())).toBe(1);
      expect((await store.events()).map((e) => e.itemId)).toEqual(['b', 'c']);
      await store.putSetting('session', { id: 's' });
      expect(await store.getSetting('session')).toEqual({ id: 's' });
      await store.forget();
      expect(await store.events()).toEqual([]);
      expect(String(warnings[0])).toContain('in memory only');
    } finally {
      console.warn = warn;
      if (own) Object.defineProperty(globalThis, 'indexedDB', own);
      else delete (globalThis as { indexedDB?: unknown }).indexedDB;
    }
    expect(typeof indexedDB.open).toBe('function');
  });
});
