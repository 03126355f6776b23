import { projectRows, type Projection } from '../vector';
import type { TextEncoder } from './types';

/**
 * An encoder whose outputs go through the catalogue's projection: when the build shrank the item vectors (a PCA
 * to 128 dims, say), every query and review must be shrunk the same way, or search and text events would compare
 * vectors of two different spaces. Same id and device as the inner encoder (it is the same model), `dim` the
 * projection's; the vectors stay unit length.
 */
export function createProjectedEncoder(inner: TextEncoder, projection: Projection): TextEncoder {
  if (inner.dim !== projection.sourceDim) throw new RangeError(`encoder: the projection maps ${projection.sourceDim} dims, but the encoder ${inner.id} has ${inner.dim}`);
  const { dim } = projection;
  return {
    id: inner.id,
    dim,
    device: inner.device,
    languages: inner.languages,
    async embed(texts) {
      const vectors = await inner.embed(texts);
      const flat = new Float32Array(vectors.length * inner.dim);
      vectors.forEach((v, i) => flat.set(v, i * inner.dim));
      const out = projectRows(projection, flat);
      // One buffer per vector: callers transfer them across the worker boundary one by one.
      return vectors.map((_, i) => out.slice(i * dim, (i + 1) * dim));
    },
    dispose: () => inner.dispose(),
  };
}
