import type * as Ort from 'onnxruntime-web';

/**
 * onnxruntime-web, imported on first use (the runtime is most of the worker's weight) and pointed at the site's own
 * copy of its `.wasm` files: nothing is fetched from a CDN.
 */
export async function loadOrt(wasmBaseUrl: string): Promise<typeof Ort> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.wasmPaths = wasmBaseUrl;
  // Threads need SharedArrayBuffer, which exists only on cross-origin isolated pages.
  ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1) : 1;
  ort.env.logLevel = 'error';
  return ort;
}
