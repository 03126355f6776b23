import { beforeAll, describe, expect, it, vi } from 'vitest';
import { columnsFromItems, recordsFromItems, type CatalogSignals, type Item } from '../../src/catalog';
import { createProfile, DEFAULT_PROFILE_SETTINGS, foldEvent, type BehaviourEvent } from '../../src/profile';
import { createRankModel, createScorer, DEFAULT_RANK_SETTINGS, lookingSimilar, rankIndices, recommend, related, scoreAll, scoreLexical, scoreTerms, searchItems, selectCandidates, type RankModel } from '../../src/rank';
import { createJsKernel, loadVectorKernel, normalize, readInt8Row, type VectorKernel } from '../../src/vector';
import { seededRandom as random } from '../helpers/random';


const NOW = Date.parse('2026-06-01T00:00:00Z');
const DAY = 86_400_000;

/**
 * A shop with clustered vectors (items of a category point roughly the same way, so many items are near-ties and
 * the features decide), every column filled, and collaborative signals: the hard case for a candidate stage.
 */
function shop(kernel: VectorKernel, count: number, dim: number, seed: number, { distinctTags = false } = {}): RankModel {
  const next = random(seed);
  const categories = ['shoes', 'tents', 'stoves', 'books', 'mugs', 'lamps'];
  const centres = categories.map(() => Float32Array.from({ length: dim }, () => next() * 2 - 1));
  const items: Item[] = Array.from({ length: count }, (_, i) => ({
    id: `sku-${i}`,
    title: `item ${i}`,
    category: categories[i % categories.length]!,
    brand: `brand-${Math.floor(next() * 12)}`,
    tags: distinctTags ? [...new Set(Array.from({ length: 1 + Math.floor(next() * 4) }, () => `tag-${Math.floor(next() * 20)}`))] : [`tag-${Math.floor(next() * 20)}`, `tag-${Math.floor(next() * 20)}`],
    price: 5 + Math.floor(next() * 300),
    ...(next() < 0.3 ? { publishedAt: new Date(NOW - Math.floor(next() * 60) * DAY).toISOString() } : {}),
  }));
  const rows = kernel.allocate(count, dim);
  const v = new Float32Array(dim);
  for (let i = 0; i < count; i++) {
    const centre = centres[i % categories.length]!;
    for (let d = 0; d < dim; d++) v[d] = centre[d]! + 0.6 * (next() * 2 - 1);
    normalize(v);
    let max = 0;
    for (const x of v) max = Math.max(max, Math.abs(x));
    rows.scales[i] = max / 127;
    for (let d = 0; d < dim; d++) rows.values[i * dim + d] = Math.round(v[d]! / rows.scales[i]!);
  }
  const id = (i: number) => `sku-${i}`;
  const lists = () => Object.fromEntries(Array.from({ length: count }, (_, i) => [id(i), Array.from({ length: 5 }, () => [id(Math.floor(next() * count)), 1 + next() * 9] as [string, number])]));
  const signals: CatalogSignals = {
    popularity: Object.fromEntries(items.map((it) => [it.id, Math.floor(next() ** 3 * 500)])),
    trending: Object.fromEntries(items.map((it) => [it.id, Math.floor(next() ** 4 * 50)])),
    neighbors: lists(),
    transitions: lists(),
  };
  return createRankModel({ columns: columnsFromItems(items, signals), rows, records: recordsFromItems(items), kernel });
}

function history(model: RankModel, seed: number, length: number) {
  const next = random(seed);
  const profile = createProfile(model.dim);
  const types: BehaviourEvent['type'][] = ['view', 'view', 'click', 'add_to_cart', 'purchase', 'like', 'dismiss'];
  for (let e = 0; e < length; e++) {
    const event: BehaviourEvent = { type: types[Math.floor(next() * types.length)]!, itemId: `sku-${Math.floor(next() * model.count)}`, ts: NOW - (length - e) * 3_600_000, context: { device: next() < 0.5 ? 'mobile' : 'desktop' } };
    foldEvent(profile, event, { space: model, attributesOf: (i) => model.attributesOf(i) });
  }
  return profile;
}

/** The `want` best of a dense score array, skipped items out, ties to the lower index. */
function denseTop(scores: Float32Array, want: number, skip: (i: number) => boolean): number[] {
  return Array.from(scores.keys())
    .filter((i) => !skip(i))
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, want);
}

let wasm: VectorKernel;
beforeAll(async () => {
  wasm = await loadVectorKernel();
});

describe('the candidate stage equals a dense ranking', () => {
  for (const kind of ['wasm', 'js'] as const) {
    it(`${kind}: the pool is the dense top, for cold, short and long histories, with and without a sequence model`, () => {
      const kernel = kind === 'wasm' ? wasm : createJsKernel();
      // 5,000 items against a first scan of 1,024 rows: the stage must prove (or widen) rather than assume.
      const model = shop(kernel, 5000, 24, 11);
      const next = random(12);
      const sequence = Float32Array.from({ length: model.count }, () => next() ** 8);
      for (const [seed, length] of [[1, 0], [2, 3], [3, 40], [4, 200]] as const) {
        const profile = history(model, seed, length);
        for (const withSequence of [false, true]) {
          const request = { k: 10, now: NOW, context: { device: 'mobile' as const }, ...(withSequence ? { sequence } : {}) };
          const ranked = rankIndices(model, profile, request, { ...DEFAULT_RANK_SETTINGS, diversityLambda: 1, maxPerCategory: Infinity });
          const scorer = createScorer(model, profile, DEFAULT_RANK_SETTINGS, DEFAULT_PROFILE_SETTINGS, NOW, request.context, request.sequence);
          const dense = scoreAll(model, scorer);
          const skip = (i: number) => profile.seen.has(i) || profile.purchased.has(i) || profile.dismissed.has(i);
          const expected = denseTop(dense, 50, skip);
          expect(Array.from(ranked.pool), `history ${length}, sequence ${withSequence}`).toEqual(expected);
          expected.forEach((i, p) => expect(ranked.poolScores[p]).toBeCloseTo(dense[i]!, 5));
          expect(ranked.chosen).toEqual(expected.slice(0, 10));
        }
      }
    });
  }

  for (const kind of ['wasm', 'js'] as const) {
    it(`${kind}: boosted items that are also the scan's best count once (every item's neighbours are the most popular)`, () => {
      const base = shop(kind === 'wasm' ? wasm : createJsKernel(), 3000, 16, 15);
      // Items 0..59 are the most popular by far (the scan's best) and everyone's neighbours (boosted), with boosts
      // small enough that order among them is still open: the stage must not count one item as two seeds.
      const popular = 60;
      const popularity = Float32Array.from({ length: base.count }, (_, i) => (i < popular ? 1 - i / 1000 : 0.1 * base.popularity[i]!));
      const offsets = Uint32Array.from({ length: base.count + 1 }, (_, i) => i * 8);
      const targets = Uint32Array.from({ length: base.count * 8 }, (_, p) => (p * 7 + Math.floor(p / 8)) % popular);
      const weights = Uint16Array.from({ length: base.count * 8 }, (_, p) => 1000 + ((p * 2654435761) % 60000));
      const records = { count: base.count, load: async () => {}, get: (i: number) => ({ id: base.ids[i]!, title: base.titleOf(i) }) };
      const model = createRankModel({ columns: { ...base, popularity, neighbors: { offsets, targets, weights } }, rows: base.rows, records, kernel: base.kernel });
      for (const [seed, length] of [[7, 5], [8, 40]] as const) {
        const profile = history(model, seed, length);
        const settings = { ...DEFAULT_RANK_SETTINGS, popularityWeight: 2, diversityLambda: 1, maxPerCategory: Infinity };
        const ranked = rankIndices(model, profile, { k: 10, now: NOW }, settings);
        const dense = scoreAll(model, createScorer(model, profile, settings, DEFAULT_PROFILE_SETTINGS, NOW));
        const skip = (i: number) => profile.seen.has(i) || profile.purchased.has(i) || profile.dismissed.has(i);
        const expected = denseTop(dense, 50, skip);
        expect(expected.filter((i) => i < popular).length, 'the boosted popular items fill most of the top').toBeGreaterThan(30);
        expect(Array.from(ranked.pool), `history ${length}`).toEqual(expected);
        expected.forEach((i, p) => expect(ranked.poolScores[p]).toBeCloseTo(dense[i]!, 5));
      }
    });
  }

  it('bounds every item\'s features, with tags repeated or distinct, and the pool is still the dense top', () => {
    for (const distinctTags of [false, true]) {
      const model = shop(wasm, 4000, 16, 13, { distinctTags });
      for (const [seed, length] of [[5, 4], [6, 60]] as const) {
        const profile = history(model, seed, length);
        const request = { k: 10, now: NOW, context: { device: 'desktop' as const } };
        // Each term's bound alone as well as all together: a loose term must not hide a wrong one.
        const only = { freshnessWeight: 0, categoryWeight: 0, contextWeight: 0, tagWeight: 0, brandWeight: 0, priceWeight: 0 };
        for (const settings of [DEFAULT_RANK_SETTINGS, { ...DEFAULT_RANK_SETTINGS, ...only, tagWeight: 1 }, { ...DEFAULT_RANK_SETTINGS, ...only, categoryWeight: 1, contextWeight: 1 }]) {
          const alone = createScorer(model, profile, settings, DEFAULT_PROFILE_SETTINGS, NOW, request.context);
          let top = 0;
          for (let i = 0; i < model.count; i++) top = Math.max(top, alone.features(i));
          expect(top, `distinct ${distinctTags}, history ${length}`).toBeLessThanOrEqual(alone.featureBound + 1e-9);
        }
        const scorer = createScorer(model, profile, DEFAULT_RANK_SETTINGS, DEFAULT_PROFILE_SETTINGS, NOW, request.context);
        let most = 0;
        for (let i = 0; i < model.count; i++) most = Math.max(most, scorer.features(i));
        // The tag term's cap alone (tagWeight) is not what bounds it: a varied history spreads its tag weights.
        if (length === 60) expect(scorer.featureBound).toBeLessThan(most + DEFAULT_RANK_SETTINGS.tagWeight);
        const ranked = rankIndices(model, profile, request, { ...DEFAULT_RANK_SETTINGS, diversityLambda: 1, maxPerCategory: Infinity });
        const skip = (i: number) => profile.seen.has(i) || profile.purchased.has(i) || profile.dismissed.has(i);
        expect(Array.from(ranked.pool), `distinct ${distinctTags}, history ${length}`).toEqual(denseTop(scoreAll(model, scorer), 50, skip));
      }
    }
  });

  it('reuses no answer of an earlier request: each equals what a freshly loaded ranking module gives', async () => {
    // The ranking keeps scratch memory between calls; a fresh module instance has none, so any state that leaked
    // from one request into the next shows up as a difference.
    const model = shop(wasm, 3000, 16, 17);
    const requests = [
      { profile: history(model, 1, 40), request: { k: 10, now: NOW, filter: { categories: ['tents', 'books'], maxPrice: 200 } } },
      { profile: history(model, 2, 3), request: { k: 10, now: NOW } },
      { profile: history(model, 3, 200), request: { k: 8, now: NOW, exclude: new Set([0, 1, 2, 3]), pinned: [9, 10], explore: true } },
      { profile: createProfile(16), request: { k: 12, now: NOW, context: { device: 'mobile' as const } } },
      { profile: history(model, 1, 40), request: { k: 10, now: NOW } },
      { profile: history(model, 4, 25), request: { k: 6, now: NOW, filter: { minPrice: 100 }, explore: true } },
    ];
    const first = rankIndices(model, requests[0]!.profile, requests[0]!.request);
    const firstPool = Array.from(first.pool);
    const firstScores = Array.from(first.poolScores);
    const again = requests.map(({ profile, request }) => recommend(model, profile, request));
    const fresh: Array<ReturnType<typeof recommend>> = [];
    for (const { profile, request } of requests) {
      vi.resetModules();
      const rank = await import('../../src/rank');
      fresh.push(rank.recommend(model, profile, request));
    }
    again.forEach((got, r) => expect(got, `request ${r}`).toEqual(fresh[r]));
    expect(recommend(model, requests[0]!.profile, requests[0]!.request), 'the first request asked again').toEqual(fresh[0]);
    // What an earlier ranking handed out stays as it was after later requests.
    expect(Array.from(first.pool)).toEqual(firstPool);
    expect(Array.from(first.poolScores)).toEqual(firstScores);
    expect(first.chosen).toEqual(fresh[0]!.map((r) => r.index));
  });

  it('honours filters, exclusions and pinned items through the skip mask', () => {
    const model = shop(wasm, 3000, 16, 21);
    const profile = history(model, 5, 30);
    const filter = { categories: ['tents', 'mugs'], maxPrice: 150 };
    const exclude = new Set([1, 2, 3, 7]);
    const ranked = rankIndices(model, profile, { k: 8, now: NOW, filter, exclude, pinned: [4, 5] }, { ...DEFAULT_RANK_SETTINGS, diversityLambda: 1, maxPerCategory: Infinity });
    const dense = scoreAll(model, createScorer(model, profile, DEFAULT_RANK_SETTINGS, DEFAULT_PROFILE_SETTINGS, NOW));
    const names = model.categories.names;
    const skip = (i: number) =>
      exclude.has(i) || i === 4 || i === 5 || profile.seen.has(i) || profile.purchased.has(i) || profile.dismissed.has(i) || !filter.categories.includes(names[model.categories.codes[i]!]!) || !(model.prices[i]! <= 150);
    expect(ranked.pinned).toEqual([4, 5]);
    expect(Array.from(ranked.pool)).toEqual(denseTop(dense, 30, skip));
  });

  it('scores an item the same whether the scan, the boosts or scoreOf reached it', () => {
    const model = shop(wasm, 2000, 16, 31);
    const profile = history(model, 6, 25);
    const ranked = rankIndices(model, profile, { k: 10, now: NOW });
    const dense = ranked.scores;
    for (const i of [0, 17, 999, 1999, ...ranked.pool.subarray(0, 5)]) expect(ranked.scoreOf(i)).toBeCloseTo(dense[i]!, 5);
  });

  it('returns nothing for want 0 and everything eligible when the catalogue is smaller than the scan', () => {
    const model = shop(wasm, 40, 8, 41);
    const scorer = createScorer(model, createProfile(8), DEFAULT_RANK_SETTINGS, DEFAULT_PROFILE_SETTINGS, NOW);
    expect(selectCandidates(model, scorer, 0, new Uint8Array(40)).indices).toHaveLength(0);
    const skip = Uint8Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    expect(selectCandidates(model, scorer, 100, skip).indices).toHaveLength(30);
  });
});

describe('similar and search run on the same stage', () => {
  it('related to one item (similar) equals a dense scan of the source row plus its neighbours', () => {
    const model = shop(wasm, 3000, 16, 51);
    const source = 123;
    const got = related(model, [source], { k: 10, threshold: -Infinity, fallback: 'none' }).map((r) => r.index);
    const row = new Float32Array(16);
    for (let d = 0; d < 16; d++) row[d] = model.rows.values[source * 16 + d]! * model.rows.scales[source]!;
    const dense = model.kernel.score(model.rows, [{ vector: row, weight: 1 }]);
    const n = model.neighbors!;
    for (let p = n.offsets[source]!; p < n.offsets[source + 1]!; p++) dense[n.targets[p]!]! += 0.2 * (n.weights[p]! / 65_535);
    expect(got).toEqual(denseTop(dense, 10, (i) => i === source));
  });

  it('searchItems ranks by words, meaning and taste in one pass, within the filter', () => {
    const model = shop(wasm, 3000, 16, 61);
    const q = normalize(Float32Array.from({ length: 16 }, (_, d) => Math.sin(d + 1)));
    const taste = normalize(Float32Array.from({ length: 16 }, (_, d) => Math.cos(d)));
    const got = searchItems(model, { query: 'item 42', vector: q, k: 5, taste, filter: { categories: ['books'] } }).map((r) => r.index);
    const words = scoreLexical(model.lexical, 'item 42', new Float32Array(model.count));
    expect(words[42]).toBe(1);
    const dense = model.kernel.score(model.rows, [{ vector: q, weight: 1 }, { vector: taste, weight: 0.1 }], undefined, words);
    expect(got).toEqual(denseTop(dense, 5, (i) => model.categories.names[model.categories.codes[i]!] !== 'books'));
  });

  it('related to several seeds equals a dense mean of their cosines plus their neighbours, on both kernels', () => {
    for (const kernel of [wasm, createJsKernel()]) {
      const model = shop(kernel, 3000, 16, 71);
      const seeds = [5, 400, 2999];
      const got = related(model, seeds, { k: 12, threshold: -Infinity, fallback: 'none' });
      const dense = new Float32Array(model.count);
      const n = model.neighbors!;
      for (const seed of seeds) {
        const one = model.kernel.score(model.rows, [{ vector: readInt8Row(model.rows, seed), weight: 1 }]);
        for (let i = 0; i < model.count; i++) dense[i]! += one[i]! / seeds.length;
        for (let p = n.offsets[seed]!; p < n.offsets[seed + 1]!; p++) dense[n.targets[p]!]! += (0.2 * (n.weights[p]! / 65_535)) / seeds.length;
      }
      const expected = denseTop(dense, 12, (i) => seeds.includes(i));
      expect(got.map((r) => r.index), kernel.kind).toEqual(expected);
      got.forEach((r, p) => expect(r.score).toBeCloseTo(dense[expected[p]!]!, 5));
      // The reason names one of the seeds, and a look-alike that is no neighbour is explained by resemblance.
      for (const r of got) expect(seeds).toContain((r.reason as { source: number }).source);
      const cut = got[5]!.score;
      expect(related(model, seeds, { k: 12, threshold: cut, fallback: 'none' }).map((r) => r.index)).toEqual(expected.slice(0, 6));
    }
  });

  it('lookingSimilar is the dense top of one row, without neighbours', () => {
    const model = shop(wasm, 3000, 16, 81);
    const got = lookingSimilar(model, 77, { k: 8, threshold: -Infinity, fallback: 'none' }).map((r) => r.index);
    const dense = model.kernel.score(model.rows, [{ vector: readInt8Row(model.rows, 77), weight: 1 }]);
    expect(got).toEqual(denseTop(dense, 8, (i) => i === 77));
  });

  it('searchItems with a threshold keeps the dense top of those whose relevance clears it, taste aside', () => {
    const model = shop(wasm, 3000, 16, 91);
    const q = normalize(Float32Array.from({ length: 16 }, (_, d) => Math.sin(3 * d + 1)));
    const taste = normalize(Float32Array.from({ length: 16 }, (_, d) => Math.cos(2 * d)));
    const words = scoreLexical(model.lexical, 'item 7', new Float32Array(model.count));
    const relevance = model.kernel.score(model.rows, [{ vector: q, weight: 1 }], undefined, words);
    const full = model.kernel.score(model.rows, [{ vector: q, weight: 1 }, { vector: taste, weight: 0.1 }], undefined, words);
    // A threshold that only a few dozen items clear: the candidate stage has to widen past k to find them all.
    const threshold = [...relevance].sort((a, b) => b - a)[40]!;
    const got = searchItems(model, { query: 'item 7', vector: q, k: 45, taste, threshold }).map((r) => r.index);
    expect(got).toEqual(denseTop(full, 45, (i) => relevance[i]! < threshold));
    expect(got.length).toBeGreaterThanOrEqual(41);
  });

  it('reports terms that sum to the score of each result on a large catalogue (the scan split per query)', () => {
    const model = shop(wasm, 3000, 16, 101);
    const profile = history(model, 9, 30);
    foldEvent(profile, { type: 'search', query: 'item', ts: NOW - 1000 }, { space: model, attributesOf: (i) => model.attributesOf(i), textVector: normalize(Float32Array.from({ length: 16 }, (_, d) => Math.sin(d))) });
    const request = { k: 10, now: NOW, context: { device: 'mobile' as const } };
    const ranked = rankIndices(model, profile, request);
    for (const index of ranked.chosen) {
      const terms = scoreTerms(model, profile, DEFAULT_RANK_SETTINGS, DEFAULT_PROFILE_SETTINGS, NOW, index, request.context);
      expect(terms.reduce((sum, t) => sum + t.value, 0)).toBeCloseTo(ranked.scoreOf(index), 4);
      expect(terms.map((t) => t.term)).toEqual(expect.arrayContaining(['history', 'intent', 'negative', 'popularity', 'trending', 'neighbors', 'transitions']));
    }
    expect(recommend(model, profile, request)).toHaveLength(10);
  });
});

describe('neighbour and transition boosts age on the visitor’s clock', () => {
  it('a history months old at the request gets the boosts it got the moment it ended', () => {
    const model = shop(wasm, 2000, 16, 5);
    const profile = history(model, 9, 30);
    const settings = { ...DEFAULT_RANK_SETTINGS, neighborWeight: 0.3, transitionWeight: 0.5 };
    const then = createScorer(model, profile, settings, DEFAULT_PROFILE_SETTINGS, NOW).boosts;
    const later = createScorer(model, profile, settings, DEFAULT_PROFILE_SETTINGS, NOW + 180 * DAY).boosts;
    expect(then.indices.length).toBeGreaterThan(0);
    expect(Array.from(later.indices)).toEqual(Array.from(then.indices));
    expect(Array.from(later.values)).toEqual(Array.from(then.values));
    // The reasons' report of the same terms follows the same clock.
    const boosted = then.indices[0]!;
    const term = (now: number, name: string) => scoreTerms(model, profile, settings, DEFAULT_PROFILE_SETTINGS, now, boosted).find((t) => t.term === name)?.value ?? 0;
    for (const name of ['neighbors', 'transitions']) expect(term(NOW + 180 * DAY, name)).toBe(term(NOW, name));
    expect(term(NOW, 'neighbors') + term(NOW, 'transitions')).toBeGreaterThan(0);
  });

  it('within the history, older events still count less than recent ones', () => {
    const model = shop(wasm, 2000, 16, 5);
    const attributesOf = (i: number) => model.attributesOf(i);
    const settings = { ...DEFAULT_RANK_SETTINGS, neighborWeight: 1, transitionWeight: 0 };
    // sku-1 viewed some time before sku-2, the latest event: sku-1's neighbours weigh less the longer the gap.
    const totalBoost = (gap: number) => {
      const profile = createProfile(model.dim);
      foldEvent(profile, { type: 'view', itemId: 'sku-1', ts: NOW - gap }, { space: model, attributesOf });
      foldEvent(profile, { type: 'view', itemId: 'sku-2', ts: NOW }, { space: model, attributesOf });
      return createScorer(model, profile, settings, DEFAULT_PROFILE_SETTINGS, NOW).boosts.values.reduce((a, v) => a + v, 0);
    };
    expect(totalBoost(60 * DAY)).toBeLessThan(totalBoost(3_600_000));
  });
});
