import { tuneEngine, type TunedSettings } from '../tune';
import type { Dataset, UserSequence } from './datasets';
import { buildEvalCatalog, type EngineEvalSettings } from './engine-model';

export interface EngineTuneOptions {
  minutes: number;
  seed: number;
  log?: (line: string) => void;
}

/**
 * `pocketrec build`'s self-tuning on the eval's TRAIN sequences, and nothing else: the build's tuner with the eval's
 * catalogue build. VALID and TEST never reach this function (its input is `trainSequences`).
 */
export function tuneEngineOnTrain(data: Dataset, train: readonly UserSequence[], base: EngineEvalSettings, o: EngineTuneOptions): Promise<TunedSettings & { ms: number }> {
  return tuneEngine({
    sequences: train,
    buildModel: (rest, neighbors) => buildEvalCatalog(data, rest, { ...base, neighbors }),
    minutes: o.minutes,
    seed: o.seed,
    rank: base.rank,
    profile: base.profile,
    neighbors: base.neighbors,
    ...(o.log ? { log: o.log } : {}),
  });
}
