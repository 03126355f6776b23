import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutAtQuantile, decayedCoOccurrence, mostPopRecent, mulberry32, runTemporalEval, splitTemporal, temporalSplitChecksums } from '../../src/cli/eval';
import { coOccurrence } from '../../src/cli/eval/baselines';
import { loadDataset } from '../../src/cli/eval/datasets';
import { buildEvalCatalog, DEFAULT_ENGINE_EVAL } from '../../src/cli/eval/engine-model';
import { isPocketRecError } from '../../src/errors';

const DAY = 86_400;
const T0 = 1_500_000_000;
/** The fixed cut of the leak test: day 40 of the log. */
const CUT = T0 + 40 * DAY;
/** The film that, in the "late" log, dominates everything after each visitor's target. */
const LATE_HIT = 999;

/**
 * A MovieLens-shaped log over 50 days: 8 genres of 20 films plus one extra film (999), 60 visitors who each watch
 * films of one genre, one a day from a start day of their own (15 to 49). With `late`, every visitor who has an event at or
 * after day 40 also watches film 999 and two more films after that first post-cut event: the log differs from the
 * plain one only in what lies beyond each target, which no model may see.
 */
async function writeLog(folder: string, late: boolean): Promise<void> {
  const genres = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Sci-Fi', 'Western', 'Animation'];
  const perGenre = 20;
  const movies = ['movieId,title,genres'];
  genres.forEach((genre, g) => {
    for (let j = 0; j < perGenre; j++) movies.push(`${g * perGenre + j + 1},"${genre} tale ${j + 1} (${2000 + j})",${genre}`);
  });
  movies.push(`${LATE_HIT},"The late hit (2020)",Documentary`);
  const rng = mulberry32(11);
  const ratings = ['userId,movieId,rating,timestamp'];
  for (let user = 1; user <= 60; user++) {
    const g = user % genres.length;
    const start = 15 + Math.floor(rng() * 35);
    const count = 8 + Math.floor(rng() * 8);
    const seen = new Set<number>();
    let firstAfter = -1;
    for (let n = 0; n < count; n++) {
      const movie = g * perGenre + 1 + Math.floor(rng() * perGenre);
      if (seen.has(movie)) continue;
      seen.add(movie);
      const t = T0 + (start + n) * DAY + Math.floor(rng() * 3600);
      if (t >= CUT && firstAfter < 0) firstAfter = t;
      ratings.push(`${user},${movie},4.0,${t}`);
    }
    // Both logs must have the same catalogue (the same dense indices): visitor 1 watches every other film, film 999
    // included, from day 60 on, long after its own target.
    if (user === 1) {
      const rest = [...Array.from({ length: genres.length * perGenre }, (_, i) => i + 1).filter((m) => !seen.has(m)), LATE_HIT];
      rest.forEach((m, k) => ratings.push(`${user},${m},4.0,${T0 + 60 * DAY + k}`));
    }
    if (late && firstAfter >= 0 && user !== 1) {
      ratings.push(`${user},${LATE_HIT},5.0,${firstAfter + 10}`);
      const other = ((g + 1) % genres.length) * perGenre + 1;
      ratings.push(`${user},${other},5.0,${firstAfter + 20}`, `${user},${other + 1},5.0,${firstAfter + 30}`);
    }
  }
  await writeFile(join(folder, 'movies.csv'), `${movies.join('\n')}\n`);
  await writeFile(join(folder, 'ratings.csv'), `${ratings.join('\n')}\n`);
}

describe('temporal split', () => {
  let plain = '';
  let late = '';
  let noTimes = '';
  beforeAll(async () => {
    const folder = () => mkdtemp(join(tmpdir(), 'pocketrec-temporal-'));
    [plain, late, noTimes] = [await folder(), await folder(), await folder()];
    await writeLog(plain, false);
    await writeLog(late, true);
    await writeFile(join(noTimes, 'interactions.txt'), '1 1\n1 2\n1 3\n2 2\n2 3\n2 1\n');
  });
  afterAll(() => Promise.all([plain, late, noTimes].map((f) => rm(f, { recursive: true, force: true }))));

  it('trains on events before the cut only and targets each visitor\'s first event at or after it', async () => {
    const data = await loadDataset(late);
    const split = splitTemporal(data, CUT);
    expect(split.warm.length).toBeGreaterThan(5);
    expect(split.cold.length).toBeGreaterThan(0);
    for (const u of split.train) for (const t of u.times!) expect(t).toBeLessThan(CUT);
    expect(split.trainEvents).toBe(data.users.reduce((a, u) => a + u.times!.filter((t) => t < CUT).length, 0));
    for (const c of [...split.warm, ...split.cold]) {
      const u = data.users.find((x) => x.userId === c.userId)!;
      const first = u.times!.findIndex((t) => t >= CUT);
      expect(c.targetTime).toBe(u.times![first]);
      expect(c.target).toBe(u.items[first]);
      expect(c.history).toEqual(u.items.slice(0, first));
      expect(c.history.length > 0).toBe(split.warm.includes(c));
    }
    // VALID ends where TEST's cut begins.
    const valid = splitTemporal(data, T0 + 30 * DAY, CUT);
    for (const c of [...valid.warm, ...valid.cold]) expect(c.targetTime).toBeLessThan(CUT);
  });

  it('cuts at the time by which the given share of events happened, and splits the same way every time', async () => {
    const data = await loadDataset(plain);
    const times = data.users.flatMap((u) => u.times!).sort((a, b) => a - b);
    const cut = cutAtQuantile(data, 0.9);
    expect(cut).toBe(times[Math.ceil(0.9 * times.length) - 1]);
    expect(times.filter((t) => t < cut).length / times.length).toBeLessThan(0.9);
    const again = splitTemporal(await loadDataset(plain), cut);
    expect(temporalSplitChecksums(data, splitTemporal(data, cut))).toEqual(temporalSplitChecksums(data, again));
    // A different cut is a different split, and the checksum says so.
    expect(temporalSplitChecksums(data, splitTemporal(data, cut - DAY)).train).not.toBe(temporalSplitChecksums(data, again).train);
  });

  it('lets no event at or after the cut reach the catalogue build or the baselines', async () => {
    const data = await loadDataset(late);
    const split = splitTemporal(data, CUT);
    const hit = data.itemIds.indexOf(LATE_HIT);
    const model = await buildEvalCatalog({ ...data, users: split.train, tags: [] }, split.train, DEFAULT_ENGINE_EVAL, { now: CUT * 1000 });
    expect(model.popularity[hit]).toBe(0);
    expect(model.trending[hit]).toBe(0);
    // The late log's most-watched film after the cut; before it, nobody has seen it.
    const scores = new Float64Array(data.itemIds.length);
    mostPopRecent(split.train, data.itemIds.length, CUT).score([], scores);
    expect(scores[hit]).toBe(0);
    const co = decayedCoOccurrence(split.train, data.itemIds.length, CUT, 30);
    expect(co.userCounts[hit]).toBe(0);
    expect(Array.from(co.targets)).not.toContain(hit);
    // The same log cut at its end does see it: the assertions above can fail.
    const all = splitTemporal(data, Infinity);
    expect((await buildEvalCatalog(data, all.train, DEFAULT_ENGINE_EVAL, { now: (T0 + 61 * DAY) * 1000 })).popularity[hit]).toBeGreaterThan(0);
  });

  it('decays co-occurrence by the age of the later event, and equals plain co-occurrence without decay', async () => {
    const data = await loadDataset(plain);
    const split = splitTemporal(data, CUT);
    const n = data.itemIds.length;
    const plainCo = coOccurrence(split.train, n);
    const undecayed = decayedCoOccurrence(split.train, n, CUT, Infinity);
    expect(Array.from(undecayed.targets)).toEqual(Array.from(plainCo.targets));
    expect(Array.from(undecayed.counts)).toEqual(Array.from(plainCo.counts));
    expect(Array.from(undecayed.userCounts)).toEqual(Array.from(plainCo.userCounts));
    const decayed = decayedCoOccurrence(split.train, n, CUT, 10);
    for (let e = 0; e < decayed.counts.length; e++) expect(decayed.counts[e]!).toBeLessThanOrEqual(plainCo.counts[e]!);
    expect(decayed.counts.some((c, e) => c < plainCo.counts[e]!)).toBe(true);
  });

  it('scores the same whatever happens after each visitor\'s target, for every model', async () => {
    const options = { cut: CUT, validQuantile: 0.6 };
    const [a, b] = await Promise.all([runTemporalEval({ data: plain, ...options }), runTemporalEval({ data: late, ...options })]);
    expect(Object.keys(a.results)).toEqual(['MostPop', 'MostPop-7d', 'ItemKNN', 'ItemKNN-recency', 'engine']);
    expect(a.cuts).toHaveLength(1);
    expect(a.cuts[0]!.warm_users).toBeGreaterThan(5);
    expect(b.split_sha256).toEqual(a.split_sha256);
    expect(b.results).toEqual(a.results);
    // The engine reads the visitor's genre; most-popular cannot.
    expect(a.results.engine!.warm['NDCG@10']).toBeGreaterThan(a.results.MostPop!.warm['NDCG@10']);
  }, 300_000);

  it('pools rolling windows, each trained before its own cut', async () => {
    const report = await runTemporalEval({ data: plain, quantile: 0.7, windows: 3, models: ['MostPop', 'MostPop-7d'] });
    expect(report.cuts).toHaveLength(3);
    [0.7, 0.8, 0.9].forEach((q, k) => expect(report.cuts[k]!.quantile).toBeCloseTo(q, 12));
    for (let k = 1; k < 3; k++) {
      expect(report.cuts[k]!.time).toBeGreaterThan(report.cuts[k - 1]!.time);
      expect(report.cuts[k]!.train_events).toBeGreaterThan(report.cuts[k - 1]!.train_events);
    }
    const warm = report.cuts.reduce((a, c) => a + c.warm_users, 0);
    expect(report.results['MostPop-7d']!.warm.users).toBe(warm);
    expect(report.results.MostPop!.cold.users).toBe(report.cuts.reduce((a, c) => a + c.cold_users, 0));
  }, 120_000);

  it('scores VALID alone over its own windows, all before TEST\'s cut', async () => {
    const report = await runTemporalEval({ data: plain, cut: CUT, validQuantile: 0.3, validWindows: 3, validOnly: true, models: ['MostPop'] });
    expect(report.results).toEqual({});
    expect(report.valid_cuts).toHaveLength(3);
    for (const c of report.valid_cuts) expect(c.time).toBeLessThan(CUT);
    expect(report.valid_cuts[2]!.time).toBeGreaterThan(report.valid_cuts[0]!.time);
  });

  it('refuses a data set without event times', async () => {
    const data = await loadDataset(noTimes);
    expect(() => cutAtQuantile(data, 0.9)).toThrow(/needs event times/);
    try {
      splitTemporal(data, 0);
      expect.unreachable();
    } catch (error) {
      expect(isPocketRecError(error, 'invalid-option')).toBe(true);
    }
  });
});
