import type { Profile } from '../profile';
import { dotRow } from '../vector';
import type { RankModel, Reason } from './types';

const VERBS: Record<string, string> = {
  view: 'viewed',
  click: 'viewed',
  like: 'liked',
  add_to_cart: 'added',
  purchase: 'bought',
  rate: 'rated',
  review: 'reviewed',
};

/** Above this share of its first choice, the sequence model's vote is evidence worth naming. */
const SEQUENCE_EVIDENCE = 0.25;
/** Content resemblance this close explains a result better than "comes next" does. */
const CLOSE_RESEMBLANCE = 0.5;

/**
 * Picks the evidence that best explains a personalised result: the recent item most similar to it
 * (candidate-aware, so each result names its own cause), what the sequence model expects next, a search intent,
 * or a non-personal signal. `sequence` holds the sequence model's relative probabilities, when a model ran.
 */
export function reasonFor(model: RankModel, profile: Profile, index: number, now: number, sequence?: Float32Array): Reason {
  const row = model.vectors.subarray(index * model.dim, (index + 1) * model.dim);
  let best: Reason | null = null;
  // A weak but real resemblance still beats a generic reason; sharing the category counts as resemblance.
  let bestSim = 0.05;
  const category = model.categories[index];
  for (const event of profile.recent) {
    if (event.weight <= 0 || event.index === index) continue;
    const sim = dotRow(model.vectors, event.index, row) + (category !== undefined && model.categories[event.index] === category ? 0.1 : 0);
    if (sim > bestSim) (bestSim = sim), (best = { kind: 'history', source: event.index, eventType: event.type });
  }
  const latest = [...profile.recent].reverse().find((e) => e.weight > 0 && e.index !== index);
  if (latest && bestSim < CLOSE_RESEMBLANCE && (sequence?.[index] ?? 0) >= SEQUENCE_EVIDENCE) best = { kind: 'next', source: latest.index };
  if (profile.lastQuery && profile.intents.mass > 0) {
    const query = Float32Array.from(profile.intents.vector);
    let norm = 0;
    for (const x of query) norm += x * x;
    const sim = norm > 0 ? dotRow(model.vectors, index, query) / Math.sqrt(norm) : 0;
    if (sim > bestSim) best = { kind: 'search', query: profile.lastQuery };
  }
  if (best) return best;
  const age = now - model.publishedMs[index]!;
  if (model.trending[index]! > 0.5) return { kind: 'trending' };
  if (model.popularity[index]! > 0.5) return { kind: 'popular' };
  if (age >= 0 && age < 30 * 86_400_000) return { kind: 'fresh' };
  if (category !== undefined && (profile.categoryAffinity.get(category) ?? 0) > 0) return { kind: 'category', category };
  return { kind: 'catalog' };
}

export function explain(model: RankModel, reason: Reason): string {
  const title = (i: number) => `“${model.titles[i]}”`;
  switch (reason.kind) {
    case 'history':
      return `Because you ${VERBS[reason.eventType] ?? 'viewed'} ${title(reason.source)}`;
    case 'search':
      return `Matches your search “${reason.query}”`;
    case 'similar':
      return `Similar to ${title(reason.source)}`;
    case 'also-liked':
      return `Often chosen with ${title(reason.source)}`;
    case 'next':
      return `Often comes after ${title(reason.source)}`;
    case 'popular':
      return 'Popular with other visitors';
    case 'trending':
      return reason.category === undefined ? 'Trending now' : `Trending in ${reason.category}`;
    case 'bought-together':
      return `Often bought with ${title(reason.source)}`;
    case 'looks-like':
      return `Looks like ${title(reason.source)}`;
    case 'brand':
      return `More from ${reason.brand}`;
    case 'tag':
      return `More ${reason.tag} for you`;
    case 'price':
      return 'In your usual price range';
    case 'fresh':
      return 'New arrival';
    case 'category':
      return `More in ${reason.category}`;
    case 'pinned':
      return 'Featured';
    case 'explore':
      return 'Something different for you';
    case 'catalog':
      return 'From the catalogue';
  }
}
