import { expect, test } from '@playwright/test';

test('a script tag with data-catalog and <pocket-recs> render recommendations without page code', async ({ page }) => {
  await page.goto('/embed.html');
  const entries = page.locator('pocket-recs').locator('li');
  await expect(entries).toHaveCount(5, { timeout: 30_000 });
  const ids = () => entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id')));
  const before = await ids();
  const first = before[0];
  const selected = page.evaluate(() => new Promise<string>((ok) => document.addEventListener('pocketrec-select', (e) => ok((e as CustomEvent<{ id: string }>).detail.id), { once: true })));
  await entries.first().click();
  expect(await selected).toBe(first);
  // The click was tracked, and the list refreshed around it.
  await expect.poll(ids).not.toEqual(before);
  const history = await page.evaluate(async () => (await (window as unknown as { PocketRec: { ready: Promise<{ exportHistory(): Promise<{ events: unknown[] }> }> } }).PocketRec.ready).exportHistory());
  expect(history.events).toHaveLength(1);
});
