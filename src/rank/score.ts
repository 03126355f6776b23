import type { Profile, ProfileSettings } from '../profile';
import { dotRow, normalize } from '../vector';
import type { RankModel, RankSettings } from './types';

const DAY_MS = 86_400_000;

/** The user's taste as one query vector: long-term interests, tilted towards this session and explicit intents. */
export function tasteVector(profile: Profile, settings: RankSettings): Float32Array | null {
  const dim = profile.longTerm.vector.length;
  const out = new Float32Array(dim);
  let any = false;
  const add = (v: Float32Array, w: number) => {
    const unit = normalize(Float32Array.from(v));
    for (let i = 0; i < dim; i++) out[i]! += w * unit[i]!;
  };
  if (profile.longTerm.mass > 0) (add(profile.longTerm.vector, 1), (any = true));
  if (profile.session.mass > 0) (add(profile.session.vector, settings.sessionWeight), (any = true));
  if (profile.intents.mass > 0) (add(profile.intents.vector, settings.intentWeight), (any = true));
  return any ? normalize(out) : null;
}

/**
 * Hybrid score of every item into `out`: content similarity to the taste vector, minus similarity to what was
 * dismissed, plus collaborative neighbours and next-item transitions of the recent sequence, popularity,
 * trend, freshness and category affinity. All terms are on comparable [0, 1]-ish scales so weights mean what
 * they say.
 */
export function scoreItems(model: RankModel, profile: Profile, settings: RankSettings, profileSettings: ProfileSettings, now: number, out: Float32Array): Float32Array {
  const taste = tasteVector(profile, settings);
  const negative = profile.negative.mass > 0 ? normalize(Float32Array.from(profile.negative.vector)) : null;
  const freshMs = settings.freshnessDays * DAY_MS;
  const totalAffinity = [...profile.categoryAffinity.values()].reduce((a, b) => a + Math.max(0, b), 0);

  for (let i = 0; i < model.count; i++) {
    let s = 0;
    if (taste) s += dotRow(model.vectors, i, taste);
    if (negative) s -= settings.negativeWeight * Math.max(0, dotRow(model.vectors, i, negative));
    s += settings.popularityWeight * model.popularity[i]! + settings.trendingWeight * model.trending[i]!;
    const age = now - model.publishedMs[i]!;
    if (age >= 0 && age < freshMs) s += settings.freshnessWeight * (1 - age / freshMs);
    const category = model.categories[i];
    if (totalAffinity > 0 && category !== undefined) s += settings.categoryWeight * Math.max(0, profile.categoryAffinity.get(category) ?? 0) / totalAffinity;
    out[i] = s;
  }

  const halfLife = profileSettings.halfLifeDays * DAY_MS;
  addSequenceSignal(model.neighbors, profile, settings.neighborWeight, now, halfLife, out);
  // Transitions speak about what comes right after the latest items, so only the last few count.
  addSequenceSignal(model.transitions, { ...profile, recent: profile.recent.slice(-3) }, settings.transitionWeight, now, halfLife, out);
  return out;
}

function addSequenceSignal(rows: RankModel['neighbors'], profile: Pick<Profile, 'recent'>, weight: number, now: number, halfLifeMs: number, out: Float32Array): void {
  if (!rows || weight === 0 || profile.recent.length === 0) return;
  const n = profile.recent.length;
  profile.recent.forEach((event, position) => {
    if (event.weight <= 0) return;
    // Later events count more, both by position in the sequence and by age.
    const recency = Math.pow(2, -(now - event.ts) / halfLifeMs) * ((position + 1) / n);
    for (let p = rows.offsets[event.index]!; p < rows.offsets[event.index + 1]!; p++) {
      out[rows.targets[p]!]! += weight * recency * rows.weights[p]!;
    }
  });
}
