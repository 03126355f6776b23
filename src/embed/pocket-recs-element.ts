import type { Recommender } from '../client';
import type { Recommendation } from '../worker';

/**
 * `<pocket-recs k="6" heading="Recommended for you">`: a drop-in list of recommendations for sites that do not
 * want to write rendering code. It renders into its own shadow root so site CSS cannot break it, refreshes on
 * every tracked event, and emits `pocketrec-select` (detail: the recommendation) when an entry is clicked,
 * after tracking the click itself.
 */
export function definePocketRecsElement(getRecommender: () => Promise<Recommender>): void {
  if (typeof customElements === 'undefined' || customElements.get('pocket-recs')) return;

  class PocketRecsElement extends HTMLElement {
    private unsubscribe: (() => void) | null = null;
    private readonly list = document.createElement('ol');

    connectedCallback(): void {
      const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
      root.innerHTML = `<style>
        :host { display: block; font: inherit; }
        h3 { margin: 0 0 8px; font-size: 1em; }
        ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
        li { cursor: pointer; padding: 4px 6px; border-radius: 6px; }
        li:hover { background: rgb(0 0 0 / 5%); }
        small { display: block; opacity: .7; }
      </style><h3 part="heading"></h3>`;
      root.querySelector('h3')!.textContent = this.getAttribute('heading') ?? 'Recommended for you';
      this.list.part.add('list');
      root.append(this.list);
      void getRecommender().then(async (rec) => {
        const k = Number(this.getAttribute('k')) || undefined;
        this.unsubscribe = rec.subscribe(() => void rec.recommend({ ...(k ? { k } : {}) }).then((r) => this.render(rec, r)));
        this.render(rec, await rec.recommend({ ...(k ? { k } : {}) }));
      });
    }

    disconnectedCallback(): void {
      this.unsubscribe?.();
      this.unsubscribe = null;
    }

    private render(rec: Recommender, recommendations: Recommendation[]): void {
      this.list.replaceChildren(
        ...recommendations.map((r) => {
          const li = document.createElement('li');
          li.part.add('item');
          li.dataset.itemId = r.id;
          const title = document.createElement('span');
          title.textContent = r.item.title;
          const reason = document.createElement('small');
          reason.textContent = r.reason;
          li.append(title, reason);
          li.addEventListener('click', () => {
            void rec.track({ type: 'click', itemId: r.id });
            this.dispatchEvent(new CustomEvent('pocketrec-select', { detail: r, bubbles: true, composed: true }));
          });
          return li;
        }),
      );
    }
  }

  customElements.define('pocket-recs', PocketRecsElement);
}
