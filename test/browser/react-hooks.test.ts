import { createElement, StrictMode, useState, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createRecommender, type Progress, type Recommendation, type Recommender, type RecommenderOptions } from '../../src';
import { PocketRecProvider, Recommendations, useRecommendations, useRecommender, useSearch, useSimilar, useTrack, type QueryState } from '../../src/react';
import { SMALL_CATALOG } from '../fixtures/small-catalog';

// The real worker module, served by vite: the same code the worker bundle contains.
const workerUrl = new URL('../../src/worker/main.ts', import.meta.url);
let n = 0;
const options = (extra: Partial<RecommenderOptions> = {}): RecommenderOptions => ({ catalog: SMALL_CATALOG, workerUrl, dbName: `react-test-${Date.now()}-${n++}`, defaultK: 5, ...extra });

// Every worker the page spawns, and which of them were terminated: StrictMode must not leave two behind.
const NativeWorker = globalThis.Worker;
const spawned: Array<{ worker: Worker; isTerminated: boolean }> = [];
globalThis.Worker = class CountingWorker extends NativeWorker {
  constructor(url: string | URL, opts?: WorkerOptions) {
    super(url, opts);
    const entry = { worker: this as Worker, isTerminated: false };
    spawned.push(entry);
    const terminate = this.terminate.bind(this);
    this.terminate = () => {
      entry.isTerminated = true;
      terminate();
    };
  }
};

const roots: Root[] = [];
const mount = (node: ReactNode, strict = true) => {
  const host = document.createElement('div');
  document.body.append(host);
  const root = createRoot(host);
  roots.push(root);
  root.render(strict ? createElement(StrictMode, null, node) : node);
  return host;
};
const owned: Recommender[] = [];
afterEach(() => {
  roots.splice(0).forEach((root) => root.unmount());
  owned.splice(0).forEach((rec) => rec.dispose());
  document.body.replaceChildren();
  spawned.length = 0;
});

// Start-up and each answer cross to the worker and back; on a loaded machine that can take seconds.
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000 });
const ids = (state: QueryState<Recommendation[]> | undefined) => state?.data?.map((r) => r.id) ?? null;

describe('pocketrec/react in Chromium (real worker, IndexedDB)', () => {
  it('starts one worker under StrictMode and ends it when the provider unmounts', async () => {
    let feed: QueryState<Recommendation[]> | undefined;
    const Feed = () => {
      feed = useRecommendations({ k: 3 });
      return null;
    };
    mount(createElement(PocketRecProvider, { options: options() }, createElement(Feed)));
    await poll(() => feed?.status).toBe('ready');
    expect(feed!.data).toHaveLength(3);
    expect(spawned).toHaveLength(1);
    expect(spawned[0]!.isTerminated).toBe(false);
    roots.pop()!.unmount();
    await poll(() => spawned[0]!.isTerminated).toBe(true);
    expect(spawned).toHaveLength(1);
  });

  it('the worker count can tell: two providers are two workers', async () => {
    const statuses: string[] = [];
    const Probe = ({ at }: { at: number }) => {
      statuses[at] = useRecommender().status;
      return null;
    };
    mount(createElement('div', null, createElement(PocketRecProvider, { options: options() }, createElement(Probe, { at: 0 })), createElement(PocketRecProvider, { options: options() }, createElement(Probe, { at: 1 }))));
    await poll(() => statuses.join()).toBe('ready,ready');
    expect(spawned.filter((s) => !s.isTerminated)).toHaveLength(2);
  });

  it('every hook answers, and re-renders with fresh answers after each tracked event', async () => {
    const states: Record<string, QueryState<Recommendation[]>> = {};
    let first: string | undefined;
    let track: ReturnType<typeof useTrack> | undefined;
    let setQuery: ((query: string) => void) | undefined;
    let renders = 0;
    const Page = () => {
      const [query, set] = useState('');
      setQuery = set;
      states.feed = useRecommendations({ k: 3 });
      states.similar = useSimilar('r1', { k: 2 });
      states.search = useSearch(query, { k: 1 });
      states.missing = useSimilar('no-such-item');
      track = useTrack();
      first ??= `${states.feed.status}/${states.similar.status}/${states.search.status}`;
      renders++;
      return null;
    };
    const onProgress: Progress['phase'][] = [];
    mount(createElement(PocketRecProvider, { options: options({ onProgress: (p) => onProgress.push(p.phase) }) }, createElement(Page)));
    await poll(() => track).toBeDefined();
    // Events sent before start-up has finished wait for it rather than failing.
    const early = track!({ type: 'view', itemId: 't1' });
    expect(first).toBe('loading/loading/idle');
    await early;
    await poll(() => states.feed?.status).toBe('ready');
    await poll(() => states.similar?.status).toBe('ready');
    expect(states.similar!.data!.map((r) => r.item.category)).toEqual(['running', 'running']);
    expect(states.missing).toMatchObject({ status: 'error', data: null, error: { code: 'invalid-option', details: { itemId: 'no-such-item' } } });
    expect(states.search).toMatchObject({ status: 'idle', data: null });
    // The user's own onProgress still hears everything, and the hooks carry the latest progress too.
    expect(onProgress.at(-1)).toBe('ready');
    await poll(() => states.feed!.progress?.phase).toBe('ready');

    setQuery!('camping stove');
    await poll(() => ids(states.search)).toEqual(['t3']);
    expect(states.search!.status).toBe('ready');

    // A tracked event changes the feed: the hook re-renders with the recommender's new answer on its own.
    await poll(() => states.feed!.data!.filter((r) => r.item.category === 'outdoor').length).toBeGreaterThanOrEqual(1);
    const before = ids(states.feed);
    const rendersBefore = renders;
    await track!({ type: 'search', query: 'espresso coffee' });
    await track!({ type: 'add_to_cart', itemId: 'c3' });
    await poll(() => states.feed!.data!.some((r) => r.item.category === 'coffee')).toBe(true);
    expect(ids(states.feed)).not.toEqual(before);
    expect(renders).toBeGreaterThan(rendersBefore);
    expect(spawned).toHaveLength(1);

    await expect(track!({ type: 'view', itemId: 'nope' })).rejects.toMatchObject({ code: 'invalid-event' });
  });

  it('shares a recommender the page made, and leaves it running on unmount', async () => {
    const rec = await createRecommender(options());
    owned.push(rec);
    let state: QueryState<Recommender> | undefined;
    const Probe = () => {
      state = useRecommender();
      return null;
    };
    mount(createElement(PocketRecProvider, { recommender: rec }, createElement(Probe)));
    await poll(() => state?.status).toBe('ready');
    expect(state!.data).toBe(rec);
    expect(state!.progress).toBeNull();
    roots.pop()!.unmount();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(spawned[0]!.isTerminated).toBe(false);
    expect(await rec.recommend({ k: 2 })).toHaveLength(2);
  });

  it('asks again when the catalogue is swapped: the feed shows the new items', async () => {
    const rec = await createRecommender(options({ encoder: 'lexical' }));
    owned.push(rec);
    let feed: QueryState<Recommendation[]> | undefined;
    const Feed = () => {
      feed = useRecommendations({ k: 3, filter: { categories: ['coffee'] } });
      return null;
    };
    mount(createElement(PocketRecProvider, { recommender: rec }, createElement(Feed)));
    await poll(() => feed?.status).toBe('ready');
    expect(ids(feed)!.every((id) => id.startsWith('c'))).toBe(true);
    // The coffee items are renamed in the new catalogue; no event is tracked, only the catalogue changes.
    await rec.updateCatalog(SMALL_CATALOG.map((item) => (item.category === 'coffee' ? { ...item, id: `new-${item.id}` } : item)));
    await poll(() => ids(feed)?.every((id) => id.startsWith('new-c'))).toBe(true);
    expect(feed!.data).toHaveLength(3);
  });

  it('reports a failed start-up through every hook', async () => {
    let feed: QueryState<Recommendation[]> | undefined;
    const Feed = () => {
      feed = useRecommendations();
      return null;
    };
    mount(createElement(PocketRecProvider, { options: options({ catalog: [{ id: 'a', title: 'A' }, { id: 'a', title: 'B' }] }) }, createElement(Feed)));
    await poll(() => feed?.status).toBe('error');
    expect(feed!.error).toMatchObject({ code: 'catalog-invalid', details: { index: 1, field: 'id' } });
  });

  it('<Recommendations> renders links, moves focus with the arrow keys, tracks clicks, and fails honestly', async () => {
    const catalog = SMALL_CATALOG.map((item) => ({ ...item, url: `#item-${item.id}`, imageUrl: `data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg"/>` }));
    const selected: string[] = [];
    const errors: Array<{ kind: string; code: unknown }> = [];
    let rec: QueryState<Recommender> | undefined;
    const Probe = () => {
      rec = useRecommender();
      return null;
    };
    const list = (kind: 'related' | 'trending' | 'bought-together', itemIds: string[]) =>
      createElement(Recommendations, {
        kind,
        itemIds,
        k: 3,
        className: `recs-${kind}-${itemIds.length}`,
        onSelect: (r) => selected.push(r.id),
        onError: (error) => errors.push({ kind, code: (error as { code?: unknown }).code }),
      });
    const host = mount(createElement(PocketRecProvider, { options: options({ catalog }) }, createElement(Probe), list('related', ['r1']), list('related', ['r1', 'r2']), list('trending', []), list('bought-together', ['r1'])));
    const entries = () => [...host.querySelectorAll<HTMLAnchorElement>('.recs-related-1 a')];
    await poll(() => entries().length).toBe(3);
    expect(host.querySelector('.recs-related-1 li')!.getAttribute('data-item-id')).toMatch(/^r/);
    expect(entries()[0]!.getAttribute('href')).toMatch(/#item-r\d$/);
    expect(entries()[0]!.querySelector('img')).not.toBeNull();

    // Several seeds go to the engine's multi-seed `related`; without trend counts or baskets in this inline
    // catalogue, trending and bought-together are honestly empty: no list, and no error.
    const cart = () => [...host.querySelectorAll<HTMLLIElement>('.recs-related-2 li')].map((li) => li.getAttribute('data-item-id'));
    await poll(() => cart().length).toBe(3);
    expect(cart()).not.toContain('r1');
    expect(cart()).not.toContain('r2');
    expect(host.querySelector('.recs-trending-0 li, .recs-bought-together-1 li')).toBeNull();
    expect(errors).toEqual([]);

    entries()[0]!.focus();
    entries()[0]!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    expect(document.activeElement).toBe(entries()[1]);
    entries()[1]!.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
    expect(document.activeElement).toBe(entries()[2]);
    entries()[2]!.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowUp', bubbles: true }));
    expect(document.activeElement).toBe(entries()[1]);

    const clicked = host.querySelector('.recs-related-1 li')!.getAttribute('data-item-id')!;
    entries()[0]!.click();
    expect(selected).toEqual([clicked]);
    await poll(async () => (await rec!.data!.exportHistory()).events.map((e) => `${e.type}:${e.itemId}`)).toEqual([`click:${clicked}`]);
    // The link is followed once the click is recorded.
    await poll(() => location.hash).toBe(`#item-${clicked}`);
  });
});
