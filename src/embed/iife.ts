/**
 * Entry of the script-tag build: `<script src="pocketrec.iife.js">` defines the global `PocketRec` with the same
 * exports as the ES module.
 */
export { createRecommender, DEFAULTS, PocketRecError, isPocketRecError, ERROR_CODES, EVENT_TYPES, DEVICES } from '../index';
