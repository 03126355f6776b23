import type { RankModel } from '../../rank';
import { createProgress } from '../progress';
import { coordinateSearch, holdOutLatest, ndcgAt10, sampleCases, TUNED_RANK_KEYS, type TuneCandidate, type TunedSettings } from '../tune';
import type { Dataset, UserSequence } from './datasets';
import { buildEvalCatalog, engineModel, type EngineEvalSettings } from './engine-model';

export interface EngineTuneOptions {
  minutes: number;
  seed: number;
  /** Held-out visitors scored per trial at most (a seeded draw). @defaultValue 2000 */
  maxUsers?: number;
  log?: (line: string) => void;
}

/**
 * The build's self-tuning on the eval's TRAIN sequences, and nothing else: each visitor's latest TRAIN event is held
 * out, the catalogue is built from the rest, and every candidate is scored through the worker's ranking path
 * (`engineModel`). VALID and TEST never reach this function (its input is `trainSequences`).
 */
export async function tuneEngineOnTrain(data: Dataset, train: readonly UserSequence[], base: EngineEvalSettings, o: EngineTuneOptions): Promise<TunedSettings & { ms: number }> {
  const log = o.log ?? (() => {});
  const { rest, cases: all } = holdOutLatest(train);
  const cases = sampleCases(all, o.maxUsers ?? 2000, o.seed);
  log(`tune: ${cases.length} of ${all.length} visitors' latest TRAIN events held out, budget ${o.minutes} min, seed ${o.seed}`);
  // A neighbour count is a catalogue build; weights only re-rank. One build per count.
  const models = new Map<number, Promise<RankModel>>();
  const modelFor = (neighbors: number) => {
    let m = models.get(neighbors);
    if (!m) models.set(neighbors, (m = buildEvalCatalog(data, rest, { ...base, neighbors })));
    return m;
  };
  const out = new Float64Array(data.itemIds.length);
  const objective = async (c: TuneCandidate) => {
    const model = await modelFor(c.neighbors);
    const scorer = engineModel(model, { ...base, neighbors: c.neighbors, rank: { ...base.rank, ...c.rank } });
    let sum = 0;
    for (const { history, target } of cases) {
      await scorer.score(history, out);
      sum += ndcgAt10(scorer.topK!(out, 10), target);
    }
    return sum / Math.max(cases.length, 1);
  };
  const start: TuneCandidate = { neighbors: base.neighbors, rank: Object.fromEntries(TUNED_RANK_KEYS.map((k) => [k, base.rank[k]])) as TuneCandidate['rank'] };
  let eta: ((done: number) => void) | null = null;
  const tuned = await coordinateSearch({
    start,
    objective,
    budgetMs: o.minutes * 60_000,
    heldOutUsers: cases.length,
    seed: o.seed,
    progress: (done, total) => (eta ??= createProgress('tune trials (plan upper bound)', total, log))(done),
    log,
  });
  log(`tune: ${tuned.tuned.trials} trials in ${(tuned.ms / 1000).toFixed(0)} s (${tuned.tuned.stopped}), held-out NDCG@10 ${tuned.tuned.baseline.toFixed(4)} → ${tuned.tuned.value.toFixed(4)}: neighbors ${tuned.neighbors} ${JSON.stringify(tuned.rank)}`);
  return tuned;
}
