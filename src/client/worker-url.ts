import { PocketRecError } from '../errors';

// The script-tag build has no `import.meta.url` of its own (its build defines it as undefined) and finds its URL
// through `document.currentScript`, which is set only while the script first runs. A bundle that webpack made of the
// ES module is a classic script too, with a `currentScript`, but it keeps `import.meta.url` and must not look here.
const scriptUrl: string | undefined =
  !import.meta.url && typeof document !== 'undefined' && document.currentScript instanceof HTMLScriptElement && document.currentScript.src
    ? document.currentScript.src
    : undefined;

const WORKER_OPTIONS = { type: 'module', name: 'pocketrec' } as const;

/**
 * Starts the worker: the host's `workerUrl`, else the bundle next to the PocketRec script that was loaded. In the
 * ES module that is `new Worker(new URL('./pocketrec.worker.js', …))`, the form webpack 5 follows: it bundles the
 * worker with its chunks and emits the runtime and model files the worker names the same way. The base is written
 * `'' + import.meta.url` because Vite would re-bundle the already built worker on seeing the plain form; its plugin
 * (`pocketrec/vite`) serves the built files as they are instead, and webpack still evaluates this to the module URL.
 */
export function spawnWorker(workerUrl: URL | null): Worker {
  if (workerUrl) return new Worker(workerUrl, WORKER_OPTIONS);
  if (scriptUrl) return new Worker(new URL('pocketrec.worker.js', scriptUrl), WORKER_OPTIONS);
  // The options inline: webpack reads them from the literal.
  return new Worker(new URL('./pocketrec.worker.js', '' + import.meta.url), { type: 'module', name: 'pocketrec' });
}

/**
 * Where the default worker is, for messages and the failure check. Not a form bundlers follow (that would copy the
 * worker a second time): under webpack this is the package's file on disk, not the bundled worker's URL.
 */
export function defaultWorkerUrl(): URL {
  return scriptUrl ? new URL('pocketrec.worker.js', scriptUrl) : new URL('./pocketrec.worker.js', '' + import.meta.url);
}

/**
 * Why a worker died before it answered: a script that is not served at its URL (the usual deployment mistake)
 * becomes `asset-failed` naming the URL and the status; anything else stays `worker-crashed`.
 */
export async function explainWorkerFailure(workerUrl: string, message: string): Promise<PocketRecError> {
  // A bundled worker's URL is the bundler's; the `file:` path of the package's copy would only mislead.
  if (!/^https?:/.test(workerUrl)) return new PocketRecError('worker-crashed', `client: the PocketRec worker failed (${message || 'the script did not load'}).`, { details: { url: null } });
  let status: number | undefined;
  try {
    status = (await fetch(workerUrl, { method: 'HEAD' })).status;
  } catch {
    status = undefined;
  }
  if (status === undefined || status < 200 || status >= 300) {
    const answer = status === undefined ? 'could not be requested' : `answered HTTP ${status}`;
    return new PocketRecError('asset-failed', `client: the worker script ${workerUrl} ${answer}. Deploy the files listed in the README ("Deploying") next to pocketrec.js, or set workerUrl.`, {
      details: { url: workerUrl, status: status ?? null },
    });
  }
  return new PocketRecError('worker-crashed', `client: the PocketRec worker failed (${message || 'the script did not load'}). Check that ${workerUrl} is the PocketRec worker bundle.`, { details: { url: workerUrl } });
}
