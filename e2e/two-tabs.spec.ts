import { expect, test } from '@playwright/test';
import { openDemo } from './helpers';

test('two tabs of one site share one history without losing events', async ({ context }) => {
  const [a, b] = [await context.newPage(), await context.newPage()];
  await openDemo(a);
  await openDemo(b);
  const ids = await a.locator('[data-testid="product"]').evaluateAll((els) => els.slice(0, 20).map((e) => e.getAttribute('data-item-id')!));
  // Interleave writes from both tabs, concurrently.
  await Promise.all(
    ids.map((id, i) => (i % 2 ? a : b).evaluate((itemId) => (window as unknown as { demoRecommender: { track(e: object): Promise<void> } }).demoRecommender.track({ type: 'view', itemId }), id)),
  );
  const exported = await a.evaluate(async () => (await (window as unknown as { demoRecommender: { exportHistory(): Promise<{ events: Array<{ itemId: string }> }> } }).demoRecommender.exportHistory()).events.map((e) => e.itemId));
  expect(exported.sort()).toEqual([...ids].sort());
});
