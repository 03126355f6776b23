import { expect, test } from '@playwright/test';
import { forbidForeignRequests, openDemo, recommendedIds } from './helpers';

test.describe('demo page (script-tag build)', () => {
  test('recommendations follow clicks, survive a reload, and go with "forget me"', async ({ page, baseURL }) => {
    const foreign = forbidForeignRequests(page, baseURL!);
    await openDemo(page);
    await expect(page.locator('[data-testid="product"]')).toHaveCount(await page.locator('[data-testid="product"]').count());
    expect(await page.locator('[data-testid="product"]').count()).toBeGreaterThanOrEqual(300);
    const coldStart = await recommendedIds(page);
    expect(coldStart.length).toBeGreaterThan(0);

    // Click three items of one category and watch the panel follow.
    const category = await page.locator('[data-testid="product"]').first().getAttribute('data-category');
    const picks = page.locator(`[data-testid="product"][data-category="${category}"]`);
    for (let i = 0; i < 3; i++) {
      const before = await recommendedIds(page);
      await picks.nth(i).locator('[data-action="view"]').click();
      await expect.poll(() => recommendedIds(page)).not.toEqual(before);
    }
    const personal = await recommendedIds(page);
    expect(personal).not.toEqual(coldStart);
    await expect(page.locator('[data-testid="rec"] [data-testid="reason"]').first()).toContainText('Because you');
    await expect(page.locator('[data-testid="history-size"]')).toContainText('3');
    await expect(page.locator('[data-testid="latency"]')).toContainText(/\d/);

    await page.reload();
    await openDemo(page);
    await expect(page.locator('[data-testid="history-size"]')).toContainText('3');
    expect(await recommendedIds(page)).toEqual(personal);

    await page.locator('[data-testid="forget"]').click();
    await expect(page.locator('[data-testid="history-size"]')).toContainText('0');
    await expect.poll(() => recommendedIds(page)).toEqual(coldStart);
    expect(foreign).toEqual([]);
  });

  test('the ES module build loads from a plain page too', async ({ page }) => {
    await page.goto('/esm.html');
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
    await expect(page.locator('#out')).toContainText(/ready: \d+ items/);
  });
});
