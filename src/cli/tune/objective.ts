import { createProfile, foldEvent, type ProfileSettings } from '../../profile';
import { rankIndices, type RankModel, type RankSettings } from '../../rank';
import { ndcgAt10 } from './held-out';
import type { HeldOutCase } from './types';

const HOUR = 3_600_000;

/**
 * Mean NDCG@10 of the held-out cases through the worker's ranking path: each history item a `view` event an hour
 * apart folded into a fresh profile, then the hybrid score and MMR re-ranking, and the shown ten compared with the
 * held-out event. The sequence model is not part of it (its tuning comes later).
 */
export function heldOutNdcg(model: RankModel, cases: readonly HeldOutCase[], rank: RankSettings, profileSettings: ProfileSettings): number {
  let sum = 0;
  const space = { space: model, attributesOf: (i: number) => model.attributesOf(i) };
  for (const { history, target } of cases) {
    const profile = createProfile(model.dim);
    history.forEach((index, p) => foldEvent(profile, { type: 'view', itemId: model.ids[index]!, ts: (p + 1) * HOUR }, space, profileSettings));
    sum += ndcgAt10(rankIndices(model, profile, { k: 10, now: (history.length + 1) * HOUR }, rank, profileSettings).chosen, target);
  }
  return sum / Math.max(cases.length, 1);
}
