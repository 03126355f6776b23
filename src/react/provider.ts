import { createContext, createElement, useContext, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { createRecommender, PocketRecError, type Progress, type Recommender } from '../index';
import type { PocketRecProviderProps, QueryState } from './types';

interface ProviderValue {
  state: QueryState<Recommender>;
  /** Settles with the recommender (or its start-up error); lets `useTrack` accept events before start-up ends. */
  ready: Promise<Recommender>;
}

const PocketRecContext = createContext<ProviderValue | null>(null);

/** A recommender the provider started itself, kept across StrictMode's mount → unmount → mount rehearsal. */
interface OwnedStart {
  start: Promise<Recommender>;
  /** The mounted instance's progress sink; the worker reports to whichever mount is current. */
  progressSink: { current: ((progress: Progress) => void) | null };
  disposeTimer: ReturnType<typeof setTimeout> | null;
}

interface Deferred {
  promise: Promise<Recommender>;
  resolve(rec: Recommender): void;
  reject(error: unknown): void;
}

/**
 * Makes a recommender available to the hooks below it. Nothing starts during render, so server rendering touches
 * no browser API: the worker is spawned by an effect, once, even under StrictMode (whose rehearsed unmount only
 * schedules the disposal, which the immediate remount cancels).
 *
 * @example
 * <PocketRecProvider options={{ catalog: '/catalog.json' }}>
 *   <App />
 * </PocketRecProvider>
 */
export function PocketRecProvider(props: PocketRecProviderProps): ReactElement {
  const given = props.recommender;
  const [state, setState] = useState<QueryState<Recommender>>({ data: null, status: 'loading', progress: null, error: null });
  // One settle-once promise per recommender source; creating it in render has no side effect.
  const deferred = useMemo(createDeferred, [given]);
  const owned = useRef<OwnedStart | null>(null);

  useEffect(() => {
    let isCurrent = true;
    let start: Promise<Recommender>;
    let handle: OwnedStart | null = null;
    if (given !== undefined) {
      start = Promise.resolve(given);
    } else {
      handle = owned.current;
      if (handle?.disposeTimer) clearTimeout(handle.disposeTimer);
      if (!handle) {
        const options = props.options!;
        const progressSink: OwnedStart['progressSink'] = { current: null };
        const onProgress = (progress: Progress) => {
          options.onProgress?.(progress);
          progressSink.current?.(progress);
        };
        handle = owned.current = { start: createRecommender({ ...options, onProgress }), progressSink, disposeTimer: null };
      }
      handle.disposeTimer = null;
      // Kept after start-up too: parts that load lazily (the encoder, the sequence model) report later.
      handle.progressSink.current = (progress) => setState((s) => ({ ...s, progress }));
      start = handle.start;
    }
    start.then(
      (rec) => {
        deferred.resolve(rec);
        if (isCurrent) setState((s) => ({ data: rec, status: 'ready', progress: s.progress, error: null }));
      },
      (error: unknown) => {
        deferred.reject(error);
        if (isCurrent) setState((s) => ({ data: null, status: 'error', progress: s.progress, error: asError(error) }));
      },
    );
    return () => {
      isCurrent = false;
      if (!handle) return;
      const ending = handle;
      ending.progressSink.current = null;
      // StrictMode remounts synchronously after this cleanup; a real unmount leaves the timer to run.
      ending.disposeTimer = setTimeout(() => {
        if (owned.current === ending) owned.current = null;
        ending.start.then((rec) => rec.dispose(), () => {});
      }, 0);
    };
    // `options` are read once by design (documented on the prop); only a different given recommender restarts.
  }, [given, deferred]);

  const value = useMemo<ProviderValue>(() => ({ state, ready: deferred.promise }), [state, deferred]);
  return createElement(PocketRecContext.Provider, { value }, props.children);
}

/** The provider's recommender: `data` once it has started. @throws PocketRecError `invalid-option` outside a provider */
export function useRecommender(): QueryState<Recommender> {
  return useProvider('useRecommender').state;
}

export function useProvider(hook: string): ProviderValue {
  const value = useContext(PocketRecContext);
  if (!value) throw new PocketRecError('invalid-option', `react: ${hook}() was called outside <PocketRecProvider>. Wrap the component tree in <PocketRecProvider options={…}>.`, { details: { hook } });
  return value;
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function createDeferred(): Deferred {
  let resolve!: (rec: Recommender) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<Recommender>((ok, fail) => ((resolve = ok), (reject = fail)));
  // Nobody may be waiting (no `useTrack` call yet); the error is reported through the hooks' state instead.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
