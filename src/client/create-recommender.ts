import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { PocketRecError } from '../errors';
import { validateEvent } from '../profile/validate-event';
import { installErrorTransfer } from '../rpc';
import type { CatalogChange, EngineApi, EngineConfig, EngineEvents, Status, Update } from '../worker';
import { resolveCatalogSource, resolveOptions } from './resolve-options';
import { checked, sendSafely, validateCallOptions, validateItemId, validateK, validateQuery, validateRecommendRequest } from './validate-request';
import type { CallOptions, Recommender, RecommenderOptions } from './types';
import { defaultWorkerUrl, explainWorkerFailure, spawnWorker } from './worker-url';

/** Restarts in a row that fail before the worker is ready again; then the recommender gives up. */
const MAX_FAILED_RESTARTS = 3;

/** One worker and the promise that it is initialised. */
interface Incarnation {
  worker: Worker;
  engine: Remote<EngineApi>;
  ready: Promise<unknown>;
  /** Stops waiting on the worker's lifeline when it is replaced or disposed. */
  forget: AbortController;
  /** Settles once the worker is gone (stopped, crashed, or retired here): a call to it will never be answered. */
  gone: Promise<void>;
}

/** A call that has not settled yet; it is sent again to the next worker if this one dies. */
interface Pending {
  run(engine: Remote<EngineApi>): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  sentTo: Incarnation | null;
}

/**
 * Starts PocketRec: spawns the worker, which loads the catalogue and opens the visitor's history. Resolves once the
 * first recommendation can be served: with embeddings shipped in the catalogue that needs the catalogue alone (the
 * encoder loads on the first query or review, the sequence model right after; see `ready()`), otherwise the
 * encoder embeds the catalogue first. A worker that dies later is restarted: it
 * rebuilds the visitor's state from IndexedDB and the calls it left unanswered are sent to it again.
 *
 * @throws PocketRecError `invalid-option`, `catalog-invalid`, `catalog-empty`, `catalog-fetch-failed`, `store-unavailable`, `asset-failed`,
 *   `worker-crashed`, `aborted`
 * @example
 * const rec = await createRecommender({ catalog: '/catalog.json' });
 * await rec.track({ type: 'view', itemId: 'sku-42' });
 * const top = await rec.recommend({ k: 8 });
 */
export async function createRecommender(options: RecommenderOptions): Promise<Recommender> {
  installErrorTransfer();
  const pageUrl = globalThis.location?.href ?? 'http://localhost/';
  const config: EngineConfig = resolveOptions(options, pageUrl);
  const hostWorkerUrl = options.workerUrl === undefined ? null : new URL(String(options.workerUrl), pageUrl);
  const workerUrl = hostWorkerUrl ?? defaultWorkerUrl();
  const listeners = new Set<(update: Update) => void>();
  const catalogListeners = new Set<(change: CatalogChange) => void>();
  const pending = new Set<Pending>();
  let disposed = false;
  let started = false;
  let restarts = 0;
  let failedRestarts = 0;
  let broken: PocketRecError | null = null;
  let deliveries = 0;
  const deliveryPrefix = crypto.randomUUID();

  // One throwing listener must not keep the news from the others; the page still sees its error.
  const tellAll = <T>(all: Set<(value: T) => void>, value: T) => {
    for (const listener of all) {
      try {
        listener(value);
      } catch (error) {
        reportError(error);
      }
    }
  };
  const events: EngineEvents = {
    progress: (p) => options.onProgress?.(p),
    updated: (update) => tellAll(listeners, update),
    catalogChanged: (change) => {
      // A restarted worker must load what is served now, not the catalogue the page started with. Inline items
      // swapped in by another tab are not known here; a restart then loads the last source this tab knew.
      if (change.outcome === 'updated' && change.source !== null) config.catalog = change.source;
      tellAll(catalogListeners, change);
    },
  };
  const sink = proxy(events);

  const crashError = (why: string) =>
    new PocketRecError('worker-crashed', `client: the PocketRec worker failed (${why}). Check that ${workerUrl.href} is served.`);

  const failAll = (error: PocketRecError) => {
    for (const call of pending) call.reject(error);
    pending.clear();
  };

  const send = (call: Pending, to: Incarnation) => {
    call.sentTo = to;
    to.ready
      .then(() => sendSafely(() => call.run(to.engine)))
      .then(
        (value) => {
          if (call.sentTo !== to) return;
          // An answer, not just a start, proves the worker works: a call that kills every worker cannot loop.
          failedRestarts = 0;
          call.resolve(value);
        },
        (error: unknown) => call.sentTo === to && call.reject(error),
      );
  };

  const spawn = (): Incarnation => {
    const worker = spawnWorker(hostWorkerUrl);
    const engine = wrap<EngineApi>(worker);
    const forget = new AbortController();
    let markGone!: () => void;
    const gone = new Promise<void>((resolve) => (markGone = resolve));
    forget.signal.addEventListener('abort', () => markGone(), { once: true });
    const self: Incarnation = { worker, engine, ready: Promise.resolve(), forget, gone };
    const died = (why: string) => {
      if (current !== self || disposed) return;
      onDeath(self, why);
    };
    // Comlink leaves calls pending forever when the worker dies; these are the ways to learn that it did.
    worker.addEventListener('error', (event) => died(event.message || 'the script did not load'));
    worker.addEventListener('messageerror', () => died('a message could not be deserialised'));
    const lifeline = `pocketrec-worker-${crypto.randomUUID()}`;
    self.ready = (async () => {
      await engine.init(config, sink);
      if (typeof navigator !== 'undefined' && navigator.locks) {
        await engine.holdLifeline(lifeline);
        // Granted only once the worker no longer holds it: it was terminated, crashed or ran out of memory.
        navigator.locks.request(lifeline, { signal: forget.signal }, () => (markGone(), died('it stopped'))).catch(() => {});
      }
      if (listeners.size > 0) await engine.setSubscribed(true);
    })();
    return self;
  };

  const retire = (incarnation: Incarnation) => {
    if (incarnation.forget.signal.aborted) return;
    incarnation.forget.abort();
    incarnation.engine[releaseProxy]();
    incarnation.worker.terminate();
  };

  const onDeath = (dead: Incarnation, why: string) => {
    retire(dead);
    if (!started) {
      // Start-up itself failed: nothing to recover yet; createRecommender rejects (and, should it have resolved
      // in the same instant, every later call rejects instead of waiting on a dead worker). A worker script that
      // is not served is the usual deployment mistake: a HEAD request tells it apart and names the URL.
      const fallback = crashError(why);
      broken = fallback;
      void explainWorkerFailure(workerUrl.href, why).then(
        (explained) => failAll((broken = explained)),
        () => failAll(fallback),
      );
      return;
    }
    if (++failedRestarts > MAX_FAILED_RESTARTS) {
      broken = crashError(`${why}; ${MAX_FAILED_RESTARTS} restarts in a row did not bring it back`);
      failAll(broken);
      return;
    }
    restarts++;
    current = spawn();
    const next = current;
    next.ready.catch((error: unknown) => {
      // The restarted worker could not start (a catalogue that no longer loads, storage gone): nothing to retry on.
      if (current !== next) return;
      broken = error instanceof PocketRecError ? error : crashError(String(error));
      failAll(broken);
    });
    for (const call of pending) send(call, next);
  };

  let current: Incarnation = spawn();

  const call = <T>(run: (engine: Remote<EngineApi>) => Promise<T>, signal?: AbortSignal): Promise<T> => {
    if (disposed) return Promise.reject(new PocketRecError('disposed', 'client: this recommender was disposed. Create a new one.'));
    if (broken) return Promise.reject(broken);
    if (signal?.aborted) return Promise.reject(new PocketRecError('aborted', 'client: the call was aborted before it started.'));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => entry.reject(new PocketRecError('aborted', 'client: the call was aborted.'));
      const settle = () => {
        pending.delete(entry);
        signal?.removeEventListener('abort', onAbort);
      };
      const entry: Pending = {
        run,
        resolve: (value) => (settle(), resolve(value as T)),
        reject: (error) => (settle(), reject(error)),
        sentTo: null,
      };
      pending.add(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      send(entry, current);
    });
  };

  let closed: Promise<void> = Promise.resolve();
  const dispose = (): Promise<void> => {
    if (disposed) return closed;
    disposed = true;
    const last = current;
    // Let the worker close its database first (and finish the catalogue's cache write), so another tab's upgrade
    // is not blocked by a dead connection and the next visit finds the cache whole (a worker already retired has
    // nothing left to close; one that dies meanwhile never answers).
    if (!last.forget.signal.aborted) {
      closed = Promise.race([last.engine.dispose().catch(() => {}), last.gone]).finally(() => retire(last));
    }
    listeners.clear();
    catalogListeners.clear();
    failAll(new PocketRecError('disposed', 'client: this recommender was disposed. Create a new one.'));
    return closed;
  };

  try {
    await call(() => current.ready, options.signal);
    started = true;
  } catch (error) {
    dispose();
    throw error;
  }

  return {
    // The shape is checked here, before the event crosses (a hostile value could not even be cloned); the worker
    // checks it again against the catalogue. The delivery key lets a restarted worker recognise an event its
    // predecessor stored but did not acknowledge.
    track: (event) =>
      checked(
        () => validateEvent(event, Date.now(), () => true),
        () => {
          const key = `${deliveryPrefix}:${deliveries++}`;
          return call((engine) => engine.track(event, key));
        },
      ),
    recommend: (request, opts?: CallOptions) => checked(() => [validateRecommendRequest(request), validateCallOptions('recommend', opts)] as const, ([r, o]) => call((engine) => engine.recommend(r), o.signal)),
    similar: (itemId, k = config.defaultK, opts) =>
      checked(() => [validateItemId('similar', itemId), validateK('similar', k), validateCallOptions('similar', opts)] as const, ([id, n, o]) => call((engine) => engine.similar(id, n, o.filter), o.signal)),
    search: (query, k = config.defaultK, opts) =>
      checked(() => [validateQuery(query), validateK('search', k), validateCallOptions('search', opts)] as const, ([q, n, o]) => call((engine) => engine.search(q, n, { ...(o.filter ? { filter: o.filter } : {}), ...(o.threshold !== undefined ? { threshold: o.threshold } : {}) }), o.signal)),
    // The surfaces' options are checked in the worker, which knows the catalogue's items and trending windows.
    related: (itemIds, { signal, ...opts } = {}) => call((engine) => engine.related(itemIds, opts), signal),
    boughtTogether: (itemIds, { signal, ...opts } = {}) => call((engine) => engine.boughtTogether(itemIds, opts), signal),
    lookingSimilar: (itemId, { signal, ...opts } = {}) => call((engine) => engine.lookingSimilar(itemId, opts), signal),
    trending: ({ signal, ...opts } = {}) => call((engine) => engine.trending(opts), signal),
    embed: (texts) => call((engine) => engine.embed(texts)),
    subscribe(listener) {
      listeners.add(listener);
      // The worker ranks after events only while someone listens; the messages keep their order with `track`.
      if (listeners.size === 1) void call((engine) => engine.setSubscribed(true)).catch(() => {});
      return () => {
        if (listeners.delete(listener) && listeners.size === 0 && !disposed) void call((engine) => engine.setSubscribed(false)).catch(() => {});
      };
    },
    ready: (part = 'catalog') =>
      checked(
        () => {
          if (part !== 'catalog' && part !== 'encoder' && part !== 'sequence') {
            throw new PocketRecError('invalid-option', `ready: part must be 'catalog', 'encoder' or 'sequence', not ${JSON.stringify(part)}.`, { details: { field: 'part' } });
          }
          return part;
        },
        (p) => call((engine) => engine.ready(p)),
      ),
    updateCatalog: (source) =>
      checked(
        () => resolveCatalogSource(source, pageUrl),
        (resolved) =>
          call((engine) => engine.updateCatalog(resolved)).then((change) => {
            if (change.outcome === 'updated' && resolved !== null) config.catalog = resolved;
            return change;
          }),
      ),
    onCatalogChange(listener) {
      catalogListeners.add(listener);
      return () => void catalogListeners.delete(listener);
    },
    status: () => call((engine) => engine.status()).then((status: Status) => ({ ...status, counts: { ...status.counts, restarts } })),
    exportHistory: () => call((engine) => engine.exportHistory()),
    forget: () => call((engine) => engine.forget()),
    dispose,
  };
}
