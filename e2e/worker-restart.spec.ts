import { expect, test } from '@playwright/test';
import { openDemo } from './helpers';

interface Demo {
  track(e: object): Promise<void>;
  recommend(r?: object): Promise<Array<{ id: string }>>;
  status(): Promise<{ historySize: number; counts: { restarts: number } }>;
  exportHistory(): Promise<{ events: Array<{ ts: number; itemId: string }> }>;
  forget(): Promise<void>;
}

test('a worker stopped in the middle of a 1,000-event burst is restarted, loses no acknowledged event and answers later calls', async ({ page }) => {
  test.setTimeout(180_000);
  await openDemo(page);
  const ids = await page.locator('[data-testid="product"]').evaluateAll((els) => els.slice(0, 20).map((e) => e.getAttribute('data-item-id')!));
  await page.evaluate(() => (window as unknown as { demoRecommender: Demo }).demoRecommender.forget());
  // The burst runs in the page; it records the timestamp of every event whose `track` resolved (= acknowledged).
  await page.evaluate((ids) => {
    const w = window as unknown as { demoRecommender: Demo; burst: Promise<unknown>; acked: number[]; failed: string[] };
    const base = Date.now() - 10_000_000;
    w.acked = [];
    w.failed = [];
    w.burst = Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        w.demoRecommender.track({ type: 'view', itemId: ids[i % ids.length], ts: base + i }).then(
          () => void w.acked.push(base + i),
          (error: Error) => void w.failed.push(String(error)),
        ),
      ),
    );
  }, ids);
  // Stop the worker once part of the burst is acknowledged: it ends without an error event, as a killed worker does.
  await expect.poll(() => page.evaluate(() => (window as unknown as { acked: number[] }).acked.length), { timeout: 60_000, intervals: [20] }).toBeGreaterThan(50);
  const worker = page.workers().find((w) => w.url().includes('worker'));
  expect(worker, 'the PocketRec worker').toBeDefined();
  const ackedBeforeCrash = await page.evaluate(() => (window as unknown as { acked: number[] }).acked.length);
  await worker!.evaluate(() => (self as unknown as { close(): void }).close());

  await page.evaluate(() => (window as unknown as { burst: Promise<unknown> }).burst);
  const result = await page.evaluate(async () => {
    const w = window as unknown as { demoRecommender: Demo; acked: number[]; failed: string[] };
    const stored = (await w.demoRecommender.exportHistory()).events.map((e) => e.ts);
    const recs = await w.demoRecommender.recommend({ k: 5 });
    return { acked: w.acked, failed: w.failed, stored, recs: recs.length, status: await w.demoRecommender.status() };
  });
  expect(ackedBeforeCrash).toBeLessThan(1000);
  expect(result.failed).toEqual([]);
  // Every call of the burst was answered, by the first worker or, re-sent, by its successor.
  expect(result.acked).toHaveLength(1000);
  const stored = new Set(result.stored);
  expect(result.acked.filter((ts) => !stored.has(ts))).toEqual([]);
  // A re-sent event that the dead worker had already written is stored once.
  expect(result.stored).toHaveLength(stored.size);
  expect(result.status.counts.restarts).toBe(1);
  expect(result.status.historySize).toBe(result.stored.length);
  expect(result.recs).toBe(5);
});
