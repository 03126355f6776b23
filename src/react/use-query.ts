import { useEffect, useState } from 'react';
import { isPocketRecError, type Recommender } from '../index';
import { asError, useProvider } from './provider';
import type { QueryState } from './types';

interface Answer<T> {
  key: string;
  data: T | null;
  status: 'ready' | 'error';
  error: Error | null;
}

/**
 * Asks the recommender one question and asks again after every update it pushes (a tracked event changes the
 * answers). `key` names the question: a new key asks anew and supersedes the pending call; null means "nothing
 * to ask" (`idle`). `run` is read when the key changes, so it may be a fresh closure on every render.
 */
export function useRecommenderQuery<T>(hook: string, key: string | null, run: (rec: Recommender, signal: AbortSignal) => Promise<T>): QueryState<T> {
  const { state: provider } = useProvider(hook);
  const rec = provider.data;
  const [answer, setAnswer] = useState<Answer<T> | null>(null);

  useEffect(() => {
    if (!rec || key === null) return;
    let controller: AbortController | null = null;
    const ask = () => {
      controller?.abort();
      const mine = (controller = new AbortController());
      run(rec, mine.signal).then(
        (data) => {
          if (!mine.signal.aborted) setAnswer({ key, data, status: 'ready', error: null });
        },
        (error: unknown) => {
          if (mine.signal.aborted || isPocketRecError(error, 'aborted')) return;
          setAnswer((before) => ({ key, data: before?.data ?? null, status: 'error', error: asError(error) }));
        },
      );
    };
    ask();
    const unsubscribe = rec.subscribe(ask);
    // A swapped catalogue changes every answer (new items, new descriptions, items gone): ask again.
    const unwatch = rec.onCatalogChange((change) => change.outcome === 'updated' && ask());
    return () => {
      unsubscribe();
      unwatch();
      controller?.abort();
    };
    // `run` belongs to `key`: the caller encodes every input of `run` in it.
  }, [rec, key]);

  const data = answer?.data ?? null;
  if (provider.status === 'error') return { data, status: 'error', progress: provider.progress, error: provider.error };
  if (key === null) return { data: null, status: 'idle', progress: provider.progress, error: null };
  if (!rec || answer?.key !== key) return { data, status: 'loading', progress: provider.progress, error: null };
  return { data, status: answer.status, progress: provider.progress, error: answer.error };
}
