import { describe, expect, it } from 'vitest';
import { fitPca, projectRows, sampleRows } from '../../src/vector';
import { seededRandom } from '../helpers/random';

/** Rows with a known spread: axis k of a random rotation scaled by `scales[k]`, plus an offset. */
function spreadRows(count: number, d: number, scales: readonly number[], seed: number): { rows: Float32Array; basis: Float64Array } {
  const next = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  // A random orthonormal basis by Gram–Schmidt.
  const basis = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    for (let i = 0; i < d; i++) basis[k * d + i] = gauss();
    for (let j = 0; j < k; j++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += basis[k * d + i]! * basis[j * d + i]!;
      for (let i = 0; i < d; i++) basis[k * d + i]! -= dot * basis[j * d + i]!;
    }
    let n = 0;
    for (let i = 0; i < d; i++) n += basis[k * d + i]! ** 2;
    for (let i = 0; i < d; i++) basis[k * d + i]! /= Math.sqrt(n);
  }
  const rows = new Float32Array(count * d);
  for (let r = 0; r < count; r++) {
    for (let k = 0; k < d; k++) {
      const a = gauss() * scales[k]!;
      for (let i = 0; i < d; i++) rows[r * d + i]! += a * basis[k * d + i]!;
    }
    for (let i = 0; i < d; i++) rows[r * d + i]! += 0.5;
  }
  return { rows, basis };
}

describe('fitPca', () => {
  const d = 24;
  const scales = Array.from({ length: d }, (_, k) => 3 * 0.8 ** k);
  const { rows, basis } = spreadRows(3000, d, scales, 7);

  it('returns orthonormal components', () => {
    const fit = fitPca(rows, d, 10);
    for (let a = 0; a < 10; a++) {
      for (let b = 0; b < 10; b++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += fit.components[a * d + i]! * fit.components[b * d + i]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
  });

  it('orders components by variance and finds the directions the data spreads along', () => {
    const fit = fitPca(rows, d, 8);
    for (let k = 1; k < 8; k++) expect(fit.variances[k]!).toBeLessThan(fit.variances[k - 1]!);
    // Variance along component k ≈ scales[k]² (sampling error of 3000 rows is a few per cent).
    for (let k = 0; k < 8; k++) expect(fit.variances[k]! / scales[k]! ** 2).toBeGreaterThan(0.85), expect(fit.variances[k]! / scales[k]! ** 2).toBeLessThan(1.15);
    // The leading components are the generating axes (up to sign): |cos| close to 1.
    for (let k = 0; k < 3; k++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += fit.components[k * d + i]! * basis[k * d + i]!;
      expect(Math.abs(dot)).toBeGreaterThan(0.98);
    }
    expect(fit.explained).toBeGreaterThan(0.9);
    expect(fit.explained).toBeLessThan(1);
    expect(fit.mean[0]).toBeCloseTo(0.5 + averageOffset(rows, d, 0), 5);
  });

  it('returns eigenpairs of the covariance: C·v = λ·v', () => {
    const fit = fitPca(rows, d, d);
    const n = rows.length / d;
    const cov = new Float64Array(d * d);
    for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i * d + j]! += ((rows[r * d + i]! - fit.mean[i]!) * (rows[r * d + j]! - fit.mean[j]!)) / (n - 1);
    for (let k = 0; k < d; k++) {
      for (let i = 0; i < d; i++) {
        let cv = 0;
        for (let j = 0; j < d; j++) cv += cov[i * d + j]! * fit.components[k * d + j]!;
        expect(Math.abs(cv - fit.variances[k]! * fit.components[k * d + i]!)).toBeLessThan(1e-5);
      }
    }
    expect(fit.explained).toBeCloseTo(1, 10);
  });

  it('handles a rank-deficient covariance (fewer rows than dimensions)', () => {
    const few = spreadRows(5, 40, Array.from({ length: 40 }, () => 1), 3).rows;
    const fit = fitPca(few, 40, 8);
    for (let k = 0; k < 4; k++) expect(fit.variances[k]!).toBeGreaterThan(1e-3);
    for (let k = 4; k < 8; k++) expect(fit.variances[k]!).toBeLessThan(1e-9);
    for (let a = 0; a < 8; a++) {
      let dot = 0;
      for (let i = 0; i < 40; i++) dot += fit.components[a * 40 + i]! ** 2;
      expect(dot).toBeCloseTo(1, 6);
    }
  });

  it('is deterministic, with each sign fixed', () => {
    const a = fitPca(rows, d, 6);
    const b = fitPca(rows.slice(), d, 6);
    expect(Buffer.from(a.components.buffer).equals(Buffer.from(b.components.buffer))).toBe(true);
    expect(Buffer.from(a.mean.buffer).equals(Buffer.from(b.mean.buffer))).toBe(true);
    for (let k = 0; k < 6; k++) {
      const row = Array.from(a.components.subarray(k * d, (k + 1) * d));
      const big = row.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0);
      expect(big).toBeGreaterThan(0);
    }
  });

  it('uncentred, keeps every dot product at full rank and has a zero mean', () => {
    const fit = fitPca(rows, d, d, { center: false });
    expect(Array.from(fit.mean)).toEqual(new Array(d).fill(0));
    // At full rank the projection is a rotation: unit rows keep their dot products exactly (up to f32 rounding).
    const unit = (r: number) => {
      const v = rows.slice(r * d, (r + 1) * d);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const a = unit(0);
    const b = unit(1);
    const [pa, pb] = [projectRows(fit, a), projectRows(fit, b)];
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(pa, pb)).toBeCloseTo(dot(a, b), 5);
    // The centred fit does not: it ranks by the rows' offsets from the mean.
    const centred = fitPca(rows, d, d);
    expect(Math.abs(dot(projectRows(centred, a), projectRows(centred, b)) - dot(a, b))).toBeGreaterThan(0.01);
  });

  it('rejects shapes it cannot fit', () => {
    expect(() => fitPca(rows, d, d + 1)).toThrow(/cannot keep/);
    expect(() => fitPca(rows.subarray(0, d), d, 2)).toThrow(/at least 2 rows/);
    expect(() => fitPca(rows.subarray(0, d + 1), d, 2)).toThrow(/not rows/);
  });
});

function averageOffset(rows: Float32Array, d: number, i: number): number {
  let sum = 0;
  for (let r = 0; r < rows.length / d; r++) sum += rows[r * d + i]!;
  return sum / (rows.length / d) - 0.5;
}

describe('projectRows', () => {
  it('keeps rankings of the spread-out directions and returns unit rows', () => {
    const d = 32;
    const scales = Array.from({ length: d }, (_, k) => (k < 6 ? 2 : 0.02));
    const { rows } = spreadRows(800, d, scales, 11);
    const fit = fitPca(rows, d, 6);
    const out = projectRows(fit, rows);
    expect(out.length).toBe(800 * 6);
    for (let r = 0; r < 800; r++) {
      let n = 0;
      for (let k = 0; k < 6; k++) n += out[r * 6 + k]! ** 2;
      expect(n).toBeCloseTo(1, 5);
    }
    // Nearly all the variance is in 6 dimensions, so centred cosine similarities survive the projection.
    const cos = (a: Float32Array | Float64Array, b: Float32Array | Float64Array) => {
      let ab = 0,
        aa = 0,
        bb = 0;
      for (let i = 0; i < a.length; i++) (ab += a[i]! * b[i]!), (aa += a[i]! ** 2), (bb += b[i]! ** 2);
      return ab / Math.sqrt(aa * bb);
    };
    const centred = (r: number) => Float64Array.from(rows.subarray(r * d, (r + 1) * d), (x, i) => x - fit.mean[i]!);
    for (let r = 1; r < 20; r++) expect(cos(out.subarray(0, 6), out.subarray(r * 6, r * 6 + 6))).toBeCloseTo(cos(centred(0), centred(r)), 2);
  });

  it('projects mostly-zero rows (the sparse path) exactly as the dense product does', () => {
    const d = 64;
    const next = seededRandom(5);
    const rows = new Float32Array(50 * d);
    for (let i = 0; i < rows.length; i++) if (next() < (i < 25 * d ? 0.1 : 0.9)) rows[i] = next() - 0.5;
    const fit = fitPca(rows, d, 12, { center: false });
    const out = projectRows(fit, rows);
    for (let r = 0; r < 50; r++) {
      const y = Array.from({ length: 12 }, (_, k) => rows.subarray(r * d, (r + 1) * d).reduce((s, x, i) => s + x * fit.components[k * d + i]!, 0));
      const n = Math.hypot(...y);
      for (let k = 0; k < 12; k++) expect(out[r * 12 + k]!).toBeCloseTo(y[k]! / n, 6);
    }
  });

  it('gives the bits of one dot product per output (inputs in order, zeros included), centred or not', () => {
    // Catalogues built before the projection ran input by input must keep their bytes: same sums, same order.
    const d = 48;
    const next = seededRandom(9);
    const rows = new Float32Array(40 * d);
    for (let i = 0; i < rows.length; i++) if (next() < (i < 20 * d ? 0.15 : 0.95)) rows[i] = next() - 0.5;
    for (const center of [false, true]) {
      const fit = fitPca(rows, d, 10, { center });
      const want = new Float32Array(40 * 10);
      for (let r = 0; r < 40; r++) {
        let norm = 0;
        for (let k = 0; k < 10; k++) {
          let sum = 0;
          for (let i = 0; i < d; i++) sum += fit.components[k * d + i]! * (rows[r * d + i]! - fit.mean[i]!);
          want[r * 10 + k] = sum;
          norm += sum * sum;
        }
        if (norm > 0) for (let k = 0; k < 10; k++) want[r * 10 + k]! *= 1 / Math.sqrt(norm);
      }
      expect(projectRows(fit, rows)).toEqual(want);
      // Twice: the second call uses the transposed components made by the first.
      expect(projectRows(fit, rows)).toEqual(want);
    }
  });

  it('gives the same bits on the WASM SIMD kernel as on the JS loop, across batches and with an odd dim', () => {
    // The build projects 10⁶ rows on the kernel; catalogues must not change bytes with the engine that ran it.
    const d = 40;
    const count = 2500;
    const next = seededRandom(13);
    const rows = new Float32Array(count * d);
    for (let i = 0; i < rows.length; i++) if (next() < 0.2) rows[i] = next() - 0.5;
    // A row of zeros (norm 0) and a row with -0 inputs stay as the JS loop leaves them.
    rows.fill(0, 0, d);
    rows.fill(-0, d, 2 * d);
    for (const [center, dim] of [[false, 7], [true, 12]] as const) {
      const fit = fitPca(rows, d, dim, { center });
      const js = projectRows(fit, rows, undefined, { kernel: 'js' });
      const wasm = projectRows(fit, rows, undefined, { kernel: 'wasm-simd' });
      expect(Array.from(new Uint32Array(wasm.buffer))).toEqual(Array.from(new Uint32Array(js.buffer)));
      expect(Array.from(new Uint32Array(projectRows(fit, rows.subarray(0, 5 * d)).buffer))).toEqual(Array.from(new Uint32Array(js.buffer, 0, 5 * dim)));
    }
  });

  it('leaves a row on the mean at zero', () => {
    const fit = { sourceDim: 2, dim: 1, mean: Float32Array.of(1, 1), components: Float32Array.of(Math.SQRT1_2, Math.SQRT1_2) };
    expect(Array.from(projectRows(fit, Float32Array.of(1, 1, 3, 3)))).toEqual([0, 1]);
  });
});

describe('sampleRows', () => {
  it('draws distinct sorted indices, the same for the same seed', () => {
    const a = sampleRows(1_000_000, 5000, 42);
    expect(a.length).toBe(5000);
    expect(new Set(a).size).toBe(5000);
    for (let i = 1; i < a.length; i++) expect(a[i]!).toBeGreaterThan(a[i - 1]!);
    expect(a[a.length - 1]!).toBeLessThan(1_000_000);
    expect(Array.from(sampleRows(1_000_000, 5000, 42))).toEqual(Array.from(a));
    expect(Array.from(sampleRows(1_000_000, 5000, 43))).not.toEqual(Array.from(a));
    expect(Array.from(sampleRows(4, 10, 1))).toEqual([0, 1, 2, 3]);
  });
});
