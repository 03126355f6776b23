import { expect, test, type Page } from '@playwright/test';

/** Fails the test on any request that leaves the page's origin: PocketRec must never phone home. */
export function forbidForeignRequests(page: Page, origin: string): string[] {
  const foreign: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
  });
  return foreign;
}

/**
 * Every test of the enclosing describe block starts on a blank page of the test server and fails if any request
 * left the origin.
 */
export function forbidForeignRequestsInEachTest(): void {
  let foreign: string[] = [];
  test.beforeEach(async ({ page, baseURL }) => {
    foreign = forbidForeignRequests(page, baseURL!);
    await page.goto('/blank.html');
  });
  test.afterEach(() => expect(foreign, 'requests that left the origin').toEqual([]));
}

/** The device the encoder should land on: the webgpu project exposes a (software) WebGPU adapter, the other none. */
export const expectedDevice = (projectName: string) => (projectName === 'webgpu' ? 'webgpu' : 'wasm');

/**
 * The demo's start-up, on this loaded 2-core machine with software WebGPU: a fresh clone's first start (worker,
 * runtime and model compiled for the first time) took over 30 s under a second CPU-heavy job.
 */
export async function waitForDemoReady(page: Page): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 90_000 });
}

/** The demo's sequence model opened (or failed) after start-up, and the panel was ranked again with it. */
export async function waitForSequence(page: Page): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute('data-sequence', 'settled', { timeout: 90_000 });
}

/** The demo loads the encoder in the background after start-up (its catalogue ships embeddings): it has now. */
export async function waitForEncoder(page: Page): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute('data-encoder', 'settled', { timeout: 90_000 });
}

export async function openDemo(page: Page): Promise<void> {
  await page.goto('/');
  await waitForDemoReady(page);
}

export async function recommendedIds(page: Page): Promise<string[]> {
  return page.locator('[data-testid="recs"] [data-testid="rec"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id') ?? ''));
}
