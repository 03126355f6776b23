const WORKER_FILE = 'pocketrec.worker.js';

// Captured while the script first runs: `document.currentScript` is set only during that evaluation, and a
// classic (script-tag) build has no `import.meta.url` of its own.
const scriptUrl: string | undefined =
  typeof document !== 'undefined' && document.currentScript instanceof HTMLScriptElement && document.currentScript.src ? document.currentScript.src : undefined;

/** The worker bundle sits next to the PocketRec script that was loaded, wherever the site serves it from. */
export function defaultWorkerUrl(): URL {
  return new URL(WORKER_FILE, scriptUrl ?? import.meta.url);
}
