import { expect, type Page } from '@playwright/test';

/** Fails the test on any request that leaves the page's origin: PocketRec must never phone home. */
export function forbidForeignRequests(page: Page, origin: string): string[] {
  const foreign: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
  });
  return foreign;
}

export async function openDemo(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
}

export async function recommendedIds(page: Page): Promise<string[]> {
  return page.locator('[data-testid="recs"] [data-testid="rec"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id') ?? ''));
}
