import { expect, test, type Page } from '@playwright/test';

// The built script-tag bundle on public/embed-widgets.html: kinds, links, images, keyboard, ::part and events.
const focusedId = (page: Page, widget: string) =>
  page.evaluate((id) => (document.getElementById(id)!.shadowRoot!.activeElement?.closest('li') as HTMLElement | null)?.dataset.itemId ?? null, widget);
const entryIds = (page: Page, widget: string) => page.locator(`#${widget} li`).evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id')));

test.beforeEach(async ({ page }) => {
  await page.goto('/embed-widgets.html');
  await expect(page.locator('#related li')).toHaveCount(3, { timeout: 30_000 });
});

test('a widget is walked with Tab and the arrow keys, and Enter opens the item, tracked as a click', async ({ page }) => {
  const ids = await entryIds(page, 'related');
  expect(ids.every((id) => id?.startsWith('r') && id !== 'r1')).toBe(true);
  await page.locator('#before').focus();
  await page.keyboard.press('Tab');
  expect(await focusedId(page, 'related')).toBe(ids[0]);
  await page.keyboard.press('ArrowDown');
  expect(await focusedId(page, 'related')).toBe(ids[1]);
  await page.keyboard.press('Tab');
  expect(await focusedId(page, 'related')).toBe(ids[2]);
  await page.keyboard.press('ArrowUp');
  expect(await focusedId(page, 'related')).toBe(ids[1]);
  await page.keyboard.press('End');
  expect(await focusedId(page, 'related')).toBe(ids[2]);
  await page.keyboard.press('ArrowDown');
  expect(await focusedId(page, 'related')).toBe(ids[2]);
  await page.keyboard.press('Home');
  expect(await focusedId(page, 'related')).toBe(ids[0]);
  await page.keyboard.press('ArrowRight');

  // The listener is in place before the key is pressed.
  await page.evaluate(() => document.addEventListener('pocketrec-select', (e) => ((window as unknown as { selected: string }).selected = (e as CustomEvent<{ id: string }>).detail.id)));
  await page.keyboard.press('Enter');
  await expect.poll(() => page.evaluate(() => (window as unknown as { selected?: string }).selected), { timeout: 15_000 }).toBe(ids[1]);
  await expect.poll(() => page.evaluate(() => location.hash), { timeout: 15_000 }).toBe(`#open-${ids[1]}`);
  const history = await page.evaluate(async () => (await (window as unknown as { recReady: Promise<{ exportHistory(): Promise<{ events: Array<{ type: string; itemId?: string }> }> }> }).recReady).exportHistory());
  expect(history.events.map((e) => `${e.type}:${e.itemId}`)).toEqual([`click:${ids[1]}`]);
  // The refresh that followed the click kept the keyboard user in the list.
  await expect.poll(() => focusedId(page, 'related'), { timeout: 15_000 }).not.toBeNull();
});

test('entries carry links and images, and take ::part styles from the page', async ({ page }) => {
  const link = page.locator('#related a').first();
  await expect(link).toHaveAttribute('href', /\/embed-widgets\.html#open-r\d$/);
  await expect(link.locator('img')).toHaveAttribute('src', /^data:image\/svg\+xml,/);
  await expect(link.locator('[part="title"]')).toHaveCSS('color', 'rgb(180, 20, 20)');
  await expect(link.locator('img')).toHaveCSS('width', '32px');
  // for-you leaves out the page's own item.
  await expect(page.locator('#for-you li')).toHaveCount(4);
  expect(await entryIds(page, 'for-you')).not.toContain('r1');
});

test('a cart of several items gets related items, trending without trend data stays empty, and a misspelt kind says why with a code', async ({ page }) => {
  // `related` with two seeds: the engine's multi-seed call, never the seeds themselves.
  await expect(page.locator('#cart li').first()).toBeVisible({ timeout: 15_000 });
  const cart = await entryIds(page, 'cart');
  expect(cart.length).toBeGreaterThan(0);
  expect(cart).not.toContain('r1');
  expect(cart).not.toContain('t1');
  // This inline catalogue carries no trend counts: an honest empty widget, hidden, and no error.
  await expect(page.locator('#trending')).toHaveAttribute('data-state', 'empty', { timeout: 15_000 });
  await expect(page.locator('#trending')).toBeHidden();
  await expect.poll(() => page.evaluate(() => (window as unknown as { widgetErrors: unknown[] }).widgetErrors.length), { timeout: 15_000 }).toBe(1);
  const errors = await page.evaluate(() => (window as unknown as { widgetErrors: Array<{ id: string; code: string }> }).widgetErrors);
  expect(errors).toEqual([{ id: 'typo', code: 'invalid-option' }]);
  await expect(page.locator('#typo')).toHaveAttribute('data-state', 'error');
  await expect(page.locator('#typo')).toBeHidden();
  // Tracking does not make it try again: the update that refreshes the feed brings no new errors.
  const feed = await entryIds(page, 'for-you');
  await page.evaluate(async () => (await (window as unknown as { recReady: Promise<{ track(e: unknown): Promise<void> }> }).recReady).track({ type: 'add_to_cart', itemId: 't2' }));
  await expect.poll(() => entryIds(page, 'for-you'), { timeout: 15_000 }).not.toEqual(feed);
  expect(await page.evaluate(() => (window as unknown as { widgetErrors: unknown[] }).widgetErrors.length)).toBe(1);
});

test('a host that cancels pocketrec-select routes the visit itself: the link is not followed, the click still tracked', async ({ page }) => {
  await page.evaluate(() => document.addEventListener('pocketrec-select', (e) => e.preventDefault()));
  const first = (await entryIds(page, 'related'))[0];
  await page.locator('#related a').first().click();
  type Rec = { exportHistory(): Promise<{ events: Array<{ type: string; itemId?: string }> }> };
  const clicks = () => page.evaluate(async () => (await (window as unknown as { recReady: Promise<Rec> }).recReady).exportHistory()).then((h) => h.events.map((e) => `${e.type}:${e.itemId}`));
  await expect.poll(clicks, { timeout: 15_000 }).toEqual([`click:${first}`]);
  expect(await page.evaluate(() => location.hash)).toBe('');
});

test('widgets render again when the catalogue is swapped, with no event tracked', async ({ page }) => {
  const titles = () => page.locator('#related [part="title"]').allTextContents();
  expect((await titles()).some((t) => t.startsWith('Renamed '))).toBe(false);
  const change = await page.evaluate(async () => {
    const w = window as unknown as { recReady: Promise<{ updateCatalog(items: object[]): Promise<{ outcome: string }> }> };
    // The page's own items (a top-level const of its script), each renamed.
    const items = (0, eval)('items') as Array<{ title: string }>;
    return (await w.recReady).updateCatalog(items.map((item) => ({ ...item, title: `Renamed ${item.title}` })));
  });
  expect(change).toMatchObject({ outcome: 'updated' });
  await expect.poll(async () => (await titles()).length > 0 && (await titles()).every((t) => t.startsWith('Renamed ')), { timeout: 15_000 }).toBe(true);
});
