import type * as Ort from 'onnxruntime-web';

/**
 * onnxruntime-web, imported on first use (the runtime is most of the worker's weight) and pointed at the site's own
 * copy of its `.wasm` files: nothing is fetched from a CDN.
 */
export async function loadOrt(wasmBaseUrl: string): Promise<typeof Ort> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.wasmPaths = wasmBaseUrl;
  ort.env.wasm.numThreads = wasmThreads();
  ort.env.logLevel = 'error';
  return ort;
}

/** Threads need SharedArrayBuffer, which exists only on cross-origin isolated pages. */
export function wasmThreads(): number {
  return globalThis.crossOriginIsolated ? Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1) : 1;
}
