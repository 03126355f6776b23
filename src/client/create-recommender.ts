import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { installErrorTransfer, PocketRecError } from '../errors';
import type { EngineApi, EngineEvents, Update } from '../worker';
import { validateEvent } from '../profile';
import { resolveOptions } from './resolve-options';
import { checked, sendSafely, validateCallOptions, validateItemId, validateK, validateQuery, validateRecommendRequest } from './validate-request';
import type { CallOptions, Recommender, RecommenderOptions } from './types';
import { defaultWorkerUrl, explainWorkerFailure } from './worker-url';

/**
 * Starts PocketRec: spawns the worker, which loads the catalogue, opens the visitor's history and prepares
 * the encoder. Resolves once the first recommendation can be served.
 *
 * @throws PocketRecError `invalid-option`, `catalog-invalid`, `catalog-empty`, `catalog-fetch-failed`, `store-unavailable`,
 *   `worker-crashed`, `aborted`
 * @example
 * const rec = await createRecommender({ catalog: '/catalog.json' });
 * await rec.track({ type: 'view', itemId: 'sku-42' });
 * const top = await rec.recommend({ k: 8 });
 */
export async function createRecommender(options: RecommenderOptions): Promise<Recommender> {
  installErrorTransfer();
  const pageUrl = globalThis.location?.href ?? 'http://localhost/';
  const workerUrl = new URL(String(options.workerUrl ?? defaultWorkerUrl()), pageUrl);
  const config = resolveOptions(options, pageUrl, workerUrl.href);
  const worker = new Worker(workerUrl, { type: 'module', name: 'pocketrec' });
  const engine: Remote<EngineApi> = wrap<EngineApi>(worker);
  const listeners = new Set<(update: Update) => void>();
  const pending = new Set<(error: PocketRecError) => void>();
  let disposed = false;

  const fail = (error: PocketRecError) => {
    for (const reject of pending) reject(error);
    pending.clear();
  };
  // Comlink leaves calls pending forever when the worker dies; settle them here instead.
  const crashed = (event: ErrorEvent | MessageEvent) => {
    const message = event instanceof ErrorEvent ? event.message : 'a message could not be deserialised';
    void explainWorkerFailure(workerUrl.href, message).then(fail);
  };
  worker.addEventListener('error', crashed);
  worker.addEventListener('messageerror', crashed);

  const call = <T>(run: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    if (disposed) return Promise.reject(new PocketRecError('disposed', 'client: this recommender was disposed. Create a new one.'));
    if (signal?.aborted) return Promise.reject(new PocketRecError('aborted', 'client: the call was aborted before it started.'));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => settle(() => reject(new PocketRecError('aborted', 'client: the call was aborted.')));
      const settle = (done: () => void) => {
        pending.delete(reject);
        signal?.removeEventListener('abort', onAbort);
        done();
      };
      pending.add(reject);
      signal?.addEventListener('abort', onAbort, { once: true });
      sendSafely(run).then(
        (value) => settle(() => resolve(value)),
        (error: unknown) => settle(() => reject(error)),
      );
    });
  };

  const events: EngineEvents = {
    progress: (p) => options.onProgress?.(p),
    updated: (update) => listeners.forEach((listener) => listener(update)),
  };
  const sink = proxy(events);

  const dispose = () => {
    if (disposed) return;
    // Let the worker close its database first, so another tab's upgrade is not blocked by a dead connection.
    void engine.dispose().catch(() => {}).finally(() => {
      engine[releaseProxy]();
      worker.terminate();
    });
    disposed = true;
    listeners.clear();
    fail(new PocketRecError('disposed', 'client: this recommender was disposed. Create a new one.'));
  };

  try {
    await call(() => engine.init(config, sink), options.signal);
  } catch (error) {
    dispose();
    throw error;
  }

  return {
    // The shape is checked here, before the event crosses (a hostile value could not even be cloned); the worker
    // checks it again against the catalogue.
    track: (event) => checked(() => validateEvent(event, Date.now(), () => true), () => call(() => engine.track(event))),
    recommend: (request, opts?: CallOptions) => checked(() => [validateRecommendRequest(request), validateCallOptions('recommend', opts)] as const, ([r, o]) => call(() => engine.recommend(r), o.signal)),
    similar: (itemId, k = config.defaultK, opts) =>
      checked(() => [validateItemId('similar', itemId), validateK('similar', k), validateCallOptions('similar', opts)] as const, ([id, n, o]) => call(() => engine.similar(id, n, o.filter), o.signal)),
    search: (query, k = config.defaultK, opts) =>
      checked(() => [validateQuery(query), validateK('search', k), validateCallOptions('search', opts)] as const, ([q, n, o]) => call(() => engine.search(q, n, { ...(o.filter ? { filter: o.filter } : {}), ...(o.threshold !== undefined ? { threshold: o.threshold } : {}) }), o.signal)),
    // The surfaces' options are checked in the worker, which knows the catalogue's items and trending windows.
    related: (itemIds, { signal, ...opts } = {}) => call(() => engine.related(itemIds, opts), signal),
    boughtTogether: (itemIds, { signal, ...opts } = {}) => call(() => engine.boughtTogether(itemIds, opts), signal),
    lookingSimilar: (itemId, { signal, ...opts } = {}) => call(() => engine.lookingSimilar(itemId, opts), signal),
    trending: ({ signal, ...opts } = {}) => call(() => engine.trending(opts), signal),
    embed: (texts) => call(() => engine.embed(texts)),
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    status: () => call(() => engine.status()),
    exportHistory: () => call(() => engine.exportHistory()),
    forget: () => call(() => engine.forget()),
    dispose,
  };
}
