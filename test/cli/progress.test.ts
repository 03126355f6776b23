import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../../src/cli/progress';

afterEach(() => vi.restoreAllMocks());

describe('CLI progress lines', () => {
  it('give items/s and an ETA measured after the first step, so a slow start does not skew them', () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const lines: string[] = [];
    const progress = createProgress('embeddings (m)', 100, (l) => lines.push(l), { everyMs: 1000 });
    // 10 s to start (threads, model), then 10 items a second.
    now = 10_000;
    progress(10);
    now = 12_000;
    progress(30);
    now = 12_500;
    progress(35);
    now = 18_500;
    progress(95);
    now = 19_000;
    progress(100);
    expect(lines).toEqual([
      'embeddings (m): 10/100 (10 %), 10 s elapsed, 1.0 items/s, ETA 1m30s',
      'embeddings (m): 30/100 (30 %), 12 s elapsed, 10 items/s, ETA 7 s',
      'embeddings (m): 95/100 (95 %), 19 s elapsed, 10 items/s, ETA 1 s',
      'embeddings (m): 100/100 (100 %), 19 s elapsed, 10 items/s, done',
    ]);
  });

  it('names its unit', () => {
    const lines: string[] = [];
    createProgress('tune trials', 4, (l) => lines.push(l), { unit: 'trials' })(4);
    expect(lines[0]).toMatch(/^tune trials: 4\/4 \(100 %\), 0 s elapsed, \d+ trials\/s, done$/);
  });
});
