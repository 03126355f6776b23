import { columnsFromItems, recordsFromItems, type CatalogSignals, type Item } from '../../catalog';
import { createLexicalEncoder, fitLexicalModel } from '../../encoder';
import { createProfile, DEFAULT_PROFILE_SETTINGS, foldEvent, type ProfileSettings } from '../../profile';
import { createRankModel, DEFAULT_RANK_SETTINGS, rankIndices, type RankModel, type RankSettings } from '../../rank';
import { DEFAULT_SIGNALS_OPTIONS, type NeighborLists } from '../../signals';
import { signalsFromSequences } from '../build';
import { loadVectorKernel, quantizeRows } from '../../vector';
import { relativeProbabilities, sequenceHistory } from '../../sequence';
import type { SequenceModel } from '../../onnx';
import { chooseVectors, parseVectorsChoice, shrinkVectors, type VectorsChoice } from '../build';
import type { ScoringModel } from './baselines';
import type { Dataset, UserSequence } from './datasets';

export interface EngineEvalSettings {
  rank: RankSettings;
  profile: ProfileSettings;
  /** Neighbours kept per item by the catalogue build. */
  neighbors: number;
  /** Co-occurrence window of the catalogue build, in positions. */
  window: number;
  useContent: boolean;
  /**
   * The content vectors as `pocketrec build --vectors` would ship them (`pca-128`: a PCA to 128 dims, the queries
   * and history folded through the same projection), so that what a size choice costs is measured here.
   */
  vectors: VectorsChoice;
}

export const DEFAULT_ENGINE_EVAL: EngineEvalSettings = {
  rank: DEFAULT_RANK_SETTINGS,
  profile: DEFAULT_PROFILE_SETTINGS,
  neighbors: DEFAULT_SIGNALS_OPTIONS.maxNeighbors,
  window: DEFAULT_SIGNALS_OPTIONS.window,
  useContent: true,
  vectors: 'full',
};

/** What `--engine '{…}'` may set: any rank or profile weight, and the build's neighbours, window, content and vectors. */
export type EngineEvalOverrides = Partial<{ rank: Partial<RankSettings>; profile: Partial<ProfileSettings>; neighbors: number; window: number; useContent: boolean; vectors: string }>;

/** The defaults with the overrides given; one resolution for every protocol, so none of them drops a setting. */
export function engineEvalSettings(o: EngineEvalOverrides = {}): EngineEvalSettings {
  return {
    ...DEFAULT_ENGINE_EVAL,
    ...(o.neighbors !== undefined ? { neighbors: o.neighbors } : {}),
    ...(o.window !== undefined ? { window: o.window } : {}),
    ...(o.useContent !== undefined ? { useContent: o.useContent } : {}),
    ...(o.vectors !== undefined ? { vectors: checkedVectors(o.vectors) } : {}),
    rank: { ...DEFAULT_ENGINE_EVAL.rank, ...o.rank },
    profile: { ...DEFAULT_ENGINE_EVAL.profile, ...o.profile },
  };
}

function checkedVectors(text: string): VectorsChoice {
  const choice = parseVectorsChoice(text);
  if (!choice) throw new RangeError(`eval: engine setting "vectors" must be "auto", "full" or "pca-<d>" (e.g. "pca-128"), not ${JSON.stringify(text)}`);
  return choice;
}

const HOUR = 3_600_000;

/** The build's "now" (ms): a temporal split's cut, so that trending counts the days before it. */
export interface BuildClock {
  now: number;
}

/**
 * The catalogue a site would build from TRAIN: items (titles and genres where the data set has them), content
 * vectors from the lexical encoder, and the collaborative signals of `pocketrec build`.
 */
export async function buildEvalCatalog(data: Dataset, train: readonly UserSequence[], settings: EngineEvalSettings, clock?: BuildClock): Promise<RankModel> {
  const n = data.itemIds.length;
  const items: Item[] = data.itemIds.map((id, i) => ({
    id: String(id),
    title: data.meta?.titles[i] || `item ${id}`,
    ...(data.meta ? { tags: data.meta.genres[i]!, category: data.meta.genres[i]![0]! } : {}),
  }));
  // With a clock the log's times reach the build (in ms, as a site's log has them), so trend means "the week before
  // the cut"; leave-one-out has no single now, and builds without.
  const sequences = train.map((u) => (clock && u.times ? { items: u.items, times: u.times.map((t) => t * 1000) } : { items: u.items }));
  // The build's own engine: the SQL of src/cli/build/sql/aggregates.ts run by DuckDB (the same bits as src/signals).
  const built = await signalsFromSequences(n, sequences, { window: settings.window, maxNeighbors: settings.neighbors, trendingDays: 7, now: clock?.now ?? 0 });
  const lists = (l: NeighborLists) => Object.fromEntries(l.targets.map((t, i) => [items[i]!.id, Array.from(t, (j, k) => [items[j]!.id, l.weights[i]![k]!] as [string, number])]));
  const signals: CatalogSignals = {
    popularity: Object.fromEntries(items.map((it, i) => [it.id, built.popularity[i]!])),
    neighbors: lists(built.neighbors),
    transitions: lists(built.transitions),
  };
  if (clock) {
    signals.trending = Object.fromEntries(items.map((it, i) => [it.id, built.trending[i]!]));
    signals.trendingWindows = Object.fromEntries([...built.trendingWindows].map(([days, counts]) => [String(days), Object.fromEntries(items.map((it, i) => [it.id, counts[i]!]))]));
  }
  // The worker's kernel, so the eval scans as the product does (WASM SIMD; its scores are the JS kernel's bits).
  const kernel = await loadVectorKernel();
  if (!settings.useContent || !data.meta) {
    // No text to understand: a one-dimensional zero space leaves scoring to the collaborative signals.
    return createRankModel({ columns: columnsFromItems(items, signals), rows: quantizeRows(new Float32Array(n), 1, kernel.allocate), records: recordsFromItems(items), kernel });
  }
  const texts = items.map((it) => `${it.title}. ${it.tags?.join(' ')}`);
  const encoder = createLexicalEncoder(fitLexicalModel(texts));
  const vectors = new Float32Array(n * encoder.dim);
  (await encoder.embed(texts)).forEach((v, i) => vectors.set(v, i * encoder.dim));
  // The build's choice and projection code; the profile folds item rows, so it lives in the shrunk space too.
  const shrunk = shrinkVectors(vectors, encoder.dim, chooseVectors(settings.vectors, n, encoder.dim));
  // The worker ranks int8 rows; so does the evaluation, so its numbers are the product's.
  return createRankModel({ columns: columnsFromItems(items, signals), rows: quantizeRows(shrunk.rows, shrunk.dim, kernel.allocate), records: recordsFromItems(items), kernel });
}

/**
 * The engine as the worker runs it: each history item becomes a `view` event, folded into a fresh profile, then the
 * sequence model over that profile's history when one is given, the hybrid score and MMR re-ranking. Events carry
 * their real times and the request the cut as its now when the harness passes a clock (the temporal split);
 * otherwise they are one hour apart, so that order and recency mean what they mean on a site.
 */
export function engineModel(model: RankModel, settings: EngineEvalSettings, name = 'engine', sequence?: SequenceModel): ScoringModel {
  let chosen: number[] = [];
  return {
    name,
    async score(history, out, clock) {
      const profile = createProfile(model.dim);
      const now = clock ? clock.now : (history.length + 1) * HOUR;
      history.forEach((index, p) =>
        foldEvent(profile, { type: 'view', itemId: model.ids[index]!, ts: clock ? clock.times[p]! : (p + 1) * HOUR }, { space: model, attributesOf: (i) => model.attributesOf(i) }, settings.profile),
      );
      // The worker's own path: the sequence model reads the history the profile kept, not the raw list.
      const scores = sequence && settings.rank.sequenceWeight !== 0 ? relativeProbabilities(await sequence.score(sequenceHistory(profile))) : undefined;
      const ranked = rankIndices(model, profile, { k: 10, now, ...(scores ? { sequence: scores } : {}) }, settings.rank, settings.profile);
      chosen = ranked.chosen;
      for (let i = 0; i < model.count; i++) out[i] = ranked.scores[i]!;
    },
    // The list the engine would show: its own re-ranked top ten (history already left out by the profile).
    topK: (_scores, k) => chosen.slice(0, k),
  };
}
