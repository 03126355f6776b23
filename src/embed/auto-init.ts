import { createRecommender, type Recommender } from '../client';
import { definePocketRecsElement } from './pocket-recs-element';

/**
 * Zero-code start for the script-tag build: `<script src="pocketrec.iife.js" data-catalog="/catalog.json">`
 * creates the recommender, exposes it as `PocketRec.ready` (a promise), and defines `<pocket-recs>`.
 * Without `data-catalog` nothing starts; the page calls `PocketRec.createRecommender` itself.
 */
export function autoInit(script: HTMLScriptElement | null): Promise<Recommender> | null {
  const catalog = script?.dataset.catalog;
  if (!catalog) return null;
  const k = Number(script.dataset.k) || undefined;
  const ready = createRecommender({ catalog, ...(k ? { defaultK: k } : {}) });
  // A failed start must surface in the console, not vanish as an unhandled rejection nobody awaits.
  ready.catch((error: unknown) => console.warn('PocketRec: automatic start failed.', error));
  definePocketRecsElement(() => ready);
  return ready;
}
