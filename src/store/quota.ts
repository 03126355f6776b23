import { PocketRecError } from '../errors';

/**
 * Runs a write; when the browser's quota is full, frees space one step at a time (cheapest loss first) and retries
 * after each, so a full disk costs the oldest data instead of every new event. Throws `store-quota` only when
 * even the last step did not free enough.
 */
export async function withQuotaRecovery<T>(write: () => Promise<T>, evictions: ReadonlyArray<() => Promise<unknown>>, what: string): Promise<T> {
  let lastCause: unknown;
  for (let step = 0; step <= evictions.length; step++) {
    if (step > 0) await evictions[step - 1]!();
    try {
      return await write();
    } catch (cause) {
      if (!isQuotaError(cause)) throw cause;
      lastCause = cause;
    }
  }
  throw new PocketRecError('store-quota', `store: the browser's storage quota is full (could not ${what}, even after freeing caches and the oldest events). Lower retention.maxEvents or free site storage.`, {
    cause: lastCause,
  });
}

export function isQuotaError(cause: unknown): boolean {
  const name = (cause as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || (cause instanceof PocketRecError && cause.code === 'store-quota');
}
