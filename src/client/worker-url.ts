import { PocketRecError } from '../errors';

// Captured while the script first runs: `document.currentScript` is set only during that evaluation, and a
// classic (script-tag) build has no `import.meta.url` of its own.
const scriptUrl: string | undefined =
  typeof document !== 'undefined' && document.currentScript instanceof HTMLScriptElement && document.currentScript.src ? document.currentScript.src : undefined;

/**
 * The worker bundle sits next to the PocketRec script that was loaded, wherever the site serves it from. The ES
 * module form is the literal `new URL('./…', import.meta.url)` that bundlers recognise.
 */
export function defaultWorkerUrl(): URL {
  return scriptUrl ? new URL('pocketrec.worker.js', scriptUrl) : new URL('./pocketrec.worker.js', import.meta.url);
}

/**
 * Why a worker died before it answered: a script that is not served at its URL (the usual deployment mistake)
 * becomes `asset-failed` naming the URL and the status; anything else stays `worker-crashed`.
 */
export async function explainWorkerFailure(workerUrl: string, message: string): Promise<PocketRecError> {
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
