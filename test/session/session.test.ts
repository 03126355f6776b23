import { describe, expect, it } from 'vitest';
import { columnsFromItems, itemText, recordsFromItems } from '../../src/catalog';
import { createLexicalEncoder, fitLexicalModel } from '../../src/encoder';
import { DEFAULT_PROFILE_SETTINGS, type BehaviourEvent } from '../../src/profile';
import { createRankModel, DEFAULT_RANK_SETTINGS } from '../../src/rank';
import { quantizeRows } from '../../src/vector';
import { createSession, type SequenceScorer, type SessionDeps, type SessionEvent, type Update } from '../../src/session';
import { SMALL_CATALOG } from '../fixtures/small-catalog';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const MINUTE = 60_000;
const encoder = createLexicalEncoder(fitLexicalModel(SMALL_CATALOG.map(itemText)));
const vectors = new Float32Array(SMALL_CATALOG.length * encoder.dim);
(await encoder.embed(SMALL_CATALOG.map(itemText))).forEach((v, i) => vectors.set(v, i * encoder.dim));
const records = recordsFromItems(SMALL_CATALOG);
const model = createRankModel({ columns: columnsFromItems(SMALL_CATALOG), rows: quantizeRows(vectors, encoder.dim), records });
const indexOf = (id: string) => model.indexOf(id)!;

/** A session over the 20-item catalogue; `embedCalls` counts text batches. */
const start = (extra: Partial<SessionDeps> = {}) => {
  let ids = 0;
  const embedCalls: string[][] = [];
  const session = createSession({
    model,
    records,
    embed: (texts) => (embedCalls.push(texts), encoder.embed(texts)),
    sequence: null,
    profileSettings: DEFAULT_PROFILE_SETTINGS,
    rankSettings: DEFAULT_RANK_SETTINGS,
    sessionTimeoutMinutes: 30,
    defaultK: 5,
    now: () => NOW,
    newSessionId: () => `s${++ids}`,
    ...extra,
  });
  return { session, embedCalls };
};

/** An in-memory durable write: assigns `seq` like IndexedDB's key generator, which a clear does not reset. */
const memoryStore = () => {
  const rows: SessionEvent[] = [];
  let seq = 0;
  const persist = async (event: SessionEvent) => {
    const stored = { ...event, seq: ++seq };
    rows.push(stored);
    return stored;
  };
  return { rows, persist };
};

const view = (itemId: string, ts = NOW): BehaviourEvent => ({ type: 'view', itemId, ts });

/** A sequence model that always predicts `favourite` next, and counts its runs. */
const predicting = (favourite: string, gate?: Promise<void>) => {
  const runs: number[][] = [];
  const scorer: SequenceScorer = {
    async score(history) {
      runs.push([...history]);
      await gate;
      const logits = new Float32Array(model.count).fill(-20);
      logits[indexOf(favourite)] = 0;
      return logits;
    },
  };
  return { scorer, runs };
};

describe('session', () => {
  it('folds an event only after its durable write, and not at all when the write fails', async () => {
    const { session } = start();
    const fresh = await session.recommend();
    const error = new Error('quota');
    await expect(session.track(view('t1'), async () => Promise.reject(error))).rejects.toBe(error);
    expect(session.status().historySize).toBe(0);
    expect(await session.recommend()).toEqual(fresh);

    let written = false;
    const stored = await session.track(view('t1'), async (event) => {
      await new Promise((r) => setTimeout(r, 5));
      // Nothing is folded while the write is in flight.
      expect(session.status().historySize).toBe(0);
      written = true;
      return { ...event, seq: 7 };
    });
    expect(written).toBe(true);
    expect(stored).toMatchObject({ type: 'view', itemId: 't1', seq: 7, sessionId: session.status().sessionId });
    expect(session.status().historySize).toBe(1);
    expect((await session.recommend()).map((r) => r.item.category)).toContain('outdoor');
  });

  it('starts a new browsing session after the timeout, and keeps it within', async () => {
    const { session } = start();
    const store = memoryStore();
    const a = await session.track(view('c1', NOW), store.persist);
    const b = await session.track(view('c2', NOW + 29 * MINUTE), store.persist);
    const c = await session.track(view('c3', NOW + 60 * MINUTE), store.persist);
    expect(a.sessionId).toBe(b.sessionId);
    expect(c.sessionId).not.toBe(b.sessionId);
    expect(session.status().sessionId).toBe(c.sessionId);
  });

  it('gives a burst of events one push to the listener, caused by its last event', async () => {
    const { session } = start();
    const store = memoryStore();
    const updates: Update[] = [];
    session.setListener((u) => updates.push(u));
    const ids = ['c1', 'c2', 'c3', 'c4', 'c5', 't1', 't2', 't3'];
    await Promise.all(ids.map((id, i) => session.track(view(id, NOW + i), store.persist)));
    await session.idle();
    await new Promise((r) => setTimeout(r, 0));
    await session.idle();
    expect(updates).toHaveLength(1);
    expect(updates[0]!.cause).toMatchObject({ itemId: 't3' });
    expect(updates[0]!.recommendations).toHaveLength(5);
    expect(session.status().pushes).toBe(1);
    // The push ranked the whole burst: the same list a recommendation now gives.
    expect(await session.recommend({ now: NOW })).toEqual(updates[0]!.recommendations);
  });

  it('ranks nothing after events when no one listens', async () => {
    const { session } = start();
    const store = memoryStore();
    await Promise.all(['c1', 'c2'].map((id) => session.track(view(id), store.persist)));
    session.setListener(() => {
      throw new Error('not called for events before the listener came');
    });
    session.setListener(null);
    await session.track(view('c3'), store.persist);
    await new Promise((r) => setTimeout(r, 0));
    await session.idle();
    expect(session.status()).toMatchObject({ pushes: 0, lastRecommendMs: null, historySize: 3 });
  });

  it('runs the sequence model once per burst, and never ranks without it while it runs', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const { scorer, runs } = predicting('b5', gate);
    const { session } = start({ sequence: scorer });
    const store = memoryStore();
    const burst = ['c1', 'c2', 'c3'].map((id, i) => session.track(view(id, NOW + i), store.persist));
    // Asked while the burst is being folded: it must wait for the model's answer on the whole burst.
    const during = session.recommend();
    const more = session.track(view('c4', NOW + 3), store.persist);
    await Promise.all(burst);
    setTimeout(open, 5);
    const early = await during;
    await more;
    const after = await session.recommend();
    expect(early.map((r) => r.id)).toContain('b5');
    expect(after.map((r) => r.id)).toContain('b5');
    // One run for the first three events (the recommendation asked for it), one for the fourth.
    expect(runs).toEqual([
      ['c1', 'c2', 'c3'].map(indexOf),
      ['c1', 'c2', 'c3', 'c4'].map(indexOf),
    ]);
    expect(session.status().sequenceRuns).toBe(2);
    // An unchanged history needs no new run.
    await session.recommend({ k: 3 });
    expect(runs).toHaveLength(2);
  });

  it('drops a sequence model that throws, says so once, and goes on ranking', async () => {
    const failures: unknown[] = [];
    const broken: SequenceScorer = { score: async () => Promise.reject(new Error('device lost')) };
    const { session } = start({ sequence: broken, onSequenceFailed: (e) => failures.push(e) });
    const store = memoryStore();
    await session.track(view('r1'), store.persist);
    expect(await session.recommend()).toHaveLength(5);
    await session.track(view('r2'), store.persist);
    expect(await session.recommend()).toHaveLength(5);
    expect(failures).toHaveLength(1);
    expect((failures[0] as Error).message).toBe('device lost');
    expect(session.status().hasSequence).toBe(false);
  });

  it('rebuilds from a stored history exactly as the live events built it, embedding its texts in one batch', async () => {
    const live = start();
    const store = memoryStore();
    const events: BehaviourEvent[] = [
      { type: 'purchase', itemId: 'c1', ts: NOW },
      { type: 'search', query: 'camping', ts: NOW + MINUTE },
      { type: 'view', itemId: 'c2', ts: NOW + 2 * MINUTE },
      { type: 'review', itemId: 't3', text: 'great stove for hiking', rating: 5, ts: NOW + 3 * MINUTE },
    ];
    for (const e of events) await live.session.track(e, store.persist);
    const replayed = start();
    await replayed.session.load(store.rows, { id: 'kept', lastTs: NOW + 3 * MINUTE });
    expect(replayed.embedCalls).toEqual([['camping', 'great stove for hiking']]);
    expect(replayed.session.status()).toMatchObject({ historySize: 4, sessionId: 'kept' });
    expect(await replayed.session.recommend()).toEqual(await live.session.recommend());
  });

  it('forgets after the durable erase, and comes back to a fresh profile', async () => {
    const { session } = start();
    const fresh = await session.recommend();
    const store = memoryStore();
    await session.track(view('t1'), store.persist);
    await session.track(view('t2'), store.persist);
    expect(await session.recommend()).not.toEqual(fresh);
    const order: string[] = [];
    await session.forget(async () => void order.push(`erased at ${session.status().historySize}`));
    expect(order).toEqual(['erased at 2']);
    expect(session.status().historySize).toBe(0);
    expect(await session.recommend()).toEqual(fresh);
  });

  it('reads the store back on a track only when another tab stored events in between', async () => {
    const store = memoryStore();
    const reads: number[] = [];
    const readAfter = async (seq: number) => (reads.push(seq), store.rows.filter((e) => e.seq! > seq));
    const { session } = start({ readAfter });
    for (let i = 0; i < 4; i++) await session.track(view(SMALL_CATALOG[i]!.id, NOW + i), store.persist);
    expect(reads).toEqual([]);
    // Another tab's write takes seq 5: this tab's next event (seq 6) does not follow the last it folded.
    await store.persist({ ...view(SMALL_CATALOG[9]!.id, NOW + 5), sessionId: 'other' });
    await session.track(view(SMALL_CATALOG[5]!.id, NOW + 6), store.persist);
    expect(reads).toEqual([4]);
    expect(session.status().historySize).toBe(6);
    await session.track(view(SMALL_CATALOG[6]!.id, NOW + 7), store.persist);
    expect(reads).toEqual([4]);
    expect(session.status().historySize).toBe(7);
  });

  it('folds in store order, so two tabs writing one store end with the same profile', async () => {
    const store = memoryStore();
    const readAfter = async (seq: number) => store.rows.filter((e) => e.seq! > seq);
    const a = start({ readAfter }).session;
    const b = start({ readAfter }).session;
    const ids = SMALL_CATALOG.map((item) => item.id);
    // Both write at once; each also hears of the other's writes at arbitrary moments.
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const tab = i % 3 === 0 ? b : a;
        const other = tab === a ? b : a;
        const event: BehaviourEvent = i % 7 === 0 ? { type: 'search', query: `${ids[i % 20]} gift`, ts: NOW + i } : { type: i % 5 === 0 ? 'purchase' : 'view', itemId: ids[(i * 7) % 20]!, ts: NOW + i };
        return tab.track(event, store.persist).then(() => (i % 4 === 0 ? other.sync() : undefined));
      }),
    );
    await Promise.all([a.sync(), b.sync()]);
    expect(a.status().historySize).toBe(60);
    expect(b.status().historySize).toBe(60);
    expect(await b.recommend({ k: 10 })).toEqual(await a.recommend({ k: 10 }));

    // A forget in one tab (the store emptied), heard by the other after it wrote one more event.
    await a.forget(async () => void store.rows.splice(0));
    await b.track(view('r1', NOW + 100), store.persist);
    await b.forget();
    await a.sync();
    expect(a.status().historySize).toBe(1);
    expect(b.status().historySize).toBe(1);
    expect(await b.recommend({ k: 10 })).toEqual(await a.recommend({ k: 10 }));
  });

  it('rejects unknown items in similar and empty search queries with coded errors', async () => {
    const { session } = start();
    await expect(session.similar('nope', 3)).rejects.toMatchObject({ code: 'invalid-option', details: { itemId: 'nope' } });
    await expect(session.search('  ', 3)).rejects.toMatchObject({ code: 'invalid-option' });
    expect((await session.search('camping stove', 1))[0]!.id).toBe('t3');
  });
});

describe('session: language routing and the surfaces', () => {
  it('embeds only the texts its encoder covers and counts the others, which still search by words', async () => {
    const { session, embedCalls } = start({ languages: ['en'] });
    const { persist } = memoryStore();
    await session.track({ type: 'search', query: '露营帐篷', ts: NOW }, persist);
    await session.track({ type: 'search', query: 'camping tent', ts: NOW + 1 }, persist);
    await session.search('咖啡', 3);
    expect(embedCalls).toEqual([['camping tent']]);
    expect(session.status().lexicalOnlyTexts).toBe(2);
    expect(await session.search('zzqxv nonsense', 3, { threshold: 0.05 })).toEqual([]);
  });

  it('serves related, looking-similar and trending, and rejects a bad option naming it', async () => {
    const { session } = start();
    const seed = SMALL_CATALOG[0]!.id;
    const related = await session.related([seed], { k: 3 });
    expect(related.map((r) => r.id)).not.toContain(seed);
    expect(related).toHaveLength(3);
    expect(await session.similar(seed, 3)).toEqual(related);
    expect(await session.lookingSimilar(seed, { k: 2 })).toHaveLength(2);
    // No log: nothing trends, and the honest answer is empty.
    expect(await session.trending({ k: 3 })).toEqual([]);
    await expect(session.boughtTogether([seed], { k: 3, fallbak: 'popular' })).rejects.toMatchObject({ code: 'invalid-option', details: { option: 'fallbak' } });
    await expect(session.related(['no-such-item'])).rejects.toMatchObject({ code: 'invalid-option', details: { option: 'itemIds' } });
  });
});

