import { createSectionReader } from './binary';
import type { Catalog, CatalogPart, ProjectionInfo } from './types';

/** Rows of a shipped projection must be unit length to this tolerance (f32 rounding of an orthonormal matrix). */
const UNIT_TOLERANCE = 1e-3;

/**
 * The `projection` part as typed-array views, checked: section sizes against the manifest's dims, every value
 * finite, every component row of unit length. A projection that fails would put queries in another space than the
 * items, and search would rank noise without any error: so it fails here, naming the part and the section.
 */
export function decodeProjection(buffer: ArrayBuffer, part: Pick<CatalogPart, 'sections'> & ProjectionInfo, source: string): NonNullable<Catalog['projection']> {
  const r = createSectionReader(buffer, part, 'projection', source);
  const { sourceDim, dim } = part;
  const mean = r.view('mean', 'f32', sourceDim);
  const components = r.view('components', 'f32', dim * sourceDim);
  const badMean = mean.findIndex((v) => !Number.isFinite(v));
  if (badMean >= 0) throw r.invalid('mean', `has a value that is not a finite number at entry ${badMean}`);
  for (let k = 0; k < dim; k++) {
    let norm = 0;
    for (let i = 0; i < sourceDim; i++) norm += components[k * sourceDim + i]! ** 2;
    if (!(Math.abs(norm - 1) <= UNIT_TOLERANCE)) throw r.invalid('components', `has row ${k} of squared length ${norm}, not 1`);
  }
  return { method: part.method, sourceDim, dim, mean, components };
}
