import { describe, expect, it } from 'vitest';
import { mulberry32, splitLeaveOneOut, tunedEngineSettings, type Dataset } from '../../src/cli/eval';
import { casesFor, coordinateSearch, holdOutLatest, ndcgAt10, sampleCases, sampleVisitors, tuneEngine, TUNE_PLAN, type TuneCandidate } from '../../src/cli/tune';

const START: TuneCandidate = { neighbors: 50, rank: { transitionWeight: 0.3, neighborWeight: 0.3, popularityWeight: 0.15, trendingWeight: 0.1, sessionWeight: 0.6, diversityLambda: 0.55 } };

describe('the tuning slice', () => {
  it("holds out each visitor's latest event, and cuts their other columns at the same place", () => {
    const { rest, cases } = holdOutLatest([
      { userId: 1, items: [3, 1, 4], times: [10, 20, 30] },
      { userId: 2, items: [5] },
      { userId: 3, items: [9, 2] },
    ]);
    expect(cases).toEqual([
      { history: [3, 1], target: 4 },
      { history: [9], target: 2 },
    ]);
    expect(rest).toEqual([
      { userId: 1, items: [3, 1], times: [10, 20] },
      { userId: 2, items: [5] },
      { userId: 3, items: [9] },
    ]);
  });
  it('draws the same cases for the same seed, others for another, in log order', () => {
    const cases = Array.from({ length: 50 }, (_, i) => ({ history: [i], target: i }));
    const a = sampleCases(cases, 10, 7);
    expect(sampleCases(cases, 10, 7)).toEqual(a);
    expect(sampleCases(cases, 10, 8)).not.toEqual(a);
    expect(a.map((c) => c.target)).toEqual([...a.map((c) => c.target)].sort((x, y) => x - y));
    expect(sampleCases(cases, 100, 7)).toHaveLength(50);
  });
  it('draws whole visitors until their events reach the cap, seeded, in log order; a smaller log stays whole', () => {
    const log = Array.from({ length: 40 }, (_, u) => ({ userId: u, items: Array.from({ length: 1 + (u % 7) }, (_, k) => u * 10 + k) }));
    const events = log.reduce((a, s) => a + s.items.length, 0);
    expect(sampleVisitors(log, events, 3)).toEqual(log);
    const a = sampleVisitors(log, 60, 3);
    expect(sampleVisitors(log, 60, 3)).toEqual(a);
    expect(sampleVisitors(log, 60, 4)).not.toEqual(a);
    const drawn = a.reduce((x, s) => x + s.items.length, 0);
    // The draw stops at the first visitor that reaches the cap: at most one visitor's events past it.
    expect(drawn).toBeGreaterThanOrEqual(60);
    expect(drawn).toBeLessThan(60 + 7);
    expect(a.map((s) => s.userId)).toEqual([...a.map((s) => s.userId)].sort((x, y) => x - y));
    for (const s of a) expect(s).toBe(log[s.userId]);
  });
  it('builds its tuning catalogues from the drawn visitors only, and says so', async () => {
    const log = Array.from({ length: 30 }, (_, u) => ({ items: [u % 5, (u + 1) % 5, (u + 2) % 5] }));
    const seen: number[] = [];
    const lines: string[] = [];
    const tuning = tuneEngine({
      sequences: log,
      buildModel: async (rest) => {
        seen.push(rest.length);
        throw new Error('stop here: the log reaching the catalogue is what this test checks');
      },
      minutes: 1,
      seed: 2,
      maxEvents: 30,
      log: (line) => lines.push(line),
    });
    await expect(tuning).rejects.toThrow('stop here');
    expect(seen).toEqual([10]);
    expect(lines.some((l) => l.includes('tuning on 10 of its 30 visitors'))).toBe(true);
  });
  it('scores NDCG@10 from the shown list', () => {
    expect(ndcgAt10([4, 2, 9], 4)).toBe(1);
    expect(ndcgAt10([4, 2, 9], 9)).toBeCloseTo(0.5, 12);
    expect(ndcgAt10([4, 2, 9], 7)).toBe(0);
  });
});

describe('the coordinate search', () => {
  // A smooth objective with its peak at known plan values: the search must find them.
  const peak = (c: TuneCandidate) => 1 - (c.rank.transitionWeight - 0.6) ** 2 - (c.rank.neighborWeight - 1) ** 2 - ((c.neighbors - 100) / 100) ** 2 - (c.rank.popularityWeight - 0.05) ** 2;
  it('climbs to the best plan values and reports the slice and trials', async () => {
    const r = await coordinateSearch({ start: START, objective: async (c) => peak(c), budgetMs: 60_000 });
    expect(r.neighbors).toBe(100);
    expect(r.rank).toMatchObject({ transitionWeight: 0.6, neighborWeight: 1, popularityWeight: 0.05, diversityLambda: 0.55 });
    expect(r.stopped).toBe('plan');
    expect(r.value).toBeGreaterThan(r.baseline);
    expect(r.trials).toBeGreaterThan(TUNE_PLAN.length);
  });
  it('keeps the variety of the defaults unless less of it pays clearly', async () => {
    // λ = 0.85 is 1 % better: not enough to give up diversity (3 % needed); 0.4 is not better at all.
    const r = await coordinateSearch({ start: START, objective: async (c) => (c.rank.diversityLambda === 0.85 ? 0.101 : 0.1), budgetMs: 60_000 });
    expect(r.rank.diversityLambda).toBe(0.55);
    const s = await coordinateSearch({ start: START, objective: async (c) => (c.rank.diversityLambda === 0.85 ? 0.11 : 0.1), budgetMs: 60_000 });
    expect(s.rank.diversityLambda).toBe(0.85);
  });
  it('stops when the budget is spent and says so', async () => {
    const slow = async (c: TuneCandidate) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return peak(c);
    };
    const r = await coordinateSearch({ start: START, objective: slow, budgetMs: 100 });
    expect(r.stopped).toBe('budget');
    expect(r.trials).toBeLessThan(6);
  });
  it('counts the time spent before it, and starts nothing once the budget is gone', async () => {
    let calls = 0;
    const r = await coordinateSearch({ start: START, objective: async (c) => (calls++, peak(c)), budgetMs: 1000, startedAt: performance.now() - 2000 });
    expect(calls).toBe(0);
    expect(r).toMatchObject({ ...START, trials: 0, stopped: 'budget' });
  });
  it("refuses a trial whose caller's estimate does not fit, even when the trials so far were quick", async () => {
    // A new neighbour count costs a catalogue build: estimated far over the budget, so the search stops there.
    const tried: TuneCandidate[] = [];
    const r = await coordinateSearch({
      start: START,
      objective: async (c) => (tried.push(c), peak(c)),
      estimateMs: (c) => (c.neighbors === START.neighbors ? 1 : 10 * 60_000),
      budgetMs: 60_000,
    });
    expect(r.stopped).toBe('budget');
    expect(tried.every((c) => c.neighbors === START.neighbors)).toBe(true);
    // The baseline, then the plan up to the neighbour count: transitionWeight's and neighborWeight's other values.
    expect(r.trials).toBe(1 + 4 + 3);
  });
});

describe('the held-out cases per trial', () => {
  it('keeps 2,000 for catalogues up to 250 k items, and bounds the scoring work past that', () => {
    expect(casesFor(9_742)).toBe(2000);
    expect(casesFor(250_000)).toBe(2000);
    expect(casesFor(1_000_000)).toBe(500);
    expect(casesFor(50_000_000)).toBe(200);
  });
});

/** 120 films in 8 genres, 60 visitors who watch within one genre and in runs (so transitions carry signal). */
function tinyDataset(): Dataset {
  const rng = mulberry32(11);
  const genres = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Sci-Fi', 'Western', 'Animation'];
  const itemIds = Array.from({ length: 120 }, (_, i) => i + 1);
  const users = Array.from({ length: 60 }, (_, u) => {
    const g = u % genres.length;
    const items: number[] = [];
    let at = g * 15 + Math.floor(rng() * 15);
    while (items.length < 10) {
      if (!items.includes(at)) items.push(at);
      at = rng() < 0.7 ? g * 15 + ((at - g * 15 + 1) % 15) : Math.floor(rng() * 120);
    }
    return { userId: u + 1, items };
  });
  return { name: 'tiny', format: 'movielens', itemIds, users, meta: { titles: itemIds.map((i) => `film ${i}`), genres: itemIds.map((i) => [genres[Math.floor((i - 1) / 15)]!]) } };
}

describe('tuning in the eval', () => {
  const tune = (data: Dataset) => tunedEngineSettings(data, splitLeaveOneOut(data).trainSequences, { tuneMinutes: 5, tuneSeed: 1 });
  it('sees TRAIN only: other VALID and TEST events leave the tuned settings identical; another TRAIN event does not', async () => {
    const data = tinyDataset();
    // Every visitor's VALID and TEST (the last two events) replaced by other films.
    const changed: Dataset = { ...data, users: data.users.map((u) => ({ ...u, items: [...u.items.slice(0, -2), (u.items.at(-2)! + 37) % 120, (u.items.at(-1)! + 53) % 120] })) };
    const a = await tune(data);
    const b = await tune(changed);
    expect(a.tuned?.stopped).toBe('plan');
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    // The check can fail: the last TRAIN event (the one tuning holds out) does move the result.
    const trainChanged: Dataset = { ...data, users: data.users.map((u) => ({ ...u, items: [...u.items.slice(0, -3), (u.items.at(-3)! + 61) % 120, ...u.items.slice(-2)] })) };
    const c = await tune(trainChanged);
    expect(c.tuned!.value).not.toBe(a.tuned!.value);
  }, 120_000);
  it('lets explicit engine overrides win over tuned values, and 0 minutes tunes nothing', async () => {
    const data = tinyDataset();
    const train = splitLeaveOneOut(data).trainSequences;
    const s = await tunedEngineSettings(data, train, { tuneMinutes: 5, engine: { neighbors: 77, rank: { transitionWeight: 0.42 } } });
    expect(s.neighbors).toBe(77);
    expect(s.rank.transitionWeight).toBe(0.42);
    const off = await tunedEngineSettings(data, train, { tuneMinutes: 0 });
    expect(off.tuned).toBeUndefined();
  }, 120_000);
});
