/**
 * Entry of the script-tag build: `<script src="pocketrec.iife.js">` defines the global `PocketRec` with the same
 * exports as the ES module, plus `ready` when the tag carries `data-catalog` (see `auto-init.ts`).
 */
import { autoInit } from './auto-init';

export { createRecommender, DEFAULTS, PocketRecError, isPocketRecError, ERROR_CODES, EVENT_TYPES, DEVICES } from '../index';
export { definePocketRecsElement } from './pocket-recs-element';

// Read while this script is the one executing: `document.currentScript` is null once it has finished.
export const ready = typeof document === 'undefined' ? null : autoInit(document.currentScript as HTMLScriptElement | null);
