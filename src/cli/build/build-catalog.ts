import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, openSync, readSync, writeSync, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { columnSections, createColumnsBuilder, createItemValidator, decodeEmbeddings, DELTA_PARTS, layoutSections, itemText, type CatalogManifest, type CatalogManifestV2, type CatalogPart, type CatalogSettings, type ColumnsBuilder, type FlatLists, type IndexedSignals, type SequenceModelRef } from '../../catalog';
import { countLexicalFeatures, createLexicalCounter, tokenize, type LexicalCounter, type LexicalCounts } from '../../encoder';
import { eventStrength, DEFAULT_PROFILE_SETTINGS, EVENT_TYPES, type EventType } from '../../profile';
import { countPopularity, countTrendingWindows, DEFAULT_SIGNALS_OPTIONS, streamNeighbors, type Sequence, type SignalsOptions } from '../../signals';
import { dequantizeRows, projectRows, quantizeRows, roundHalfUp, type Int8Rows, type Int8RowsAllocator, type PcaFit, type Projection } from '../../vector';
import { createProgress } from '../progress';
import { collectBadRows } from './bad-rows';
import { deltaFile, openPrevious, previousPlan, textKeys, writeCarriedEmbeddings, writeDeltas, writeRecordsIndex } from './delta';
import { aggregateKey, hashLogFile, LIST_KINDS, logFiles, readCachedAggregates, writeCachedAggregates, writeCachedSignals, type CachedSignals, type LogFile, type RoundedSignals } from './aggregate-cache';
import { openEmbedCache } from './embed-cache';
import { createEmbedPool, resolveEmbedThreads } from './embed-pool';
import { Column } from './columns';
import { InputError, readRecordBatches, readRecords } from './read-records';
import { chooseVectors, fitProjection, type VectorsChoice } from './vectors';
import { MAX_TEXT_START_VALUES, writeSequenceModel, type SequenceBuildOptions } from './write-sequence-model';
import { attachSignalTables, countRows, dropIntermediates, hasItems, loadItems, loadItemsFromParquet, openEngine, readLog, readSequences, readSignalTables, recomputeNeighbors, resetAggregates, runAggregates, writeSignalTables, type RawSignals } from './sql/duckdb-engine';
import { tuneBuild, type BuildTuneOptions } from './tune-build';
import { DEFAULT_TUNE_MINUTES, DEFAULT_TUNE_SEED, type TunedSettings } from '../tune';
import { WEIGHT_UNITS, type AggregateParams } from './sql/aggregates';
import { lexicalRows, writeEmbeddings, type EmbedCounts } from './write-embeddings';

export interface BuildOptions {
  items: string;
  interactions?: string;
  out: string;
  /** Reference time for trending. @defaultValue the latest interaction */
  now?: number;
  /**
   * `auto`: the neural encoder in `modelDir` (what browsers run by default); a missing model is an error, never a
   * silent switch to lexical vectors, which would make every visitor's browser re-embed the catalogue.
   * @defaultValue 'auto'
   */
  encoder?: 'auto' | 'lexical';
  /** Output of `npm run build:model`. @defaultValue 'models/build' */
  modelDir?: string;
  /** The next-item model trained from the interactions. @defaultValue { mode: 'auto' } */
  sequence?: SequenceBuildOptions;
  /**
   * 2 writes binary columns (what browsers load fastest); 1 writes the JSON signals of earlier releases.
   * @defaultValue 2
   */
  formatVersion?: 1 | 2;
  /**
   * Who aggregates the log: `duckdb` runs src/cli/build/sql/aggregates.ts in process (CSV, NDJSON or Parquet files
   * or globs, out of core); `node` is the streaming pass of src/signals (also JSON arrays; format 1). Both give
   * the same bytes.
   * @defaultValue 'duckdb' ('node' for format 1)
   */
  engine?: 'node' | 'duckdb';
  /** DuckDB's memory limit (`4GB`). @defaultValue 60 % of RAM */
  memoryLimit?: string;
  /** Where DuckDB spills past its memory limit. @defaultValue DuckDB's own */
  tempDir?: string;
  /** A folder of the aggregate tables as Parquet (see aggregates.ts), used instead of aggregating `interactions`. */
  signalsFrom?: string;
  /** Writes the aggregate tables as Parquet into this folder (the schema `signalsFrom` reads). */
  signalsOut?: string;
  /**
   * Vector size: `auto` by catalogue size (full below 100 k items, `pca-256` to 500 k, `pca-128` above), `full`,
   * or `pca-<d>` (a PCA to d dims, shipped as the `projection` part; format 2 only).
   * @defaultValue 'auto'
   */
  vectors?: VectorsChoice;
  /**
   * Self-tuning of the engine's settings on the log (each visitor's latest event held out), written into the
   * manifest's `settings`; format 2 with a log only, not with `signalsFrom`. `minutes: 0` turns it off.
   * @defaultValue { minutes: 2, seed: 1 }
   */
  tune?: BuildTuneOptions;
  /**
   * The folder of the previous build (format 2) for an incremental one: items whose encoder text is unchanged keep
   * their vectors (only new and changed items are embedded), the previous lexical fit and projection are kept, and
   * each changed part gets a delta against the previous one (`<part>.delta.bin`, the manifest's `delta`), which a
   * browser holding the previous version downloads instead of the part. Another encoder or `--vectors` is refused.
   */
  previous?: string;
  /** Threads running the neural encoder (the lexical one runs on the main thread). @defaultValue every core */
  embedThreads?: number;
  /**
   * Where rows of earlier builds are kept, so a rebuild embeds only new or changed items (see embed-cache.ts);
   * `false` turns it off. Keep it out of `out`, which is deployed.
   * @defaultValue `node_modules/.cache/pocketrec` of the working directory
   */
  embedCache?: string | false;
  /**
   * Where the log's aggregate tables are kept (see aggregate-cache.ts), so that a build on an unchanged log and
   * settings reads them instead of aggregating it again (DuckDB engine; not with tuning or the sequence model on,
   * which read the whole log); `false` turns it off.
   * @defaultValue `embedCache`'s folder (`node_modules/.cache/pocketrec` when that is off)
   */
  aggregateCache?: string | false;
  log?: (line: string) => void;
}

/** Where `embedCache` defaults to: the usual place of tools' caches, never deployed. */
export const DEFAULT_EMBED_CACHE = 'node_modules/.cache/pocketrec';

export interface BuildReport {
  itemCount: number;
  interactions: number;
  skippedUnknownItems: number;
  users: number;
  version: string;
  encoder: string;
  /** The shipped vectors: their dims, the encoder's, and how they were shrunk. */
  vectors: { method: 'full' | 'pca'; dim: number; sourceDim: number; explained?: number };
  files: Record<string, number>;
  /** What tuning chose (also in the manifest's `settings`) and how long it took; absent when it did not run. */
  settings?: CatalogSettings;
  tuneMs?: number;
  /** With `previous`: its version, and how many items were embedded and how many kept their previous vectors. */
  incremental?: { from: string; embedded: number; carried: number };
  /** Where the rows came from: the embedding cache (`hits`) or the encoder (`misses`, in `threads`). */
  embedding: EmbedCounts & { cache: string | null };
}

/**
 * `pocketrec build`: items (+ optional aggregate log) → manifest, binary columns (ids, typed columns, dictionaries,
 * CSR signals, the prebuilt search index), items.ndjson, int8 embeddings and the trained sequence model.
 * Everything is written to a temporary folder whose files move into `out` only when all of it succeeded, so a bad
 * row never leaves a half-written catalogue behind. Only the build's own files are replaced: `--out public` keeps
 * the rest of the site.
 * @throws BadRowsError listing every bad row of a file (up to a limit), InputError for a missing encoder model
 */
export async function buildCatalog(options: BuildOptions): Promise<BuildReport> {
  const log = options.log ?? (() => {});
  // Where the time of a large build goes, one line per phase.
  let lapStart = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    // With the peak RSS so far: where a large build's memory goes, phase by phase (DuckDB's native memory too).
    log(`phase: ${name} ${((now - lapStart) / 1000).toFixed(1)} s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    lapStart = now;
  };
  const tmp = `${options.out}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  // The log's aggregation while it runs beside the items and their embeddings; null once its engine is in use
  // (and closed there).
  let aggregating: Aggregation | null = null;
  // The engine, once its tables are read, while it writes the aggregate cache's entry beside the rest of the
  // build: `finish` waits for that, adds the rounded signals to the entry and closes it.
  let aggregated: { finish(): Promise<void> } | null = null;
  try {
    const v2 = (options.formatVersion ?? 2) === 2;
    const engine = options.engine ?? (v2 ? 'duckdb' : 'node');
    if (!v2 && engine !== 'node') throw new InputError(options.interactions ?? options.items, 0, 'format 1 (JSON signals) is written by the Node engine only: pass --engine node');
    if ((options.signalsFrom || options.signalsOut) && engine !== 'duckdb') throw new InputError(options.signalsFrom ?? options.signalsOut!, 0, '--signals-from and --signals-out need the DuckDB engine (--engine duckdb)');
    const columns = v2 ? createColumnsBuilder() : null;
    const sequenceOptions = options.sequence ?? { mode: 'auto' };
    const tuneOn = columns !== null && !!options.interactions && !options.signalsFrom && (options.tune?.minutes ?? DEFAULT_TUNE_MINUTES) > 0;
    const tuning: Tuning | null = tuneOn ? { minutes: options.tune?.minutes ?? DEFAULT_TUNE_MINUTES, seed: options.tune?.seed ?? DEFAULT_TUNE_SEED, previous: options.previous ? await previousTuning(options.previous) : null } : null;
    // The sequence model reads the log's events itself, which the aggregate cache does not keep; tuning does too,
    // and writes the entry of the neighbour count it chose (read by later builds that keep its settings).
    const sequenceReadsLog = !!options.interactions && !options.signalsFrom && sequenceOptions.mode !== 'off';
    const aggregateCache = options.aggregateCache === false || options.signalsFrom || !options.interactions ? null : sequenceReadsLog ? { skip: 'the sequence model reads the whole log (with --sequence off a build on the same log reuses its aggregates)' } : { dir: options.aggregateCache ?? (options.embedCache || DEFAULT_EMBED_CACHE) };
    // DuckDB aggregates the log in its own threads from the start, while this one reads and embeds the items: the
    // two halves of the build overlap instead of taking turns. Awaited once the vectors are written; a failure
    // before then is not lost.
    if (engine === 'duckdb' && (options.interactions || options.signalsFrom)) (aggregating = startAggregates(options, aggregateCache, tuning, log)).done.catch(() => {});
    // The lexical encoder's counts come from the items' pass, unless an incremental build keeps the previous fit.
    const counter = options.encoder === 'lexical' && !options.previous ? createLexicalCounter() : null;
    const read = await readItems(options.items, join(tmp, 'items.ndjson'), columns, counter);
    const { ids, hash: itemsHash } = read;
    aggregating?.setIds(ids);
    log(`items: ${ids.length} valid`);
    lap('items');
    if (options.previous && !v2) throw new InputError(options.previous, 0, 'is a previous catalogue, but format 1 builds are never incremental: drop --format 1 or --previous');
    const cacheDir = options.embedCache === false ? null : (options.embedCache ?? DEFAULT_EMBED_CACHE);
    const previous = options.previous ? await openPrevious(options.previous, cacheDir, log) : null;
    if (previous) lap(`previous catalogue ${previous.manifest.version} read`);

    const modelDir = options.modelDir ?? 'models/build';
    const threads = resolveEmbedThreads(options.embedThreads);
    const neural = options.encoder === 'lexical' ? null : await createEmbedPool(modelDir, threads);
    if (options.encoder !== 'lexical' && !neural) throw new InputError(join(modelDir, 'manifest.json'), 0, 'is missing: the encoder model is not there. Reinstall the CLI, or pass --encoder lexical for lexical vectors');
    // Lexical vectors ship with their counts, so browsers rebuild this encoder without tokenizing every item.
    // An incremental build keeps the previous fit, so the vectors it carries over stay the encoder's.
    const lexicalCounts: LexicalCounts | null = neural ? null : (previous?.lexicalCounts ?? counter?.counts() ?? countLexicalFeatures(read.texts));
    const encoder = neural ?? lexicalRows(lexicalCounts!);
    // Format 1 has no place for a projection: `auto` keeps it full there, an explicit PCA is refused.
    const choice = options.vectors ?? 'auto';
    if (!v2 && choice !== 'auto' && choice !== 'full') throw new RangeError(`--vectors ${choice} needs format 2 (the projection is a binary part); drop --format 1 or use --vectors full`);
    const plan = previous ? previousPlan(previous, encoder.id, choice) : v2 ? chooseVectors(choice, ids.length, encoder.dim) : { method: 'full' as const };
    const cache = cacheDir === null ? null : openEmbedCache(cacheDir, encoder.fingerprint, encoder.dim, ids.length, log);
    let embedded: EmbedCounts = { hits: 0, misses: 0, threads: 0 };
    const embed = async (file: string, texts: readonly string[]) => void (embedded = await writeEmbeddings(file, texts, encoder, cache, log));
    // The records index of this catalogue, for the incremental build after it (delta.ts).
    const keys = v2 && (previous || cacheDir) ? textKeys(read.texts) : null;
    const carried = previous ? await writeCarriedEmbeddings(join(tmp, 'embeddings.bin'), read.texts, previous, encoder.dim, embed, keys!) : null;
    if (carried) log(`embeddings: ${carried.embedded} of ${ids.length} items embedded, the others kept from ${previous!.folder}`);
    else await embed(join(tmp, 'embeddings.bin'), read.texts);
    // The texts were only for the encoder; at 10⁶ items they are hundreds of megabytes the log does not need.
    read.texts.length = 0;
    log(`embeddings: ${ids.length} × ${encoder.dim} int8 (${encoder.id}${neural ? `, ${embedded.threads} thread${embedded.threads === 1 ? '' : 's'}` : ''})`);
    lap('embeddings');
    let fit: (Projection & { explained?: number }) | null = previous?.projection ?? null;
    if (plan.method === 'pca' && !fit) {
      const shrunk = await shrinkEmbeddings(join(tmp, 'embeddings.bin'), ids.length, encoder.dim, plan.dim, log);
      log(`embeddings: PCA ${encoder.dim} → ${plan.dim} dims, ${(shrunk.explained * 100).toFixed(1)} % of the variance kept`);
      fit = shrunk;
      lap('projection');
    }
    // What is left of the main thread's work waits for the aggregation: every core to it.
    aggregating?.release();
    const dim = fit ? fit.dim : encoder.dim;
    // The records and the vectors are final: hashed while the log's aggregation finishes, not after it.
    const hashing = columns
      ? {
          records: describePart(tmp, 'items.ndjson', [], RECORD_CHUNK_BYTES),
          embeddings: describePart(tmp, 'embeddings.bin', [
            { name: 'scales', dtype: 'f32', offset: 0, length: ids.length },
            { name: 'values', dtype: 'i8', offset: ids.length * 4, length: ids.length * dim },
          ]),
        }
      : null;
    // Awaited where the manifest is made; a failure before then is not an unhandled one.
    for (const part of Object.values(hashing ?? {})) part.catch(() => {});
    // So is the search index, which no signal changes: frozen now, not after the aggregation.
    columns?.seal();
    const index = new Map(ids.map((id, i) => [id, i]));

    let interactions = { count: 0, skipped: 0, users: 0 };
    let signalsHash = '';
    let sequence: SequenceModelRef | null = null;
    let indexed: (IndexedSignals & { hash: string }) | undefined;
    const itemVectors = ids.length * dim <= MAX_TEXT_START_VALUES ? () => readItemVectors(join(tmp, 'embeddings.bin'), ids.length, dim) : undefined;
    let tuned: (TunedSettings & { ms: number }) | null = null;
    // The manifest's settings: tuned here, or kept from the previous catalogue (see `Tuning`).
    let settings: CatalogSettings | null = null;
    const keep = (previous: PreviousTuning) => {
      log(`tuning: the log is the one the previous catalogue ${previous.version} was tuned on (${previous.settings.tuned.log}): its settings are kept, not tuned again`);
      settings = { ...previous.settings, tuned: { ...previous.settings.tuned, keptFrom: previous.settings.tuned.keptFrom ?? previous.version } };
      return previous.settings.neighbors;
    };
    // The log without its held-out events goes through the build's own signals code (the Node engine, which gives
    // DuckDB's bytes), with each candidate neighbour count; the final signals are built from everything after.
    const tune = async (seqs: readonly Sequence[], now: number | undefined, startedAt?: number) => {
      const latest = now ?? seqs.reduce((m, q) => (q.times && q.times.length ? Math.max(m, q.times[q.times.length - 1]!) : m), 0);
      const chosen = await tuneBuild({
        ids,
        sequences: seqs,
        columns: columns!,
        rows: (allocate) => readItemRows(join(tmp, 'embeddings.bin'), ids.length, dim, allocate),
        signals: (rest, maxNeighbors) => finishSignals(nodeSignals(ids.length, rest, { ...DEFAULT_SIGNALS_OPTIONS, maxNeighbors, now: latest })),
        options: options.tune ?? {},
        ...(startedAt !== undefined ? { startedAt } : {}),
        log,
      });
      lap('tuning');
      return chosen;
    };
    if (aggregating) {
      const started = aggregating;
      aggregating = null;
      const { db, params: computed, files, tuneLog, kept, signals, entry: cachedEntry, unwritten, cacheAfterTuning } = await started.done;
      let params = computed;
      let entry = cachedEntry;
      let toWrite = unwritten;
      let writing: Promise<string | null> | null = null;
      let sequences: Sequence[] = [];
      let cached: CachedSignals | null = signals;
      let rounded: RoundedSignals | null = null;
      try {
        lap('aggregates (sql), waited for');
        if (kept) keep(kept);
        // Without a sequence model the log is read back for tuning alone, so its budget counts the read.
        const readStarted = performance.now();
        if (!options.signalsFrom && (sequenceOptions.mode !== 'off' || (tuneOn && !kept))) sequences = await readSequences(db.conn);
        if (tuneOn && !kept && sequences.length) {
          const chosen = (tuned = await tune(sequences, options.now, sequenceOptions.mode === 'off' ? readStarted : undefined));
          settings = manifestSettings(chosen, tuneLog);
          if (chosen.neighbors !== params.maxNeighbors) {
            params = { ...params, maxNeighbors: chosen.neighbors };
            await recomputeNeighbors(db.conn, params);
            lap(`neighbour lists again (${chosen.neighbors} per item)`);
          }
        }
        if (cacheAfterTuning && files) toWrite = { dir: cacheAfterTuning, key: await aggregateKey(db.conn, files, params) };
        if (options.signalsOut) await writeSignalTables(db.conn, options.signalsOut);
        if (!cached) {
          await dropIntermediates(db.conn);
          const raw = await readSignalTables(db.conn, ids.length, params);
          lap('signal tables read');
          // DuckDB writes the cache entry while this thread rounds and writes the columns: off the build's
          // critical path. On one core fewer, as beside the items' pass; and its tables are in JS now, so it
          // holds them in a quarter of its memory (the rest spills), leaving the columns theirs: at full memory
          // the 10 M build's peak RSS grew by 1.1 GB.
          if (toWrite) await Promise.all([db.shrinkMemory(1 / 4), db.setThreads(availableParallelism() - 1)]);
          writing = toWrite ? writeCachedAggregates(db.conn, toWrite.dir, toWrite.key, log) : null;
          rounded = roundSignals(raw);
          cached = { signals: rounded, summary: raw.summary };
        }
      } catch (error) {
        // A failure while the entry was being written: DuckDB finishes it (or fails) before it closes.
        await writing?.catch(() => {});
        db.close();
        throw error;
      }
      const done = cached;
      const finish = async () => {
        try {
          if (writing) entry = await writing;
          if (rounded && entry) await writeCachedSignals(entry, done, log);
        } finally {
          db.close();
        }
      };
      if (writing) aggregated = { finish: () => ((aggregated = null), finish()) };
      else await finish();
      const { summary } = cached;
      interactions = { count: summary.events, skipped: summary.unknownItemEvents, users: summary.visitors };
      log(`interactions: ${interactions.count} used, ${interactions.skipped} for unknown items skipped, ${interactions.users} visitors (duckdb${options.signalsFrom ? `, from ${options.signalsFrom}` : ''})`);
      indexed = indexSignals(cached.signals, ids.length);
      signalsHash = indexed.hash;
      lap(rounded ? 'signals rounded' : 'signals read from the aggregate cache');
      if (sequences.length && sequenceOptions.mode !== 'off') sequence = await writeSequenceModel(tmp, ids, sequences, sequenceOptions, log, itemVectors);
    } else if (options.interactions) {
      const log_ = await readInteractions(options.interactions, index);
      lap('interactions read');
      interactions = { count: log_.count, skipped: log_.skipped, users: log_.sequences.length };
      log(`interactions: ${log_.count} used, ${log_.skipped} for unknown items skipped, ${log_.sequences.length} visitors (node)`);
      const now = options.now ?? log_.latest;
      if (v2) {
        let maxNeighbors: number = DEFAULT_SIGNALS_OPTIONS.maxNeighbors;
        if (tuning && log_.sequences.length) {
          const tuneLog = tuneLogKey([await hashLogFile(options.interactions)], tuning, options.now);
          if (tuning.previous?.settings.tuned.log === tuneLog) maxNeighbors = keep(tuning.previous);
          else (tuned = await tune(log_.sequences, now)), (settings = manifestSettings(tuned, tuneLog)), (maxNeighbors = tuned.neighbors);
        }
        indexed = finishSignals(nodeSignals(ids.length, log_.sequences, { ...DEFAULT_SIGNALS_OPTIONS, maxNeighbors, now }));
        signalsHash = indexed.hash;
        lap('signals (node)');
      } else signalsHash = await writeSignals(join(tmp, 'signals.json'), ids, log_.sequences, { ...DEFAULT_SIGNALS_OPTIONS, now });
      sequence = await writeSequenceModel(tmp, ids, log_.sequences, sequenceOptions, log, itemVectors);
    }

    // A projection changes every vector: a catalogue with another one is another version (full builds keep theirs).
    // A kept projection is not this build's own fit: its bytes make the version, so a full build gets another.
    const version = createHash('sha256').update(itemsHash).update(encoder.id).update(fit ? `pca-${fit.dim}` : '').update(previous?.projection?.sha256 ?? '').update(signalsHash).update(sequence?.sha256 ?? '').digest('hex').slice(0, 16);
    let manifest: CatalogManifest;
    let written: string[];
    if (columns) {
      const encoded = await writeSections(join(tmp, 'columns.bin'), columnSections(columns.finish(indexed), Uint32Array.from(read.lineOffsets)));
      const embeddings = await hashing!.embeddings;
      let projection: CatalogPart | undefined;
      if (fit) {
        const { sections } = await writeSections(join(tmp, 'projection.bin'), [
          ['mean', fit.mean],
          ['components', fit.components],
        ]);
        projection = await describePart(tmp, 'projection.bin', sections);
      }
      const v2Manifest: CatalogManifestV2 = {
        formatVersion: 2,
        version,
        itemCount: ids.length,
        parts: {
          columns: await describePart(tmp, 'columns.bin', encoded.sections),
          records: await hashing!.records,
          // `dim` is the shipped (maybe projected) one; the lexical fit's length is the encoder's own dimension.
          embeddings: { ...embeddings, model: encoder.id, dim, ...(lexicalCounts ? { lexicalFit: { documents: lexicalCounts.documents, df: Array.from(lexicalCounts.df) } } : {}) },
          ...(projection && fit ? { projection: { ...projection, method: 'pca' as const, sourceDim: fit.sourceDim, dim: fit.dim } } : {}),
        },
        ...(sequence ? { sequence } : {}),
        ...(settings ? { settings } : {}),
      };
      written = ['catalog.json', 'columns.bin', 'items.ndjson', 'embeddings.bin', ...(fit ? ['projection.bin'] : [])];
      if (previous && carried) {
        const delta = await writeDeltas({ dir: tmp, manifest: v2Manifest, ids, lineOffsets: read.lineOffsets, carried: carried.carried }, previous, (name, sections) => describePart(tmp, name, sections), log);
        if (delta) v2Manifest.delta = delta;
        written.push(...Object.keys(delta?.parts ?? {}).map(deltaFile));
        lap('deltas');
      }
      manifest = v2Manifest;
    } else {
      manifest = {
        formatVersion: 1,
        version,
        itemCount: ids.length,
        items: 'items.ndjson',
        embeddings: { url: 'embeddings.bin', model: encoder.id, dim: encoder.dim, dtype: 'int8' },
        ...(options.interactions ? { signals: 'signals.json' } : {}),
        ...(sequence ? { sequence } : {}),
      };
      written = ['catalog.json', 'items.ndjson', 'embeddings.bin', ...(options.interactions ? ['signals.json'] : [])];
    }
    await writeLines(join(tmp, 'catalog.json'), [JSON.stringify(manifest, null, 2)]);
    lap('columns and manifest written');
    await aggregated?.finish();

    const files: Record<string, number> = {};
    for (const f of [...written, ...(sequence ? [sequence.url, sequence.table.url, sequence.items] : [])]) files[f] = (await stat(join(tmp, f))).size;
    await mkdir(options.out, { recursive: true });
    // A delta of an earlier build that this one did not write would name a base no manifest refers to.
    for (const f of DELTA_PARTS.map(deltaFile)) if (!written.includes(f)) await rm(join(options.out, f), { force: true });
    for (const f of await readdir(tmp)) await rename(join(tmp, f), join(options.out, f));
    await rm(tmp, { recursive: true, force: true });
    if (keys && cacheDir && manifest.formatVersion === 2) await writeRecordsIndex(cacheDir, manifest.parts.records.sha256, ids, keys, log);
    const vectors: BuildReport['vectors'] = fit ? { method: 'pca', dim, sourceDim: encoder.dim, ...(fit.explained !== undefined ? { explained: +fit.explained.toFixed(4) } : {}) } : { method: 'full', dim, sourceDim: encoder.dim };
    return {
      itemCount: ids.length,
      interactions: interactions.count,
      skippedUnknownItems: interactions.skipped,
      users: interactions.users,
      version,
      encoder: encoder.id,
      vectors,
      files,
      embedding: { ...embedded, cache: cacheDir },
      ...(settings ? { settings } : {}),
      ...(tuned ? { tuneMs: tuned.ms } : {}),
      ...(previous && carried ? { incremental: { from: previous.manifest.version, embedded: carried.embedded, carried: ids.length - carried.embedded } } : {}),
    };
  } catch (error) {
    // An engine still aggregating is stopped and closed; its own failure is not the one to report.
    await aggregated?.finish().catch(() => {});
    aggregating?.cancel();
    await aggregating?.done.then(
      ({ db }) => db.close(),
      () => {},
    );
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

interface Aggregated {
  db: Awaited<ReturnType<typeof openEngine>>;
  params: AggregateParams;
  /** The log's files, hashed, when a cache or tuning needs them. */
  files: LogFile[] | null;
  /** With tuning: the key of the log and tuning options it runs on (`tuneLogKey`). */
  tuneLog: string | null;
  /** The previous catalogue's tuning, when its log was this one: its settings are kept and its neighbour count used. */
  kept: PreviousTuning | null;
  /** The aggregate cache's rounded signals of this log and catalogue: no table was read or created. */
  signals: CachedSignals | null;
  /** The cache entry in use, to which the rounded signals are added once made. */
  entry: string | null;
  /** The entry to write (folder and key) once the tables are read: written beside the build's own work. */
  unwritten: { dir: string; key: string } | null;
  /** The cache folder where, once tuning chose its neighbour count, the tables are kept under that count's key. */
  cacheAfterTuning: string | null;
}

/**
 * Self-tuning's options, and the previous catalogue's tuning with `--previous`. An incremental build whose log is
 * the one its previous catalogue was tuned on (same files, same bytes, same tuning options) keeps those settings
 * instead of tuning again: they were chosen on that very log, and tuning is what makes a default build read the
 * whole log back and spend its minutes. The items changed, which tuning also sees, but a changed share small enough
 * for an incremental build moves the held-out metric less than the search's own noise; a changed log tunes again.
 */
interface Tuning {
  minutes: number;
  seed: number;
  previous: PreviousTuning | null;
}

interface PreviousTuning {
  version: string;
  settings: CatalogSettings & { neighbors: number; tuned: NonNullable<CatalogSettings['tuned']> & { log: string } };
}

/** The previous catalogue's tuned settings and the log they were tuned on; null when it records none (or is unreadable, which openPrevious reports). */
async function previousTuning(folder: string): Promise<PreviousTuning | null> {
  try {
    const manifest = JSON.parse(await readFile(join(folder, 'catalog.json'), 'utf8')) as { version?: unknown; settings?: CatalogSettings };
    const settings = manifest.settings;
    if (typeof manifest.version !== 'string' || typeof settings?.neighbors !== 'number' || typeof settings.tuned?.log !== 'string') return null;
    return { version: manifest.version, settings: settings as PreviousTuning['settings'] };
  } catch {
    return null;
  }
}

/** What tuning's outcome depends on besides the items: the log's bytes (not its path) and the tuning options. */
function tuneLogKey(files: readonly LogFile[], tuning: Tuning, now: number | undefined): string {
  const hash = createHash('sha256').update('pocketrec-tune-1').update(`\0${tuning.minutes}\0${tuning.seed}\0${now ?? ''}`);
  for (const f of files) hash.update(`\0${f.size}\0${f.sha256}`);
  return hash.digest('hex').slice(0, 32);
}

/**
 * The aggregation under way: `setIds` hands it the catalogue's ids once read, `release` gives it every core once
 * the main thread's work is done (until then it leaves one core to the main thread), `cancel` stops it at once.
 */
interface Aggregation {
  done: Promise<Aggregated>;
  setIds(ids: readonly string[]): void;
  release(): void;
  cancel(): void;
}

/**
 * A fresh engine, then the aggregate tables: computed from the log (or read from the aggregate cache, and written
 * there once computed), or attached from `signalsFrom`. It starts before the catalogue's items are read: a Parquet
 * items file gives DuckDB the items relation itself (checked against the catalogue's ids at the end, and computed
 * again on those if they differ), else the log is read and checked while the items are (when no cached entry may
 * spare it), and the rest waits for their ids. The engine stays open for what comes after the embeddings
 * (tuning, reading the tables).
 */
function startAggregates(options: BuildOptions, cache: { dir: string } | { skip: string } | null, tuning: Tuning | null, log: (line: string) => void): Aggregation {
  let giveIds!: (ids: readonly string[]) => void;
  let refuse!: (error: Error) => void;
  const ids = new Promise<readonly string[]>((ok, fail) => ((giveIds = ok), (refuse = fail)));
  ids.catch(() => {});
  const stop = new AbortController();
  const cores = availableParallelism();
  let released = false;
  // Whether DuckDB has every core yet: set once `SET threads` has run, not when it was asked for.
  let widened = cores === 1;
  let db: Awaited<ReturnType<typeof openEngine>> | null = null;
  const done = (async (): Promise<Aggregated> => {
    const started = performance.now();
    // The main thread reads, embeds and projects the items meanwhile, and it is the longer half of the build: at
    // every core DuckDB's threads took turns with it, and the items' pass ran 2.4 times slower (10⁶ items).
    db = await openEngine({ ...(options.memoryLimit ? { memoryLimit: options.memoryLimit } : {}), ...(options.tempDir ? { tempDir: options.tempDir } : {}), ...(cores > 1 ? { threads: cores - 1 } : {}) });
    const out: Aggregated = { db, params: { ...DEFAULT_SIGNALS_OPTIONS, now: options.now ?? null }, files: null, tuneLog: null, kept: null, signals: null, entry: null, unwritten: null, cacheAfterTuning: null };
    try {
      // Released while the engine was opening: it takes every core now, as release() would have given it.
      if (released && cores > 1) {
        await db.setThreads(cores);
        widened = true;
      }
      if (options.signalsFrom) {
        await attachSignalTables(db.conn, options.signalsFrom);
        await loadItems(db.conn, await ids);
      } else {
        const conn = db.conn;
        if (cache && 'skip' in cache) log(`sql: no aggregate cache: ${cache.skip}`);
        const dir = cache && 'dir' in cache ? cache.dir : null;
        const early = options.items.toLowerCase().endsWith('.parquet') && (await loadItemsFromParquet(conn, options.items));
        if (early) log(`sql: items read by DuckDB from ${options.items} (${await countRows(conn, 'items')}), beside the catalogue's own pass`);
        if (dir || tuning) out.files = await logFiles(conn, options.interactions!);
        if (tuning) {
          out.tuneLog = tuneLogKey(out.files!, tuning, options.now);
          if (tuning.previous?.settings.tuned.log === out.tuneLog) (out.kept = tuning.previous), (out.params = { ...out.params, maxNeighbors: tuning.previous.settings.neighbors });
        }
        // Tuning that runs reads the log back and may change the neighbour count: its entry is written after it.
        const tunes = !!tuning && !out.kept;
        if (dir && tunes) out.cacheAfterTuning = dir;
        const key = dir && !tunes ? await aggregateKey(conn, out.files!, out.params) : null;
        let logRead = false;
        const aggregate = async () => {
          if (!logRead) await readLog(conn, options.interactions!, log);
          logRead = true;
          await runAggregates(conn, out.params, log, { signal: stop.signal, sharing: () => !widened });
        };
        // Without an entry to try, the log is read and checked while the items are.
        if (!early && !key) await readLog(conn, options.interactions!, log), (logRead = true);
        if (!early) await loadItems(conn, await ids);
        const hit = dir && key ? await readCachedAggregates(conn, dir, key, out.params, log, !!options.signalsOut) : null;
        if (!hit) await aggregate();
        const fits = !early || (await hasItems(conn, await ids));
        if (!fits) {
          log("sql: the catalogue's ids are not the items file's as DuckDB read them: aggregating again on the catalogue's");
          await resetAggregates(conn);
          await loadItems(conn, await ids);
          await aggregate();
        }
        if (hit && fits) (out.entry = hit.folder), (out.signals = hit.signals);
        else if (dir && key) out.unwritten = { dir, key };
      }
      log(`sql: all aggregates in ${((performance.now() - started) / 1000).toFixed(1)} s, beside the items and embeddings`);
      return out;
    } catch (error) {
      db.close();
      throw error;
    }
  })();
  return {
    done,
    setIds: (read) => giveIds(read),
    release() {
      released = true;
      if (cores > 1) db?.setThreads(cores).then(() => void (widened = true), () => {});
    },
    cancel() {
      refuse(new Error('build: stopped'));
      stop.abort();
      db?.conn.interrupt();
    },
  };
}

/** The manifest's `settings`: what was chosen and on what, never the wall-clock time (same seed, same bytes). */
function manifestSettings(t: TunedSettings, log: string | null): CatalogSettings {
  return { rank: { ...t.rank }, neighbors: t.neighbors, tuned: { ...t.tuned, ...(log ? { log } : {}) } };
}

/** The catalogue's item vectors back from `embeddings.bin`, for the sequence model's starting point. */
async function readItemRows(file: string, count: number, dim: number, allocate?: Int8RowsAllocator): Promise<Int8Rows> {
  const bytes = await readFile(file);
  return decodeEmbeddings(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), count, dim, 'int8', file, allocate);
}

async function readItemVectors(file: string, count: number, dim: number): Promise<{ vectors: Float32Array; dim: number }> {
  return { vectors: dequantizeRows(await readItemRows(file, count, dim)), dim };
}

/** CSV cells are strings: give numbers, lists and booleans their JSON types before validation. */
function fromCsvCells(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' || v === '') continue;
    if (k === 'price') out[k] = Number(v);
    else if (k === 'tags') out[k] = v.split(/[|;]/).map((t) => t.trim()).filter(Boolean);
    else if (k === 'repeatable') out[k] = v === 'true' || v === '1';
    else out[k] = v;
  }
  return out;
}

/**
 * Validates and rewrites the items as NDJSON in one streaming pass, keeping only ids and encoder texts in memory:
 * a million items are a few hundred megabytes of text, not of objects. Each text is tokenized once here, for the
 * search index and for the lexical encoder's counts (`counter`), and written a batch of lines at a time.
 */
async function readItems(file: string, outFile: string, columns: ColumnsBuilder | null, counter: LexicalCounter | null): Promise<{ ids: string[]; texts: string[]; hash: string; lineOffsets: number[] }> {
  const validate = createItemValidator(file);
  const csv = file.toLowerCase().endsWith('.csv');
  const json = file.toLowerCase().endsWith('.json');
  const ids: string[] = [];
  const texts: string[] = [];
  const hash = createHash('sha256');
  const out = createWriteStream(outFile);
  const bad = collectBadRows(file);
  const lineOffsets = [0];
  let offset = 0;
  let n = 0;
  for await (const batch of readRecordBatches(file, bad.add)) {
    let lines = '';
    for (const record of batch) {
      let item;
      try {
        item = validate(csv ? fromCsvCells(record.value) : record.value, json ? { kind: 'index', index: n } : { kind: 'line', line: record.line });
      } catch (error) {
        bad.add(error);
        continue;
      } finally {
        n++;
      }
      const text = itemText(item);
      ids.push(item.id);
      texts.push(text);
      const words = columns || counter ? tokenize(text) : undefined;
      columns?.add(item, words);
      counter?.add(words!);
      const line = JSON.stringify(item) + '\n';
      lineOffsets.push((offset += Buffer.byteLength(line)));
      lines += line;
    }
    if (!lines) continue;
    const bytes = Buffer.from(lines);
    hash.update(bytes);
    await writeAsync(out, bytes);
  }
  await close(out);
  bad.check();
  return { ids, texts, hash: hash.digest('hex'), lineOffsets };
}

interface ParsedLog {
  sequences: Sequence[];
  count: number;
  skipped: number;
  latest: number;
}

async function readInteractions(file: string, index: Map<string, number>): Promise<ParsedLog> {
  const users = new Map<string, number>();
  const user = new Column((n) => new Int32Array(n));
  const item = new Column((n) => new Int32Array(n));
  const time = new Column((n) => new Float64Array(n));
  const weight = new Column((n) => new Float64Array(n));
  const basket = new Column((n) => new Uint8Array(n));
  let skipped = 0;
  let latest = 0;
  const bad = collectBadRows(file);
  const reject = (line: number, problem: string) => bad.add(new InputError(file, line, problem));
  for await (const { value, line } of readRecords(file, bad.add)) {
    const userId = value.userId;
    const itemId = value.itemId;
    // An empty CSV cell is no value, as a missing field is.
    const given = (v: unknown) => v !== undefined && v !== null && v !== '';
    const type = (given(value.type) ? value.type : 'view') as EventType;
    const rawTs = given(value.timestamp) ? value.timestamp : value.ts;
    const ts = typeof rawTs === 'number' ? rawTs : given(rawTs) && Number.isFinite(Number(rawTs)) ? Number(rawTs) : Date.parse(String(rawTs));
    const rating = given(value.rating) ? Number(value.rating) : undefined;
    // An empty CSV cell is a string too, and would merge every visitor without an id into one.
    if ((typeof userId !== 'string' && typeof userId !== 'number') || userId === '') {
      reject(line, 'has no userId');
      continue;
    }
    if ((typeof itemId !== 'string' && typeof itemId !== 'number') || itemId === '') {
      reject(line, 'has no itemId');
      continue;
    }
    if (!EVENT_TYPES.includes(type)) {
      reject(line, `has type ${JSON.stringify(type)}; valid types: ${EVENT_TYPES.join(', ')}`);
      continue;
    }
    if (!Number.isFinite(ts)) {
      reject(line, `has a timestamp that is neither epoch milliseconds nor an ISO date (${rawTs === undefined ? 'none' : String(rawTs)})`);
      continue;
    }
    if (rating !== undefined && !Number.isFinite(rating)) {
      reject(line, `has a rating that is not a number (${String(value.rating)})`);
      continue;
    }
    const i = index.get(String(itemId));
    // Logs outlive catalogues: events for items no longer sold are expected, counted and left out.
    if (i === undefined) {
      skipped++;
      continue;
    }
    const strength = eventStrength({ type, ts, ...(rating !== undefined ? { rating } : {}) }, DEFAULT_PROFILE_SETTINGS.eventWeights);
    if (!(strength > 0)) continue;
    let u = users.get(String(userId));
    if (u === undefined) users.set(String(userId), (u = users.size));
    user.push(u);
    item.push(i);
    time.push(ts);
    // On the 2⁻²⁰ grid the DuckDB engine sums on, so that both engines' sums are exact and equal.
    weight.push(Math.floor(strength * WEIGHT_UNITS) / WEIGHT_UNITS);
    basket.push(type === 'add_to_cart' || type === 'purchase' ? 1 : 0);
    latest = Math.max(latest, ts);
  }
  bad.check();
  const [us, is, ts, ws, bs] = [user.view(), item.view(), time.view(), weight.view(), basket.view()];
  const order = Uint32Array.from({ length: us.length }, (_, k) => k).sort((a, b) => us[a]! - us[b]! || ts[a]! - ts[b]! || a - b);
  // One permuted copy of each column; every visitor's sequence is then a view into it, not an array of its own.
  const items = Int32Array.from(order, (k) => is[k]!);
  const times = Float64Array.from(order, (k) => ts[k]!);
  const weights = Float64Array.from(order, (k) => ws[k]!);
  const baskets = Uint8Array.from(order, (k) => bs[k]!);
  const sequences: Sequence[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && us[order[end]!] === us[order[start]!]) end++;
    sequences.push({ items: items.subarray(start, end), times: times.subarray(start, end), weights: weights.subarray(start, end), basket: baskets.subarray(start, end) });
    start = end;
  }
  return { sequences, count: us.length, skipped, latest };
}

/** `file` ← the little-endian scales, then the int8 values waiting in `valuesFile` (removed). */
async function joinRows(file: string, scales: Float32Array, valuesFile: string): Promise<void> {
  const little = new DataView(new ArrayBuffer(scales.length * 4));
  scales.forEach((s, i) => little.setFloat32(i * 4, s, true));
  const out = createWriteStream(file);
  await writeAsync(out, new Uint8Array(little.buffer));
  for await (const chunk of createReadStream(valuesFile)) await writeAsync(out, chunk as Buffer);
  await close(out);
  await rm(valuesFile);
}

const SHRINK_BATCH = 4096;

/**
 * Fits a PCA on a seeded sample of the int8 rows in `file`, then rewrites `file` with every row projected to `dim`
 * dims, normalised and quantised again, batch by batch: neither the float matrix nor the int8 one is in memory.
 */
async function shrinkEmbeddings(file: string, count: number, sourceDim: number, dim: number, log: (line: string) => void): Promise<PcaFit> {
  const fd = openSync(file, 'r');
  const valuesFile = `${file}.projected`;
  try {
    const head = Buffer.alloc(count * 4);
    readSync(fd, head, 0, head.byteLength, 0);
    const scales = new Float32Array(count);
    for (let i = 0; i < count; i++) scales[i] = head.readFloatLE(i * 4);
    const row = Buffer.alloc(sourceDim);
    const values = new Int8Array(row.buffer, row.byteOffset, sourceDim);
    const fit = fitProjection(count, sourceDim, dim, (i, out) => {
      readSync(fd, row, 0, sourceDim, count * 4 + i * sourceDim);
      for (let k = 0; k < sourceDim; k++) out[k] = values[k]! * scales[i]!;
    });
    const progress = createProgress(`projection (${sourceDim} → ${dim})`, count, log);
    const newScales = new Float32Array(count);
    const out = createWriteStream(valuesFile);
    const batch = Buffer.alloc(SHRINK_BATCH * sourceDim);
    for (let start = 0; start < count; start += SHRINK_BATCH) {
      const n = Math.min(SHRINK_BATCH, count - start);
      readSync(fd, batch, 0, n * sourceDim, count * 4 + start * sourceDim);
      const raw = new Int8Array(batch.buffer, batch.byteOffset, n * sourceDim);
      const floats = dequantizeRows({ dim: sourceDim, scales: scales.subarray(start, start + n), values: raw });
      const q = quantizeRows(projectRows(fit, floats), dim);
      newScales.set(q.scales, start);
      await writeAsync(out, new Uint8Array(q.values.buffer));
      progress(start + n);
      // As between embedding batches: the aggregation running beside this advances through the event loop.
      await new Promise((ok) => setImmediate(ok));
    }
    await close(out);
    closeSync(fd);
    await joinRows(file, newScales, valuesFile);
    return fit;
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // Already closed once the rows were written.
    }
    throw error;
  }
}

/** Chunks the browser hashes one by one while the part streams (WebCrypto cannot hash a stream). */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The records' chunks are small: a browser reads display records a chunk at a time, on demand, and checks each
 * chunk it reads; 64 KiB is about 140 records, and its hash costs the manifest 70 bytes.
 */
const RECORD_CHUNK_BYTES = 64 * 1024;

/** A written part as the manifest lists it: size, whole-file sha256 and one sha256 per chunk, read back streaming. */
async function describePart(dir: string, name: string, sections: CatalogPart['sections'], chunkBytes = CHUNK_BYTES): Promise<CatalogPart> {
  const whole = createHash('sha256');
  const chunkSha256: string[] = [];
  let chunk = createHash('sha256');
  let inChunk = 0;
  let bytes = 0;
  for await (const data of createReadStream(join(dir, name), { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    whole.update(data);
    bytes += data.byteLength;
    for (let at = 0; at < data.byteLength; ) {
      const take = Math.min(chunkBytes - inChunk, data.byteLength - at);
      chunk.update(data.subarray(at, at + take));
      inChunk += take;
      at += take;
      if (inChunk === chunkBytes) (chunkSha256.push(chunk.digest('hex')), (chunk = createHash('sha256')), (inChunk = 0));
    }
  }
  if (inChunk > 0) chunkSha256.push(chunk.digest('hex'));
  return { url: name, bytes, sha256: whole.digest('hex'), chunkBytes, chunkSha256, sections };
}

/** The Node engine's signals: src/signals over the parsed sequences, lists ordered by source as DuckDB's are. */
function nodeSignals(count: number, sequences: readonly Sequence[], options: SignalsOptions): Omit<RawSignals, 'summary'> {
  const { popularity, trending } = countPopularity(count, sequences, options);
  const found: Record<keyof RawSignals['lists'], Array<[number, Int32Array, Float32Array]>> = { neighbors: [], transitions: [], boughtTogether: [] };
  streamNeighbors(count, sequences, popularity, options, (kind, source, targets, weights) => void found[kind].push([source, targets, weights]));
  const lists = {} as RawSignals['lists'];
  for (const kind of LIST_KINDS) lists[kind] = flatLists(found[kind].sort((a, b) => a[0] - b[0]));
  const trendingWindows = [...countTrendingWindows(count, sequences, options.now, options.trendingWindows ?? DEFAULT_SIGNALS_OPTIONS.trendingWindows)];
  return { popularity, trending, trendingWindows, lists };
}

/** Lists of (source, targets, weights) as one flat triple of arrays, in their order. */
function flatLists(tuples: ReadonlyArray<readonly [number, Int32Array, Float32Array]>): RawSignals['lists']['neighbors'] {
  let total = 0;
  for (const [, targets] of tuples) total += targets.length;
  const flat = { rows: new Int32Array(tuples.length * 2), targets: new Int32Array(total), weights: new Float32Array(total) };
  let at = 0;
  tuples.forEach(([source, targets, weights], r) => {
    flat.rows[2 * r] = source;
    flat.rows[2 * r + 1] = targets.length;
    flat.targets.set(targets, at);
    flat.weights.set(weights, at);
    at += targets.length;
  });
  return flat;
}

/**
 * `+x.toFixed(4)`, the rounding of format 1's JSON, at a fraction of its cost: `Math.round(x · 10⁴) / 10⁴` is the
 * same double unless x · 10⁴ lies within rounding error of a half, where the exact decimal rule decides.
 */
function round4(x: number): number {
  const y = x * 1e4;
  const f = y - Math.floor(y);
  return Math.abs(f - 0.5) > 8 * Number.EPSILON * Math.max(1, Math.abs(y)) ? roundHalfUp(y) / 1e4 : +x.toFixed(4);
}

/** Rounds every value of `values` into a new array (a plain loop: `map` with a callback is several times slower). */
function rounded(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = round4(values[i]!);
  return out;
}

/**
 * Signals by item position for format 2, rounded as format 1's JSON rounds them (4 decimals), so that a catalogue
 * built in either format ranks identically; the same code for both engines, so that both give the same bytes.
 */
function finishSignals(raw: Omit<RawSignals, 'summary'>): IndexedSignals & { hash: string } {
  return indexSignals(roundSignals(raw), raw.popularity.length);
}

/** The rounding of `finishSignals` (what the aggregate cache keeps): the lists keep their rows and targets. */
function roundSignals(raw: Omit<RawSignals, 'summary'>): RoundedSignals {
  const lists = {} as RoundedSignals['lists'];
  for (const kind of LIST_KINDS) {
    const { rows, targets, weights } = raw.lists[kind];
    lists[kind] = { rows, targets, weights: rounded(weights) };
  }
  return { popularity: rounded(raw.popularity), trending: rounded(raw.trending), trendingWindows: raw.trendingWindows.map(([days, values]) => [days, rounded(values)]), lists };
}

/**
 * Rounded signals as the catalogue's `IndexedSignals` of `itemCount` items, each list a view into its kind's flat
 * arrays, hashed whole with their row boundaries. Signals cached for another catalogue of the same log fit this
 * one (aggregate-cache.ts checks that every item the log names kept its position): the items past the shorter
 * one's end are items the log never names, with nothing in any signal.
 */
function indexSignals(r: RoundedSignals, itemCount: number): IndexedSignals & { hash: string } {
  const fit = (values: Float64Array) => {
    if (values.length === itemCount) return values;
    if (values.subarray(itemCount).some((v) => v !== 0)) throw new Error(`build: signals of ${values.length} items do not fit a catalogue of ${itemCount}`);
    const out = new Float64Array(itemCount);
    out.set(values.subarray(0, itemCount));
    return out;
  };
  const hash = createHash('sha256');
  const pop = fit(r.popularity);
  const trend = fit(r.trending);
  hash.update(new Uint8Array(pop.buffer, pop.byteOffset, pop.byteLength)).update(new Uint8Array(trend.buffer, trend.byteOffset, trend.byteLength));
  const windows: Array<[number, Float64Array]> = [];
  for (const [days, values] of r.trendingWindows) {
    const w = fit(values);
    windows.push([days, w]);
    hash.update(`trendingWindows:${days}:`).update(new Uint8Array(w.buffer, w.byteOffset, w.byteLength));
  }
  const out = {} as Record<(typeof LIST_KINDS)[number], FlatLists>;
  for (const kind of LIST_KINDS) {
    const { rows, targets, weights } = r.lists[kind];
    for (let k = 0; k < rows.length; k += 2) if (rows[k]! >= itemCount) throw new Error(`build: a ${kind} list of item ${rows[k]} does not fit a catalogue of ${itemCount}`);
    const bytes = (a: Int32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    hash.update(`${kind}:`).update(bytes(rows)).update(bytes(targets)).update(bytes(weights));
    out[kind] = { rows, targets, weights };
  }
  return { popularity: pop, trending: trend, ...out, trendingWindows: windows, hash: hash.digest('hex') };
}

/**
 * Written piece by piece: neighbour rows go to one part file per kind as each shard finds them, and the parts
 * are joined at the end, so neither all lists nor one giant JSON string is ever in memory.
 */
async function writeSignals(file: string, ids: readonly string[], sequences: readonly Sequence[], options: SignalsOptions): Promise<string> {
  const hash = createHash('sha256');
  const { popularity, trending } = countPopularity(ids.length, sequences, options);
  const kinds = ['neighbors', 'transitions', 'boughtTogether'] as const;
  const parts = { neighbors: `${file}.neighbors`, transitions: `${file}.transitions`, boughtTogether: `${file}.boughtTogether` };
  const fds = { neighbors: openSync(parts.neighbors, 'w'), transitions: openSync(parts.transitions, 'w'), boughtTogether: openSync(parts.boughtTogether, 'w') };
  const rows = { neighbors: 0, transitions: 0, boughtTogether: 0 };
  streamNeighbors(ids.length, sequences, popularity, options, (kind, source, targets, weights) => {
    const pairs = Array.from(targets, (j, k) => `[${JSON.stringify(ids[j])},${+weights[k]!.toFixed(4)}]`);
    writeSync(fds[kind], `${rows[kind]++ ? ',' : ''}\n${JSON.stringify(ids[source])}:[${pairs.join(',')}]`);
  });
  for (const kind of kinds) closeSync(fds[kind]);

  const out = createWriteStream(file);
  const write = (s: string | Buffer) => (hash.update(s), writeAsync(out, s));
  const counts = async (name: string, values: Float64Array, first: boolean) => {
    await write(`${first ? '' : ','}\n${JSON.stringify(name)}:`);
    await countsObject(values);
  };
  const countsObject = async (values: Float64Array) => {
    await write('{');
    let n = 0;
    for (let i = 0; i < values.length; i++) if (values[i]! > 0) await write(`${n++ ? ',' : ''}\n${JSON.stringify(ids[i])}:${+values[i]!.toFixed(4)}`);
    await write('}');
  };
  await write('{');
  await counts('popularity', popularity, true);
  await counts('trending', trending, false);
  await write(',\n"trendingWindows":{');
  let w = 0;
  for (const [days, values] of countTrendingWindows(ids.length, sequences, options.now, options.trendingWindows ?? DEFAULT_SIGNALS_OPTIONS.trendingWindows)) {
    await write(`${w++ ? ',' : ''}\n"${days}":`);
    await countsObject(values);
  }
  await write('}');
  for (const kind of kinds) {
    await write(`,\n${JSON.stringify(kind)}:{`);
    for await (const chunk of createReadStream(parts[kind])) await write(chunk as Buffer);
    await write('}');
    await rm(parts[kind]);
  }
  await write('\n}\n');
  await close(out);
  return hash.digest('hex');
}

/**
 * A binary part written array by array at its layout's offsets (the gaps read as zeros, as `encodeSections`
 * writes them), so that the part is never joined in memory: the 10⁸-event build's peak RSS was that copy.
 */
async function writeSections(file: string, named: Parameters<typeof layoutSections>[0]): Promise<{ sections: CatalogPart['sections'] }> {
  const { sections, size } = layoutSections(named);
  const out = await open(file, 'w');
  try {
    for (let k = 0; k < named.length; k++) {
      const array = named[k]![1];
      await out.write(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), 0, array.byteLength, sections[k]!.offset);
    }
    await out.truncate(size);
  } finally {
    await out.close();
  }
  return { sections };
}

async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  for (const line of lines) await writeAsync(out, line + '\n');
  await close(out);
}

function close(out: WriteStream): Promise<void> {
  return new Promise<void>((ok, fail) => out.end((e?: Error | null) => (e ? fail(e) : ok())));
}

/** Respects back-pressure, so a large output never piles up in memory. */
function writeAsync(out: WriteStream, chunk: string | Uint8Array): Promise<void> {
  return out.write(chunk) ? Promise.resolve() : new Promise((ok) => out.once('drain', ok));
}
