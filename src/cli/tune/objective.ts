import { createProfile, foldEvent, type Profile, type ProfileSettings } from '../../profile';
import { rankIndices, type RankModel, type RankSettings } from '../../rank';
import { ndcgAt10 } from './held-out';
import type { HeldOutCase } from './types';

const HOUR = 3_600_000;

/**
 * Mean NDCG@10 of the held-out cases through the worker's ranking path: each history item a `view` event an hour
 * apart folded into a fresh profile, then the hybrid score and MMR re-ranking, and the shown ten compared with the
 * held-out event. The sequence model is not part of it (its tuning comes later).
 *
 * The profiles depend on the catalogue and the profile settings, never on the rank settings a trial changes, so
 * they are folded once here and every trial only ranks (ranking reads a profile, it never writes one).
 */
export function heldOutObjective(model: RankModel, cases: readonly HeldOutCase[], profileSettings: ProfileSettings): (rank: RankSettings) => number {
  const space = { space: model, attributesOf: (i: number) => model.attributesOf(i) };
  const profiles: Profile[] = cases.map(({ history }) => {
    const profile = createProfile(model.dim);
    history.forEach((index, p) => foldEvent(profile, { type: 'view', itemId: model.ids[index]!, ts: (p + 1) * HOUR }, space, profileSettings));
    return profile;
  });
  return (rank) => {
    let sum = 0;
    cases.forEach(({ history, target }, j) => {
      sum += ndcgAt10(rankIndices(model, profiles[j]!, { k: 10, now: (history.length + 1) * HOUR }, rank, profileSettings).chosen, target);
    });
    return sum / Math.max(cases.length, 1);
  };
}
