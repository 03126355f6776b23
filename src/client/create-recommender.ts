import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { PocketRecError } from '../errors';
import { installErrorTransfer } from '../rpc';
import type { EngineApi, EngineEvents, Update } from '../worker';
import { resolveOptions } from './resolve-options';
import type { CallOptions, Recommender, RecommenderOptions } from './types';
import { defaultWorkerUrl } from './worker-url';

/**
 * Starts PocketRec: spawns the worker, which loads the catalogue, opens the visitor's history and prepares
 * the encoder. Resolves once the first recommendation can be served.
 *
 * @throws PocketRecError `invalid-option`, `catalog-invalid`, `catalog-fetch-failed`, `store-unavailable`,
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
    fail(new PocketRecError('worker-crashed', `client: the PocketRec worker failed (${message || 'the script did not load'}). Check that ${String(options.workerUrl ?? defaultWorkerUrl())} is served.`));
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
      run().then(
        (value) => settle(() => resolve(value)),
        (error: unknown) => settle(() => reject(error)),
      );
    });
  };

  const events: EngineEvents = {
    progress: (p) => options.onProgress?.(p),
    updated: (update) => {
      for (const listener of listeners) {
        // One throwing subscriber must not keep the update from the others; the page still sees its error.
        try {
          listener(update);
        } catch (error) {
          reportError(error);
        }
      }
    },
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
    track: (event) => call(() => engine.track(event)),
    recommend: (request = {}, opts: CallOptions = {}) => call(() => engine.recommend(request), opts.signal),
    similar: (itemId, k = config.defaultK, opts = {}) => call(() => engine.similar(itemId, k, opts.filter), opts.signal),
    search: (query, k = config.defaultK, opts = {}) => call(() => engine.search(query, k, opts.filter), opts.signal),
    embed: (texts) => call(() => engine.embed(texts)),
    subscribe(listener) {
      listeners.add(listener);
      // The worker ranks after events only while someone listens; the messages keep their order with `track`.
      if (listeners.size === 1) void call(() => engine.setSubscribed(true)).catch(() => {});
      return () => {
        if (listeners.delete(listener) && listeners.size === 0 && !disposed) void call(() => engine.setSubscribed(false)).catch(() => {});
      };
    },
    status: () => call(() => engine.status()),
    exportHistory: () => call(() => engine.exportHistory()),
    forget: () => call(() => engine.forget()),
    dispose,
  };
}
