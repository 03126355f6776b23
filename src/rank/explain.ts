import type { Profile } from '../profile';
import { dotInt8Row, readInt8Row } from '../vector';
import { latestEvent, type TermContribution } from './score';
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

/**
 * The reason for a personalised result is the term that added most to its score (`scoreTerms`) among those that
 * lift it above the catalogue's average item (a resemblance every item shares explains nothing), named with the
 * evidence behind it: the recent item it came from, the query, the category. A term that cannot be named (a
 * history term with no recent item resembling the result) gives way to the next largest, so a reason is never
 * invented; with no positive term at all the result is simply from the catalogue.
 */
export function reasonFromTerms(model: RankModel, profile: Profile, index: number, terms: readonly TermContribution[], closest: ClosestRecent = (i) => closestRecent(model, profile, i)): Reason {
  // A term this item gets no more of than the average item does explains nothing about it, however large.
  const left = terms.filter((t) => t.value > 0 && (t.lift === undefined || t.lift > 0));
  // Largest first, the earlier of equal ones first (a stable sort's order), taken one at a time: the first term
  // usually names the reason, so sorting them all was wasted.
  while (left.length > 0) {
    let top = 0;
    for (let j = 1; j < left.length; j++) if (left[j]!.value > left[top]!.value) top = j;
    const reason = nameTerm(model, profile, index, left[top]!, closest);
    if (reason) return reason;
    left.splice(top, 1);
  }
  return { kind: 'catalog' };
}

/** The recent event that put most into an item's history term (see `closestRecent`), or undefined. */
export type ClosestRecent = (index: number) => Profile['recent'][number] | undefined;

/**
 * `closestRecent` for the results of one request: their resemblance to every recent item in one kernel call
 * (int8, in WASM where it runs) on first use, instead of a dot product per result and recent item in JS.
 */
export function createClosestRecent(model: RankModel, profile: Profile, indices: readonly number[]): ClosestRecent {
  let sims: Float32Array | undefined;
  const recent = profile.recent;
  return (index) => {
    const at = indices.indexOf(index);
    if (at < 0) return closestRecent(model, profile, index);
    sims ??= model.kernel.dots(model.rows, indices, recent.map((e) => e.index));
    return mostShared(recent, index, (p) => sims![at * recent.length + p]!);
  };
}

function nameTerm(model: RankModel, profile: Profile, index: number, { term, source }: TermContribution, closest: ClosestRecent): Reason | null {
  const code = model.categories.codes[index]!;
  const category = code === 0 ? undefined : model.categories.names[code];
  switch (term) {
    case 'history':
    case 'attention': {
      const event = source === undefined ? closest(index) : latestEvent(profile.recent, (e) => e.index === source);
      return event ? { kind: 'history', source: event.index, eventType: event.type } : null;
    }
    case 'intent':
      return profile.lastQuery ? { kind: 'search', query: profile.lastQuery } : null;
    case 'neighbors':
      return source === undefined ? null : { kind: 'also-liked', source };
    case 'transitions':
    case 'sequence':
      return source === undefined ? null : { kind: 'next', source };
    case 'popularity':
      return { kind: 'popular' };
    case 'trending':
      return { kind: 'trending' };
    case 'fresh':
      return { kind: 'fresh' };
    case 'category':
    case 'context':
      return category === undefined ? null : { kind: 'category', category };
    case 'tag': {
      let best: string | null = null;
      for (let p = model.tags.offsets[index]!; p < model.tags.offsets[index + 1]!; p++) {
        const tag = model.tagNames[model.tags.codes[p]!]!;
        if ((profile.tagAffinity.get(tag) ?? 0) > (best === null ? 0 : profile.tagAffinity.get(best)!)) best = tag;
      }
      return best === null ? null : { kind: 'tag', tag: best };
    }
    case 'brand': {
      const brand = model.brands.codes[index]!;
      return brand === 0 ? null : { kind: 'brand', brand: model.brands.names[brand]! };
    }
    case 'price':
      return { kind: 'price' };
    case 'negative':
      return null;
  }
}

/**
 * The recent item that put most into the history term: the taste vector is a decayed sum of the items' vectors,
 * so each item's share of the dot product is its weight times its own resemblance to the result.
 */
function closestRecent(model: RankModel, profile: Profile, index: number): Profile['recent'][number] | undefined {
  const row = readInt8Row(model.rows, index);
  return mostShared(profile.recent, index, (p) => dotInt8Row(model.rows, profile.recent[p]!.index, row));
}

/** The recent positive event (other than the item itself) with the largest weight × resemblance `simAt(position)`. */
function mostShared(recent: Profile['recent'], index: number, simAt: (position: number) => number): Profile['recent'][number] | undefined {
  let best: Profile['recent'][number] | undefined;
  let bestShare = 0;
  for (let p = 0; p < recent.length; p++) {
    const event = recent[p]!;
    if (event.weight <= 0 || event.index === index) continue;
    const share = event.weight * simAt(p);
    if (share > bestShare) (bestShare = share), (best = event);
  }
  return best;
}

export function explain(model: RankModel, reason: Reason): string {
  const title = (i: number) => `“${model.titleOf(i)}”`;
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
