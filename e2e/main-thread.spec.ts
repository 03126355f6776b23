import { expect, test } from '@playwright/test';
import { openDemo } from './helpers';

/**
 * Records requestAnimationFrame timestamps while `work` runs on the page and returns the longest gap between
 * two frames, in units of the page's own median frame period.
 */
async function longestFrameGap(page: import('@playwright/test').Page, work: 'recommend' | 'busy-main-thread'): Promise<number> {
  return page.evaluate(async (kind) => {
    const stamps: number[] = [];
    let running = true;
    const tick = (t: number) => {
      stamps.push(t);
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    await new Promise((r) => setTimeout(r, 300));
    const rec = (window as unknown as { demoRecommender: { recommend(r: object): Promise<unknown> } }).demoRecommender;
    const from = stamps.length;
    if (kind === 'recommend') {
      for (let i = 0; i < 20; i++) await rec.recommend({ k: 20 });
    } else {
      // Longer than any frame period headless Chromium uses (it slows rAF down under a software GPU).
      const end = performance.now() + 400;
      while (performance.now() < end);
    }
    await new Promise((r) => setTimeout(r, 100));
    running = false;
    const gaps = stamps.slice(1).map((t, i) => t - stamps[i]!);
    const period = [...gaps].sort((x, y) => x - y)[Math.floor(gaps.length / 2)]!;
    return Math.max(...gaps.slice(Math.max(0, from - 1))) / period;
  }, work);
}

test('recommend() never blocks the page for more than one frame', async ({ page }) => {
  await openDemo(page);
  // The detector must be able to see a blocked main thread, or the assertion below proves nothing.
  expect(await longestFrameGap(page, 'busy-main-thread')).toBeGreaterThan(2);
  expect(await longestFrameGap(page, 'recommend')).toBeLessThan(2);
});
