/** Where a text encoder runs. Ordered by preference: the probe tries them in this order. */
export const DEVICES = Object.freeze(['webgpu', 'wasm', 'lexical'] as const);
export type Device = (typeof DEVICES)[number];

/**
 * Turns texts into unit-length vectors of one fixed dimension. Item vectors in the catalogue and query vectors
 * at run time must come from the same encoder (same `id`), or they do not live in one space.
 */
export interface TextEncoder {
  /** Stable identity of the model, e.g. `use-lite-int8@1` or `lexical-hash-512`. Stored in the catalogue manifest. */
  readonly id: string;
  readonly dim: number;
  readonly device: Device;
  /** One L2-normalised vector per text, in order. An empty text gets a defined vector, never an error. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}
