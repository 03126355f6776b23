import { PocketRecError, isPocketRecError, type Recommendation, type Recommender } from '../index';
import { entryForKey } from './keyboard';
import { followAfterTracking, safeHref } from './links';
import { fetchSurface, parseKind, type SurfaceRequest } from './surfaces';

/** What `pocketrec-error` carries: the coded error, with its code and message at hand for markup-only sites. */
export interface PocketRecsErrorDetail {
  code: PocketRecError['code'];
  message: string;
  error: PocketRecError;
}

const STYLE = `
  :host { display: block; font: inherit; }
  :host([data-state="error"]), :host([data-state="empty"]) { display: none; }
  h3 { margin: 0 0 8px; font-size: 1em; }
  ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
  a { display: flex; gap: 8px; align-items: center; padding: 4px 6px; border-radius: 6px; color: inherit; text-decoration: none; cursor: pointer; }
  a:hover, a:focus-visible { background: rgb(0 0 0 / 6%); }
  a:focus-visible { outline: 2px solid currentColor; outline-offset: 1px; }
  img { width: 48px; height: 48px; object-fit: cover; border-radius: 4px; flex: none; }
  small { display: block; opacity: .7; }
`;

/**
 * `<pocket-recs kind="for-you|related|bought-together|trending" item-ids="a,b" k="6" heading="…">`: a drop-in
 * list for sites that write no rendering code. It renders into its own shadow root (style it through
 * `::part(heading|list|item|link|image|title|reason)`), refreshes after every tracked event, and can be walked with
 * Tab or the arrow keys (Home/End jump); Enter follows the link.
 *
 * Events (bubbling, composed):
 * - `pocketrec-select` (detail: the recommendation) when an entry is clicked or activated, after tracking a
 *   `click`; cancel it to route the visit yourself (the link is then not followed);
 * - `pocketrec-error` (detail: {@link PocketRecsErrorDetail}) when nothing can be shown: a start-up failure, an
 *   invalid attribute (`invalid-option`). The element
 *   then renders nothing (`data-state="error"`).
 */
export function definePocketRecsElement(getRecommender: () => Promise<Recommender>): void {
  if (typeof customElements === 'undefined' || customElements.get('pocket-recs')) return;

  class PocketRecsElement extends HTMLElement {
    static readonly observedAttributes = ['kind', 'item-ids', 'k', 'heading'];
    private rec: Recommender | null = null;
    private unsubscribe: (() => void) | null = null;
    private readonly heading = document.createElement('h3');
    private readonly list = document.createElement('ol');
    /** Only the newest refresh may render: an older answer arriving late must not overwrite it. */
    private generation = 0;
    private controller: AbortController | null = null;
    /** Set when the attributes themselves are wrong: tracking cannot fix that, so updates do not retry. */
    private isMisconfigured = false;

    connectedCallback(): void {
      if (!this.shadowRoot) {
        const root = this.attachShadow({ mode: 'open' });
        const style = document.createElement('style');
        style.textContent = STYLE;
        this.heading.part.add('heading');
        this.list.part.add('list');
        this.list.addEventListener('keydown', (event) => this.onKeydown(event));
        root.append(style, this.heading, this.list);
      }
      this.heading.textContent = this.getAttribute('heading') ?? 'Recommended for you';
      this.dataset.state = 'loading';
      void getRecommender().then(
        (rec) => {
          if (!this.isConnected || this.rec) return;
          this.rec = rec;
          const refresh = () => {
            if (!this.isMisconfigured) void this.refresh();
          };
          const unsubscribe = rec.subscribe(refresh);
          // A swapped catalogue changes what the list shows (new items, titles, prices): render it again.
          const unwatch = rec.onCatalogChange((change) => change.outcome === 'updated' && refresh());
          this.unsubscribe = () => (unsubscribe(), unwatch());
          void this.refresh();
        },
        (error: unknown) => this.fail(error),
      );
    }

    disconnectedCallback(): void {
      this.unsubscribe?.();
      this.unsubscribe = null;
      this.rec = null;
      this.controller?.abort();
    }

    attributeChangedCallback(name: string, before: string | null, after: string | null): void {
      if (before === after || !this.shadowRoot) return;
      if (name === 'heading') this.heading.textContent = after ?? 'Recommended for you';
      else void this.refresh();
    }

    private request(): Omit<SurfaceRequest, 'signal'> {
      const kind = parseKind(this.getAttribute('kind'), '<pocket-recs kind>');
      const itemIds = (this.getAttribute('item-ids') ?? '').split(/[\s,]+/).filter(Boolean);
      const kText = this.getAttribute('k');
      const k = kText === null || kText === '' ? undefined : Number(kText);
      if (k !== undefined && !(Number.isInteger(k) && k > 0)) {
        throw new PocketRecError('invalid-option', `<pocket-recs k>: "${kText}" is not a positive whole number. Write k="6", or leave it out for the recommender's default.`, { details: { option: 'k', value: kText } });
      }
      return { kind, itemIds, ...(k ? { k } : {}) };
    }

    private async refresh(): Promise<void> {
      const rec = this.rec;
      if (!rec) return;
      const generation = ++this.generation;
      this.controller?.abort();
      const controller = (this.controller = new AbortController());
      try {
        const request = this.request();
        this.isMisconfigured = false;
        const recommendations = await fetchSurface(rec, { ...request, signal: controller.signal });
        if (generation === this.generation) this.render(rec, recommendations);
      } catch (error) {
        if (generation !== this.generation || isPocketRecError(error, 'aborted')) return;
        this.isMisconfigured = isPocketRecError(error, 'invalid-option');
        this.fail(error);
      }
    }

    private fail(cause: unknown): void {
      const error = isPocketRecError(cause) ? cause : new PocketRecError('worker-crashed', `<pocket-recs>: recommendations could not be loaded (${String(cause)}).`, { cause });
      this.list.replaceChildren();
      this.dataset.state = 'error';
      const detail: PocketRecsErrorDetail = { code: error.code, message: error.message, error };
      this.dispatchEvent(new CustomEvent('pocketrec-error', { detail, bubbles: true, composed: true }));
    }

    private render(rec: Recommender, recommendations: Recommendation[]): void {
      // A refresh while the visitor walks the list must not throw their focus back to the page.
      const focused = this.shadowRoot?.activeElement?.closest('li');
      const focusedId = focused?.dataset.itemId;
      const focusedIndex = focused ? [...this.list.children].indexOf(focused) : -1;

      this.list.replaceChildren(...recommendations.map((r) => this.entry(rec, r)));
      this.dataset.state = recommendations.length ? 'ready' : 'empty';

      if (focused) {
        const entries = [...this.list.querySelectorAll<HTMLLIElement>('li')];
        const again = entries.find((li) => li.dataset.itemId === focusedId) ?? entries[Math.min(focusedIndex, entries.length - 1)];
        again?.querySelector('a')?.focus();
      }
    }

    private entry(rec: Recommender, r: Recommendation): HTMLLIElement {
      const li = document.createElement('li');
      li.part.add('item');
      li.dataset.itemId = r.id;
      const link = document.createElement('a');
      link.part.add('link');
      const href = safeHref(r.item.url, document.baseURI);
      if (href) link.href = href;
      else {
        // Without a URL the entry is still reachable and activatable from the keyboard.
        link.tabIndex = 0;
        link.setAttribute('role', 'button');
      }
      if (typeof r.item.imageUrl === 'string' && r.item.imageUrl) {
        const image = document.createElement('img');
        image.part.add('image');
        image.src = r.item.imageUrl;
        image.alt = '';
        image.loading = 'lazy';
        link.append(image);
      }
      const text = document.createElement('span');
      const title = document.createElement('span');
      title.part.add('title');
      title.textContent = r.item.title;
      const reason = document.createElement('small');
      reason.part.add('reason');
      reason.textContent = r.reason;
      text.append(title, reason);
      link.append(text);
      link.addEventListener('click', (event) => {
        const tracked = rec.track({ type: 'click', itemId: r.id });
        tracked.catch((error: unknown) => console.warn('PocketRec: a widget click could not be recorded.', error));
        const select = new CustomEvent('pocketrec-select', { detail: r, bubbles: true, composed: true, cancelable: true });
        if (!this.dispatchEvent(select)) event.preventDefault();
        followAfterTracking(event, link, tracked);
      });
      li.append(link);
      return li;
    }

    private onKeydown(event: KeyboardEvent): void {
      const links = [...this.list.querySelectorAll<HTMLAnchorElement>('a')];
      const active = this.shadowRoot?.activeElement ?? null;
      if (event.key === 'Enter' || event.key === ' ') {
        // Links follow Enter natively; an entry without a URL is a button and needs Enter and Space handled.
        if (active instanceof HTMLAnchorElement && !active.href) {
          event.preventDefault();
          active.click();
        }
        return;
      }
      const target = entryForKey(links, active, event.key);
      if (!target) return;
      event.preventDefault();
      target.focus();
    }
  }

  customElements.define('pocket-recs', PocketRecsElement);
}
