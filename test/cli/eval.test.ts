import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateRank, drawNegatives, intraListDiversity, mulberry32, runEval, summarize, tieAveragedRank, topList, transferHalf } from '../../src/cli/eval';

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

/**
 * A MovieLens-shaped data set small enough to evaluate in seconds: 8 genres of 15 films, and 80 visitors who each
 * rate films of one genre (plus a few popular ones) in time order. Taste is the only structure in it, so a model
 * that reads the history must beat most-popular; generated here, so the test runs in a fresh clone.
 */
async function writeTinyMovieLens(folder: string): Promise<void> {
  const genres = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Sci-Fi', 'Western', 'Animation'];
  const perGenre = 15;
  const rng = mulberry32(7);
  const movies = ['movieId,title,genres'];
  genres.forEach((genre, g) => {
    for (let j = 0; j < perGenre; j++) movies.push(`${g * perGenre + j + 1},"${genre} story ${j + 1} (${1990 + j})",${genre}`);
  });
  const ratings = ['userId,movieId,rating,timestamp'];
  for (let user = 1; user <= 80; user++) {
    const g = user % genres.length;
    const seen = new Set<number>();
    let t = 1_000_000_000 + user * 10_000;
    for (let n = 0; n < 12; n++) {
      // One film in six is a blockbuster (the first of any genre); the rest come from the visitor's genre.
      const movie = n % 6 === 2 ? Math.floor(rng() * genres.length) * perGenre + 1 : g * perGenre + 1 + Math.floor(rng() * perGenre);
      if (seen.has(movie)) continue;
      seen.add(movie);
      ratings.push(`${user},${movie},${(3 + Math.floor(rng() * 3)).toFixed(1)},${(t += 60 + Math.floor(rng() * 600))}`);
    }
  }
  await writeFile(join(folder, 'movies.csv'), `${movies.join('\n')}\n`);
  await writeFile(join(folder, 'ratings.csv'), `${ratings.join('\n')}\n`);
}

describe('pocketrec eval on a generated data set', () => {
  let folder = '';
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'pocketrec-eval-'));
    await writeTinyMovieLens(folder);
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('splits, scores the engine and MostPop, and the engine learns the taste MostPop cannot see', async () => {
    const report = await runEval({ data: folder, users: 60, models: ['MostPop', 'engine'] });
    // No protocol folder: the checksums are computed, not checked.
    expect(report.split_sha256_ok).toBeNull();
    expect(report.n_users).toBe(60);
    expect(Object.keys(report.results)).toEqual(['MostPop', 'engine']);
    const engine = report.results.engine!;
    expect(engine.full['NDCG@10']).toBeGreaterThan(report.results.MostPop!.full['NDCG@10']);
    expect(engine.full['coverage@10']).toBeGreaterThan(0);
    expect(engine.full['ILD@10']).toBeGreaterThanOrEqual(0);
  }, 300_000);

  it('runs the engine on projected vectors when asked, and refuses a vectors setting it cannot read', async () => {
    const report = await runEval({ data: folder, users: 60, models: ['MostPop', 'engine'], engine: { vectors: 'pca-8' } });
    const engine = report.results.engine!;
    expect(engine.settings).toMatchObject({ vectors: 'pca-8' });
    // Eight genres span the content: eight principal directions keep the taste the engine learns.
    expect(engine.full['NDCG@10']).toBeGreaterThan(report.results.MostPop!.full['NDCG@10']);
    await expect(runEval({ data: folder, users: 60, models: ['engine'], engine: { vectors: 'pca-8x' } })).rejects.toThrow(/engine setting "vectors" must be/);
  }, 300_000);

  it('chooses every setting on one half of the visitors and scores the other half in a transfer run', async () => {
    const report = await runEval({ data: folder, users: 60, models: ['MostPop', 'sasrec', 'engine'], sequence: { epochs: 2 }, tuneMinutes: 0.05, transfer: true });
    const { tuneUsers, scoredUsers } = report.transfer!;
    expect(tuneUsers + scoredUsers).toBe(60);
    expect(Math.min(tuneUsers, scoredUsers)).toBeGreaterThan(15);
    expect(report.n_users).toBe(scoredUsers);
    // Early stopping saw the choosing half's held-out items only.
    const sasrec = report.results.sasrec!.settings as { stopUsers: number; heldOut: string; model: { maxLen: number; dropout: number } };
    expect(sasrec.heldOut).toBe('train-last');
    expect(sasrec.stopUsers).toBeGreaterThan(0);
    expect(sasrec.stopUsers).toBeLessThanOrEqual(tuneUsers);
    expect(report.results.engine!.full['NDCG@10']).toBeGreaterThan(report.results.MostPop!.full['NDCG@10']);
    // The halves are a function of the id alone.
    const halves = Array.from({ length: 1000 }, (_, u) => transferHalf(u + 1));
    expect(halves.filter((h) => h === 0).length).toBeGreaterThan(450);
    expect(halves.filter((h) => h === 0).length).toBeLessThan(550);
    expect(Array.from({ length: 1000 }, (_, u) => transferHalf(u + 1))).toEqual(halves);
  }, 300_000);
});
