import { expect, test, type Page } from '@playwright/test';

interface Rec {
  track(e: object): Promise<void>;
  recommend(r?: object): Promise<Array<{ id: string; score: number; reason: string }>>;
  status(): Promise<{ historySize: number }>;
  exportHistory(): Promise<{ events: unknown[] }>;
  forget(): Promise<void>;
}
type TabWindow = { rec: Rec; burst?: Promise<string[]> };

const DB = `two-tabs-${Date.now()}`;
const ITEMS = 120;
/** Events touch only the first items: seen items are not recommended, so the rest stay rankable. */
const TOUCHED = 30;
const NOW = Date.parse('2026-06-01T12:00:00Z');

/** A tab of the site with its own recommender on the shared database: a small inline catalogue, lexical encoder. */
async function openTab(page: Page): Promise<void> {
  await page.goto('/blank.html');
  await page.evaluate(
    async ({ db, count }) => {
      const { createRecommender } = await import('/dist/pocketrec.js' as string);
      const themes = ['coffee', 'outdoor', 'running', 'books'];
      const catalog = Array.from({ length: count }, (_, i) => ({ id: `i${i}`, title: `${themes[i % 4]} item ${i}`, category: themes[i % 4] }));
      (window as unknown as TabWindow).rec = await createRecommender({ catalog, dbName: db, encoder: 'lexical', retention: { maxEvents: 20_000 } });
    },
    { db: DB, count: ITEMS },
  );
}

const historySize = (page: Page) => page.evaluate(async () => (await (window as unknown as TabWindow).rec.status()).historySize);
const recommended = (page: Page) => page.evaluate((now) => (window as unknown as TabWindow).rec.recommend({ k: 10, now }), NOW + 1_000_000);

/** Starts `count` events in the page without waiting; their tracking runs while the other tab does the same. */
const startBurst = (page: Page, offset: number, count: number) =>
  page.evaluate(
    ({ offset, count, touched, now }) => {
      const w = window as unknown as TabWindow;
      w.burst = Promise.all(
        Array.from({ length: count }, (_, i) =>
          w.rec.track({ type: i % 9 === 0 ? 'add_to_cart' : 'view', itemId: `i${(offset + i * 7) % touched}`, ts: now + offset + i }).then(
            () => '',
            (error: Error) => String(error),
          ),
        ),
      );
    },
    { offset, count, touched: TOUCHED, now: NOW },
  );
const finishBurst = (page: Page) => page.evaluate(async () => (await (window as unknown as TabWindow).burst!).filter(Boolean));

test('forget and an interleaved 2 × 5,000-event burst leave two tabs with the same profile and recommendations', async ({ context }) => {
  test.setTimeout(240_000);
  const [a, b] = [await context.newPage(), await context.newPage()];
  await openTab(a);
  await openTab(b);

  // Tab A's events reach tab B's session, and A's forget empties B's.
  await startBurst(a, 0, 20);
  expect(await finishBurst(a)).toEqual([]);
  await expect.poll(() => historySize(b), { timeout: 30_000 }).toBe(20);
  expect((await recommended(b))[0]!.reason).toMatch(/^Because you/);
  expect(await recommended(b)).toEqual(await recommended(a));
  await a.evaluate(() => (window as unknown as TabWindow).rec.forget());
  await expect.poll(() => historySize(b), { timeout: 30_000 }).toBe(0);
  expect((await recommended(b)).some((r) => r.reason.startsWith('Because you'))).toBe(false);
  expect(await recommended(b)).toEqual(await recommended(a));

  // Both tabs write at once; each folds both tabs' events in the store's order.
  await Promise.all([startBurst(a, 100_000, 5000), startBurst(b, 200_000, 5000)]);
  expect(await finishBurst(a)).toEqual([]);
  expect(await finishBurst(b)).toEqual([]);
  await expect.poll(() => historySize(a), { timeout: 60_000 }).toBe(10_000);
  await expect.poll(() => historySize(b), { timeout: 60_000 }).toBe(10_000);
  expect(await a.evaluate(async () => (await (window as unknown as TabWindow).rec.exportHistory()).events.length)).toBe(10_000);
  const [fromA, fromB] = [await recommended(a), await recommended(b)];
  expect(fromA).toHaveLength(10);
  // Scores included: equal lists with equal scores mean both tabs hold the same profile.
  expect(fromB).toEqual(fromA);
});
