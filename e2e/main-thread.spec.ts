import { expect, test } from '@playwright/test';
import { openDemo } from './helpers';

/**
 * Ranking runs in the worker, not on the page. Whether frames stall is a timing question and is measured by
 * `npm run bench` (frame gaps during recommend against a busy main thread); here we check the property that
 * makes it true, which a loaded machine cannot make flaky.
 */
test('recommend() is answered by the PocketRec worker, not the page', async ({ page }) => {
  await openDemo(page);
  const workerUrls = page.workers().map((w) => w.url());
  expect(workerUrls.some((url) => /pocketrec\.worker\.js/.test(url))).toBe(true);
  const answer = await page.evaluate(async () => {
    const rec = (window as unknown as { demoRecommender: { recommend(r: object): Promise<Array<{ id: string }>>; status(): Promise<{ timings: { lastRecommendMs: number | null } }> } }).demoRecommender;
    const results = await rec.recommend({ k: 20 });
    return { ids: results.map((r) => r.id), inWorkerMs: (await rec.status()).timings.lastRecommendMs };
  });
  expect(answer.ids).toHaveLength(20);
  expect(new Set(answer.ids).size).toBe(20);
  // The worker timed the ranking itself: the call crossed to it.
  expect(answer.inWorkerMs).toEqual(expect.any(Number));
});
