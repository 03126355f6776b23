/** Navigation waits at most this long for the click to be recorded: a stalled worker must not trap the visitor. */
const TRACK_WAIT_MS = 1000;

/**
 * Follows an entry's link once its click is recorded. A plain click that left the page at once could unload the
 * worker before the event reached IndexedDB, so it is held until `tracked` settles (or the wait runs out);
 * clicks that open another tab, and links the host's select handler cancelled, are left to the browser.
 */
export function followAfterTracking(event: MouseEvent, anchor: HTMLAnchorElement, tracked: Promise<unknown>): void {
  if (event.defaultPrevented || !anchor.href) return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (anchor.target && anchor.target !== '_self') return;
  event.preventDefault();
  const href = anchor.href;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, TRACK_WAIT_MS)));
  void Promise.race([tracked.catch(() => {}), waited]).then(() => {
    clearTimeout(timer);
    location.assign(href);
  });
}

/**
 * The item's `url` as a link target, or undefined. Catalogue fields are data, so only http(s) links (absolute or
 * relative to the page) become hrefs: a `javascript:` URL in a feed must not turn a widget into a script runner.
 */
export function safeHref(url: unknown, base: string): string | undefined {
  if (typeof url !== 'string' || url === '') return undefined;
  try {
    const resolved = new URL(url, base);
    return resolved.protocol === 'http:' || resolved.protocol === 'https:' ? resolved.href : undefined;
  } catch {
    return undefined;
  }
}
