import type * as Ort from 'onnxruntime-web';
import { requireWebGpuAdapter } from './device-probe';
import type { OnnxDevice, Skipped } from './device-session';

/** An onnxruntime-web build and the devices it will be asked to use, with why any device was left out. */
export interface Runtime {
  ort: typeof Ort;
  devices: OnnxDevice[];
  skipped: Skipped[];
}

const loaded = new Map<string, Promise<Runtime>>();

/**
 * onnxruntime-web, imported on first use (the runtime is most of the worker's weight) and pointed at the site's own
 * copy of its `.wasm` files: nothing is fetched from a CDN. The build depends on the browser: only where WebGPU
 * hands out an adapter is the WebGPU-capable build (JSEP) loaded; everywhere else the plain WASM build, which runs a
 * short query about 5× faster than JSEP's WASM path (3 against 17 ms in the bench) and is half the download.
 * One runtime per worker: the text encoder and the sequence model share it.
 */
export function loadRuntime(wasmBaseUrl: string, devices: readonly OnnxDevice[]): Promise<Runtime> {
  const key = `${wasmBaseUrl}|${devices.join(',')}`;
  let runtime = loaded.get(key);
  if (!runtime) loaded.set(key, (runtime = pickRuntime(wasmBaseUrl, devices)));
  return runtime;
}

async function pickRuntime(wasmBaseUrl: string, devices: readonly OnnxDevice[]): Promise<Runtime> {
  const skipped: Skipped[] = [];
  let webgpu = devices.includes('webgpu');
  if (webgpu) {
    try {
      await requireWebGpuAdapter();
    } catch (error) {
      webgpu = false;
      skipped.push({ device: 'webgpu', reason: (error as Error).message });
    }
  }
  const ort = webgpu ? await import('onnxruntime-web') : await import('onnxruntime-web/wasm');
  ort.env.wasm.wasmPaths = wasmBaseUrl;
  ort.env.wasm.numThreads = wasmThreads();
  ort.env.logLevel = 'error';
  return { ort, devices: devices.filter((d) => webgpu || d !== 'webgpu'), skipped };
}

/** Threads need SharedArrayBuffer, which exists only on cross-origin isolated pages. */
export function wasmThreads(): number {
  return globalThis.crossOriginIsolated ? Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1) : 1;
}
