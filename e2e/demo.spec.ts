import { expect, test } from '@playwright/test';
import { forbidForeignRequests, openDemo, recommendedIds, waitForDemoReady, waitForEncoder, waitForSequence } from './helpers';

test.describe('demo page (script-tag build)', () => {
  test('recommendations follow clicks, survive a reload, and go with "forget me"', async ({ page, baseURL }) => {
    const foreign = forbidForeignRequests(page, baseURL!);
    await openDemo(page);
    // The sequence model opens after the first recommendation and the panel is ranked again then: compare rankings
    // made with it.
    await waitForSequence(page);
    // The grid shows every item of the catalogue the recommender loaded (the demo has at least 300).
    const itemCount = await page.evaluate(async () => (await (window as unknown as { demoRecommender: { status(): Promise<{ catalog: { itemCount: number } }> } }).demoRecommender.status()).catalog.itemCount);
    expect(itemCount).toBeGreaterThanOrEqual(300);
    await expect(page.locator('[data-testid="product"]')).toHaveCount(itemCount);
    const coldStart = await recommendedIds(page);
    expect(coldStart.length).toBeGreaterThan(0);

    // Click three items of one category and watch the panel follow.
    const category = await page.locator('[data-testid="product"]').first().getAttribute('data-category');
    const picks = page.locator(`[data-testid="product"][data-category="${category}"]`);
    const clicked: string[] = [];
    for (let i = 0; i < 3; i++) {
      const before = await recommendedIds(page);
      clicked.push((await picks.nth(i).locator('.title').textContent())!);
      await picks.nth(i).locator('[data-action="view"]').click();
      await expect.poll(() => recommendedIds(page)).not.toEqual(before);
    }
    const personal = await recommendedIds(page);
    expect(personal).not.toEqual(coldStart);
    // The top reason is personal: it names a clicked item, by whichever of resemblance, co-occurrence or what
    // comes next added most to the score (the sequence model trained on the demo's log often does).
    const reason = (await page.locator('[data-testid="rec"] [data-testid="reason"]').first().textContent())!;
    expect(reason).toMatch(/^(Because you viewed|Often chosen with|Often comes after) “/);
    expect(clicked.some((title) => reason.includes(`“${title}”`)), reason).toBe(true);
    await expect(page.locator('[data-testid="history-size"]')).toContainText('3');
    await expect(page.locator('[data-testid="latency"]')).toContainText(/\d/);

    await page.reload();
    await openDemo(page);
    await waitForSequence(page);
    await expect(page.locator('[data-testid="history-size"]')).toContainText('3');
    expect(await recommendedIds(page)).toEqual(personal);

    await page.locator('[data-testid="forget"]').click();
    await expect(page.locator('[data-testid="history-size"]')).toContainText('0');
    await expect.poll(() => recommendedIds(page)).toEqual(coldStart);
    expect(foreign).toEqual([]);
  });

  test('the text encoder runs on the device this browser offers, with no request leaving the site', async ({ page, baseURL }, testInfo) => {
    const foreign = forbidForeignRequests(page, baseURL!);
    await openDemo(page);
    // Both models load after the first recommendation; the status panel shows them once they are there.
    await waitForEncoder(page);
    await waitForSequence(page);
    // Project "webgpu" starts Chromium with --enable-unsafe-webgpu (a software adapter); "wasm" without it.
    const device = testInfo.project.name === 'webgpu' ? 'webgpu' : 'wasm';
    await expect(page.locator('[data-testid="device"]')).toContainText(`use-lite-int8@`);
    await expect(page.locator('[data-testid="device"]')).toContainText(`on ${device}`);
    // The demo's own sequence model, trained at build time from the logs the demo generates, runs there too.
    await expect(page.locator('[data-testid="sequence"]')).toContainText(`int8 on ${device}, trained here at build time`);
    // Meaning, not shared words: nothing in the query appears in a tent's title.
    await page.locator('input[name="q"]').fill('somewhere to sleep outdoors');
    await page.locator('[data-testid="search"] button[type="submit"]').click();
    // A software GPU is slow: wait for the results themselves, then look at what came first.
    await expect(page.locator('[data-testid="grid-title"]')).toContainText('Results for', { timeout: 60_000 });
    await expect(page.locator('[data-testid="product"]').first()).toHaveAttribute('data-category', /Outdoor/);
    expect(foreign).toEqual([]);
  });

  test('a second visit downloads no model', async ({ page }) => {
    // The first visit loads (and caches) the encoder once start-up is done; the second loads it from the cache.
    await openDemo(page);
    await waitForEncoder(page);
    const modelRequests: string[] = [];
    page.on('request', (r) => r.url().includes('/models/') && r.url().endsWith('.onnx') && modelRequests.push(r.url()));
    await page.reload();
    await openDemo(page);
    await waitForEncoder(page);
    expect(modelRequests).toEqual([]);
  });

  test('the ES module build loads from a plain page too', async ({ page }) => {
    await page.goto('/esm.html');
    await waitForDemoReady(page);
    await expect(page.locator('#out')).toContainText(/ready: \d+ items/);
  });
});
