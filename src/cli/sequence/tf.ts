export type Tf = typeof import('@tensorflow/tfjs-core');

let loading: Promise<Tf> | undefined;

/**
 * TensorFlow.js on its WASM backend (SIMD, one thread in Node). `tfjs-node` is out because its install downloads a
 * native library, and the pure-JS CPU backend trains about 25× slower. Loaded on first use only, so commands that
 * never train do not pay for it.
 */
export function loadTf(): Promise<Tf> {
  loading ??= (async () => {
    // Each kernel registration announces itself on console.warn; that chatter tells the user nothing.
    const warn = console.warn;
    console.warn = () => {};
    try {
      const { tf } = await import('./tf-runtime');
      await tf.setBackend('wasm');
      await tf.ready();
      return tf;
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}
