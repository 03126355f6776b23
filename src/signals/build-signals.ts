/**
 * Collaborative signals from a site's aggregate logs: popularity, trend, item-to-item co-occurrence and ordered
 * next-item transitions. Pure: `pocketrec build` feeds it parsed logs, the evaluation feeds it TRAIN sequences.
 *
 * Scale: pair counts are gathered one shard of source items at a time, so memory holds the sequences plus one
 * shard's pairs, never all pairs of a 10⁶-item catalogue at once.
 */
export interface Sequence {
  /** Item positions in time order. */
  items: ArrayLike<number>;
  /** Event times in ms, parallel to `items`; needed only for trending. */
  times?: ArrayLike<number>;
  /** Strength of each event (e.g. purchase > view); 1 when absent. */
  weights?: ArrayLike<number>;
  /** 1 where the event put the item in a basket (add to cart or purchase); needed only for bought-together. */
  basket?: ArrayLike<number>;
}

export interface SignalsOptions {
  /** Items up to this many steps apart in one visitor's sequence count as seen together. @defaultValue 5 */
  window: number;
  /** Neighbours kept per item (50 was best of 20/50/100 on MovieLens VALID). @defaultValue 50 */
  maxNeighbors: number;
  /** Trending counts events of the last this many days before `now`. @defaultValue 7 */
  trendingDays: number;
  now: number;
  /** Pair-count shards; more shards, less memory, more passes. @defaultValue 1 + itemCount / 50 000 */
  shards?: number;
  /** Two basket events of one visitor at most this many hours apart count as bought together. @defaultValue 24 */
  basketHours?: number;
  /** Extra trending windows, in days, that `trending({ window })` can ask for. @defaultValue [1, 7, 30] */
  trendingWindows?: readonly number[];
}

export interface NeighborLists {
  /** For each item, its neighbours' positions, best first. */
  targets: Int32Array[];
  weights: Float32Array[];
}

export interface Signals {
  popularity: Float64Array;
  trending: Float64Array;
  neighbors: NeighborLists;
  transitions: NeighborLists;
  boughtTogether: NeighborLists;
  /** Weighted event counts per trending window (days → counts). */
  trendingWindows: Map<number, Float64Array>;
}

export const DEFAULT_SIGNALS_OPTIONS = Object.freeze({ window: 5, maxNeighbors: 50, trendingDays: 7, basketHours: 24, trendingWindows: Object.freeze([1, 7, 30]) });

export type NeighborKind = 'neighbors' | 'transitions' | 'boughtTogether';

/** Receives each item's top neighbours as they are found, shard by shard (so in no particular item order). */
export type NeighborSink = (kind: NeighborKind, source: number, targets: Int32Array, weights: Float32Array) => void;

/** Popularity (all events) and trend (events of the last `trendingDays` before `now`), weighted. */
export function countPopularity(itemCount: number, sequences: readonly Sequence[], options: Pick<SignalsOptions, 'trendingDays' | 'now'>): { popularity: Float64Array; trending: Float64Array } {
  const popularity = new Float64Array(itemCount);
  const trending = new Float64Array(itemCount);
  const since = options.now - options.trendingDays * 86_400_000;
  for (const s of sequences) {
    for (let i = 0; i < s.items.length; i++) {
      const w = s.weights?.[i] ?? 1;
      popularity[s.items[i]!]! += w;
      const t = s.times?.[i];
      if (t !== undefined && t >= since && t <= options.now) trending[s.items[i]!]! += w;
    }
  }
  return { popularity, trending };
}

/** Weighted events of the last `days` before `now`, for each window; the same count as `trending` for its window. */
export function countTrendingWindows(itemCount: number, sequences: readonly Sequence[], now: number, windows: readonly number[]): Map<number, Float64Array> {
  const out = new Map<number, Float64Array>();
  for (const days of windows) out.set(days, countPopularity(itemCount, sequences, { trendingDays: days, now }).trending);
  return out;
}

/** How often each item went into a basket: the damping of bought-together, as popularity is for co-occurrence. */
function countBaskets(itemCount: number, sequences: readonly Sequence[]): Float64Array {
  const out = new Float64Array(itemCount);
  for (const s of sequences) if (s.basket) for (let i = 0; i < s.items.length; i++) if (s.basket[i]) out[s.items[i]!]! += 1;
  return out;
}

/**
 * Streams every item's top co-occurrence neighbours and next-item transitions to `sink`. Nothing but the current
 * shard's pairs is held, so a 10⁶-item catalogue never has all its neighbour lists in memory at once.
 */
export function streamNeighbors(itemCount: number, sequences: readonly Sequence[], popularity: Float64Array, options: SignalsOptions, sink: NeighborSink): void {
  const shards = Math.max(1, options.shards ?? 1 + Math.floor(itemCount / 50_000));
  let baskets: Float64Array | undefined;
  const scratch: SumScratch = { sums: new Float64Array(itemCount), seen: new Int32Array(itemCount), stamp: 0 };
  for (let shard = 0; shard < shards; shard++) {
    const inShard = (item: number) => item % shards === shard;
    const together = new EdgeList();
    const next = new EdgeList();
    const bought = new EdgeList();
    for (const s of sequences) {
      if (s.basket) pushBasketPairs(s, (options.basketHours ?? DEFAULT_SIGNALS_OPTIONS.basketHours) * 3_600_000, inShard, bought);
      const items = s.items;
      for (let i = 0; i < items.length; i++) {
        const a = items[i]!;
        if (!inShard(a)) continue;
        for (let d = 1; d <= options.window; d++) {
          // Closer in the sequence, stronger the tie; both directions count for co-occurrence.
          const w = 1 / d;
          if (i + d < items.length && items[i + d] !== a) together.push(a, items[i + d]!, w);
          if (i - d >= 0 && items[i - d] !== a) together.push(a, items[i - d]!, w);
        }
        if (i + 1 < items.length && items[i + 1] !== a) next.push(a, items[i + 1]!, 1);
      }
    }
    together.collect(options.maxNeighbors, popularity, scratch, shards, shard, (source, t, w) => sink('neighbors', source, t, w));
    next.collect(options.maxNeighbors, null, scratch, shards, shard, (source, t, w) => sink('transitions', source, t, w));
    bought.collect(options.maxNeighbors, (baskets ??= countBaskets(itemCount, sequences)), scratch, shards, shard, (source, t, w) => sink('boughtTogether', source, t, w));
  }
}

/**
 * Bought together: two different items that one visitor put in a basket (cart or purchase) at most `gapMs`
 * apart. Each pair counts once per visitor, so one shopper re-adding an item a dozen times is one vote, not twelve.
 */
function pushBasketPairs(s: Sequence, gapMs: number, inShard: (item: number) => boolean, edges: EdgeList): void {
  const at: number[] = [];
  for (let i = 0; i < s.items.length; i++) if (s.basket![i]) at.push(i);
  const seen = new Set<string>();
  for (let x = 0; x < at.length; x++) {
    const a = s.items[at[x]!]!;
    if (!inShard(a)) continue;
    for (let y = 0; y < at.length; y++) {
      const b = s.items[at[y]!]!;
      if (a === b) continue;
      // Without times every basket event of the visitor is one basket.
      const ta = s.times?.[at[x]!];
      const tb = s.times?.[at[y]!];
      if (ta !== undefined && tb !== undefined && Math.abs(ta - tb) > gapMs) continue;
      const key = `${a},${b}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push(a, b, 1);
    }
  }
}

/** All signals in memory: for catalogues that fit (the evaluation, tests); `pocketrec build` streams instead. */
export function buildSignals(itemCount: number, sequences: readonly Sequence[], options: SignalsOptions): Signals {
  const { popularity, trending } = countPopularity(itemCount, sequences, options);
  const lists = { neighbors: emptyLists(itemCount), transitions: emptyLists(itemCount), boughtTogether: emptyLists(itemCount) };
  streamNeighbors(itemCount, sequences, popularity, options, (kind, source, t, w) => {
    lists[kind].targets[source] = t;
    lists[kind].weights[source] = w;
  });
  return { popularity, trending, ...lists, trendingWindows: countTrendingWindows(itemCount, sequences, options.now, options.trendingWindows ?? DEFAULT_SIGNALS_OPTIONS.trendingWindows) };
}

function emptyLists(n: number): NeighborLists {
  return { targets: Array.from({ length: n }, () => new Int32Array(0)), weights: Array.from({ length: n }, () => new Float32Array(0)) };
}

/** One accumulator for every source's sums, reused: `sums[t]` belongs to the source that set `seen[t]` to its stamp. */
interface SumScratch {
  sums: Float64Array;
  seen: Int32Array;
  /** The last source's stamp; each source of each kind takes the next one. */
  stamp: number;
}

/**
 * Weighted (source, target) pairs in flat typed arrays. Grouping by source is a counting sort, linear in the
 * number of pairs, so even a shard of 10⁷ pairs costs seconds and a few hundred megabytes, not a hash map each.
 */
class EdgeList {
  private src = new Int32Array(1 << 16);
  private dst = new Int32Array(1 << 16);
  private w = new Float32Array(1 << 16);
  private n = 0;

  push(source: number, target: number, weight: number): void {
    if (this.n === this.src.length) {
      const grow = <T extends Int32Array | Float32Array>(a: T, make: (n: number) => T) => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.src = grow(this.src, (n) => new Int32Array(n));
      this.dst = grow(this.dst, (n) => new Int32Array(n));
      this.w = grow(this.w, (n) => new Float32Array(n));
    }
    this.src[this.n] = source;
    this.dst[this.n] = target;
    this.w[this.n] = weight;
    this.n++;
  }

  /**
   * Each source's top targets by summed weight. Co-occurrence is divided by √(popularity of the target) so
   * that a blockbuster seen with everything does not become everyone's nearest neighbour. The sources are one
   * shard's (`shard`, `shard + shards`, …), grouped by a counting sort over the shard's slots only, and summed into
   * `scratch`'s dense accumulator: per shard work and memory follow its pairs, not the catalogue's size.
   */
  collect(keep: number, popularity: Float64Array | null, scratch: SumScratch, shards: number, shard: number, emit: (source: number, targets: Int32Array, weights: Float32Array) => void): void {
    const slots = Math.max(0, Math.ceil((scratch.sums.length - shard) / shards));
    const start = new Uint32Array(slots + 1);
    for (let e = 0; e < this.n; e++) start[((this.src[e]! - shard) / shards) + 1]!++;
    for (let i = 0; i < slots; i++) start[i + 1]! += start[i]!;
    const fill = start.slice(0, slots);
    const order = new Uint32Array(this.n);
    for (let e = 0; e < this.n; e++) order[fill[(this.src[e]! - shard) / shards]!++] = e;
    const { sums, seen } = scratch;
    for (let slot = 0; slot < slots; slot++) {
      const from = start[slot]!;
      const to = start[slot + 1]!;
      if (from === to) continue;
      const source = shard + slot * shards;
      const stamp = ++scratch.stamp;
      // Targets in first-seen order, summed in edge order: the same doubles a Map would hold.
      const targets: number[] = [];
      for (let p = from; p < to; p++) {
        const e = order[p]!;
        const t = this.dst[e]!;
        if (seen[t] !== stamp) {
          seen[t] = stamp;
          sums[t] = 0;
          targets.push(t);
        }
        sums[t]! += this.w[e]!;
      }
      const score = new Float64Array(targets.length);
      for (let k = 0; k < targets.length; k++) {
        const t = targets[k]!;
        score[k] = popularity ? sums[t]! / Math.sqrt(Math.max(1, popularity[t]!)) : sums[t]!;
      }
      const rank = Array.from(targets.keys()).sort((x, y) => score[y]! - score[x]! || targets[x]! - targets[y]!);
      const n = Math.min(keep, rank.length);
      const outTargets = new Int32Array(n);
      const outWeights = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        outTargets[k] = targets[rank[k]!]!;
        outWeights[k] = score[rank[k]!]!;
      }
      emit(source, outTargets, outWeights);
    }
  }
}
