import { describe, expect, it } from 'vitest';
import { PocketRecError } from '../../src/errors';
import { withQuotaRecovery } from '../../src/store/quota';

const full = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

describe('withQuotaRecovery', () => {
  it('frees space one step at a time, cheapest first, and goes on as soon as the write fits', async () => {
    const steps: string[] = [];
    let room = 0;
    const write = async () => {
      steps.push('write');
      if (room < 2) throw full();
      return 'stored';
    };
    const evict = (label: string) => async () => {
      steps.push(label);
      room++;
    };
    // Before the fix the first QuotaExceededError was the end of it: the event was lost and the call rejected.
    await expect(withQuotaRecovery(write, [evict('caches'), evict('retention'), evict('oldest')], 'append an event')).resolves.toBe('stored');
    expect(steps).toEqual(['write', 'caches', 'write', 'retention', 'write']);
  });

  it('throws store-quota, naming what failed, only when every step was not enough', async () => {
    const error = await withQuotaRecovery(() => Promise.reject(full()), [async () => {}], 'append an event').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PocketRecError);
    expect(error).toMatchObject({ code: 'store-quota' });
    expect((error as Error).message).toContain('append an event');
  });

  it('passes other failures through untouched, without evicting anything', async () => {
    let evicted = false;
    const other = new PocketRecError('store-unavailable', 'store: gone');
    await expect(withQuotaRecovery(() => Promise.reject(other), [async () => void (evicted = true)], 'x')).rejects.toBe(other);
    expect(evicted).toBe(false);
  });
});
