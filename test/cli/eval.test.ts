import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidateRank, drawNegatives, intraListDiversity, mulberry32, runEval, summarize, tieAveragedRank, topList } from '../../src/cli/eval';

describe('protocol metrics', () => {
  it('averages ties in the rank and ignores excluded items', () => {
    // Target 2 (score .5): one item above, two others equal → 1 + 1 + 0.5·2 = 3.
    expect(tieAveragedRank([0.9, 0.5, 0.5, 0.5, -Infinity], 2)).toBe(3);
    expect(tieAveragedRank([-Infinity, 0.1, 0.2], 2)).toBe(1);
  });
  it('ranks among sampled candidates by the same rule', () => {
    expect(candidateRank([0.3, 0.3, 0.9, 0.1], 0, [1, 2, 3])).toBe(2.5);
  });
  it('turns ranks into HR, NDCG and MRR at 10', () => {
    const m = summarize([1, 3, 10.5, 20]);
    expect(m['HR@10']).toBe(0.5);
    expect(m['NDCG@10']).toBeCloseTo((1 + 1 / Math.log2(4)) / 4, 12);
    expect(m['MRR@10']).toBeCloseTo((1 + 1 / 3) / 4, 12);
  });
  it('orders the top list by score, then index', () => {
    expect(topList([0.5, 0.9, 0.5, -Infinity, 0.7], 3)).toEqual([1, 4, 0]);
  });
  it('measures genre diversity as mean pairwise Jaccard distance', () => {
    // {a},{a,b}: 1 - 1/2; {a},{c}: 1; {a,b},{c}: 1 → mean 5/6.
    expect(intraListDiversity([[0, 1, 2]], [['a'], ['a', 'b'], ['c']])).toBeCloseTo(5 / 6, 12);
  });
  it('draws the published first negatives with mulberry32(42)', () => {
    const rng = mulberry32(42);
    expect(Array.from({ length: 5 }, () => Math.floor(rng() * 9724))).toEqual([5845, 4359, 8289, 6512, 1699]);
    const [first] = drawNegatives([{ userId: 1, train: [], valid: 0, test: 1 }], 23715, 5);
    expect(first).toEqual([14255, 10631, 20216, 15882, 4145]);
  });
});

const shared = resolve(import.meta.dirname, '../../../shared');
const hasShared = existsSync(resolve(shared, 'datasets/ml-latest-small/ratings.csv'));
if (!hasShared) console.warn(`eval smoke test skipped: ${shared} is absent (the shared data sets live beside the repository).`);

describe.skipIf(!hasShared)('pocketrec eval on a slice of MovieLens', () => {
  it('reproduces the split checksums and scores the engine and MostPop', async () => {
    const report = await runEval({
      data: resolve(shared, 'datasets/ml-latest-small'),
      protocol: resolve(shared, 'eval/ml-latest-small'),
      users: 60,
      models: ['MostPop', 'engine'],
    });
    expect(report.split_sha256_ok).toBe(true);
    expect(report.n_users).toBe(60);
    expect(Object.keys(report.results)).toEqual(['MostPop', 'engine']);
    const engine = report.results.engine!;
    expect(engine.full['NDCG@10']).toBeGreaterThan(report.results.MostPop!.full['NDCG@10']);
    expect(engine.full['coverage@10']).toBeGreaterThan(0);
    expect(engine.full['ILD@10']).toBeGreaterThan(0.5);
  }, 120_000);
});
