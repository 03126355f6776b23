import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { itemText, validateItems, type CatalogManifest, type Item } from '../../catalog';
import { createLexicalEncoder, fitLexicalModel, type TextEncoder } from '../../encoder';
import { eventStrength, DEFAULT_PROFILE_SETTINGS, EVENT_TYPES, type EventType } from '../../profile';
import { buildSignals, DEFAULT_SIGNALS_OPTIONS, type NeighborLists, type Sequence } from '../../signals';
import { quantizeRows } from '../../vector';
import { Column } from './columns';
import { InputError, readRecords } from './read-records';

export interface BuildOptions {
  items: string;
  interactions?: string;
  out: string;
  /** Reference time for trending. @defaultValue the latest interaction */
  now?: number;
  log?: (line: string) => void;
}

export interface BuildReport {
  itemCount: number;
  interactions: number;
  skippedUnknownItems: number;
  users: number;
  version: string;
  encoder: string;
  files: Record<string, number>;
}

const EMBED_BATCH = 256;

/**
 * `pocketrec build`: items (+ optional aggregate log) → manifest, items.ndjson, int8 embeddings, signals.json.
 * Everything is written to a temporary folder that replaces `out` only when all of it succeeded, so a bad row
 * never leaves a half-written catalogue behind.
 */
export async function buildCatalog(options: BuildOptions): Promise<BuildReport> {
  const log = options.log ?? (() => {});
  const tmp = `${options.out}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    const items = await readItems(options.items);
    log(`items: ${items.length} valid`);
    const index = new Map(items.map((item, i) => [item.id, i]));
    const itemsHash = createHash('sha256');
    await writeLines(join(tmp, 'items.ndjson'), (function* () {
      for (const item of items) {
        const line = JSON.stringify(item);
        itemsHash.update(line + '\n');
        yield line;
      }
    })());

    const encoder = createLexicalEncoder(fitLexicalModel(items.map(itemText)));
    await writeEmbeddings(join(tmp, 'embeddings.bin'), items, encoder);
    log(`embeddings: ${items.length} × ${encoder.dim} int8 (${encoder.id})`);

    let interactions = { count: 0, skipped: 0, users: 0 };
    let signalsHash = '';
    if (options.interactions) {
      const log_ = await readInteractions(options.interactions, index);
      interactions = { count: log_.count, skipped: log_.skipped, users: log_.sequences.length };
      log(`interactions: ${log_.count} used, ${log_.skipped} for unknown items skipped, ${log_.sequences.length} visitors`);
      const now = options.now ?? log_.latest;
      const signals = buildSignals(items.length, log_.sequences, { ...DEFAULT_SIGNALS_OPTIONS, now });
      signalsHash = await writeSignals(join(tmp, 'signals.json'), items, signals);
    }

    const version = createHash('sha256').update(itemsHash.digest('hex')).update(encoder.id).update(signalsHash).digest('hex').slice(0, 16);
    const manifest: CatalogManifest = {
      formatVersion: 1,
      version,
      itemCount: items.length,
      items: 'items.ndjson',
      embeddings: { url: 'embeddings.bin', model: encoder.id, dim: encoder.dim, dtype: 'int8' },
      ...(options.interactions ? { signals: 'signals.json' } : {}),
    };
    await writeLines(join(tmp, 'catalog.json'), [JSON.stringify(manifest, null, 2)]);

    const files: Record<string, number> = {};
    for (const f of ['catalog.json', 'items.ndjson', 'embeddings.bin', ...(options.interactions ? ['signals.json'] : [])]) files[f] = (await stat(join(tmp, f))).size;
    await rm(options.out, { recursive: true, force: true });
    await rename(tmp, options.out);
    return { itemCount: items.length, interactions: interactions.count, skippedUnknownItems: interactions.skipped, users: interactions.users, version, encoder: encoder.id, files };
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
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

async function readItems(file: string): Promise<Item[]> {
  const raws: unknown[] = [];
  const lines: number[] = [];
  const csv = file.toLowerCase().endsWith('.csv');
  for await (const record of readRecords(file)) {
    raws.push(csv ? fromCsvCells(record.value) : record.value);
    lines.push(record.line);
  }
  const json = file.toLowerCase().endsWith('.json');
  return validateItems(raws, (i) => (json ? { kind: 'index', index: i } : { kind: 'line', line: lines[i]! }), file);
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
  let skipped = 0;
  let latest = 0;
  for await (const { value, line } of readRecords(file)) {
    const userId = value.userId;
    const itemId = value.itemId;
    const type = (value.type ?? 'view') as EventType;
    const ts = typeof value.timestamp === 'number' ? value.timestamp : Number(value.timestamp) || Date.parse(String(value.timestamp ?? value.ts));
    if (typeof userId !== 'string' && typeof userId !== 'number') throw new InputError(file, line, 'has no userId');
    if (typeof itemId !== 'string' && typeof itemId !== 'number') throw new InputError(file, line, 'has no itemId');
    if (!EVENT_TYPES.includes(type)) throw new InputError(file, line, `has type ${JSON.stringify(type)}; valid types: ${EVENT_TYPES.join(', ')}`);
    if (!Number.isFinite(ts)) throw new InputError(file, line, `has a timestamp that is neither epoch milliseconds nor an ISO date (${JSON.stringify(value.timestamp)})`);
    const i = index.get(String(itemId));
    // Logs outlive catalogues: events for items no longer sold are expected, counted and left out.
    if (i === undefined) {
      skipped++;
      continue;
    }
    const strength = eventStrength({ type, ts, rating: Number(value.rating ?? 2.5) }, DEFAULT_PROFILE_SETTINGS.eventWeights);
    if (strength <= 0) continue;
    let u = users.get(String(userId));
    if (u === undefined) users.set(String(userId), (u = users.size));
    user.push(u);
    item.push(i);
    time.push(ts);
    weight.push(strength);
    latest = Math.max(latest, ts);
  }
  const [us, is, ts, ws] = [user.view(), item.view(), time.view(), weight.view()];
  const order = Uint32Array.from({ length: us.length }, (_, k) => k).sort((a, b) => us[a]! - us[b]! || ts[a]! - ts[b]! || a - b);
  const sequences: Sequence[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && us[order[end]!] === us[order[start]!]) end++;
    const slice = order.subarray(start, end);
    sequences.push({ items: Int32Array.from(slice, (k) => is[k]!), times: Float64Array.from(slice, (k) => ts[k]!), weights: Float64Array.from(slice, (k) => ws[k]!) });
    start = end;
  }
  return { sequences, count: us.length, skipped, latest };
}

async function writeEmbeddings(file: string, items: readonly Item[], encoder: TextEncoder): Promise<void> {
  const scales = new Float32Array(items.length);
  const values = new Int8Array(items.length * encoder.dim);
  for (let start = 0; start < items.length; start += EMBED_BATCH) {
    const batch = items.slice(start, start + EMBED_BATCH);
    const vectors = await encoder.embed(batch.map(itemText));
    const flat = new Float32Array(batch.length * encoder.dim);
    vectors.forEach((v, i) => flat.set(v, i * encoder.dim));
    const q = quantizeRows(flat, encoder.dim);
    scales.set(q.scales, start);
    values.set(q.values, start * encoder.dim);
  }
  const little = new DataView(new ArrayBuffer(scales.length * 4));
  scales.forEach((s, i) => little.setFloat32(i * 4, s, true));
  await writeChunks(file, [new Uint8Array(little.buffer), new Uint8Array(values.buffer)]);
}

/** Written piece by piece: one JSON string of a 10⁶-item neighbour table would pass V8's string limit. */
async function writeSignals(file: string, items: readonly Item[], signals: ReturnType<typeof buildSignals>): Promise<string> {
  const hash = createHash('sha256');
  const counts = (values: Float64Array) => {
    const parts: string[] = [];
    values.forEach((v, i) => v > 0 && parts.push(`${JSON.stringify(items[i]!.id)}:${+v.toFixed(4)}`));
    return parts;
  };
  const lists = (l: NeighborLists) => {
    const parts: string[] = [];
    l.targets.forEach((t, i) => {
      if (t.length === 0) return;
      const pairs = Array.from(t, (j, n) => `[${JSON.stringify(items[j]!.id)},${+l.weights[i]![n]!.toFixed(4)}]`);
      parts.push(`${JSON.stringify(items[i]!.id)}:[${pairs.join(',')}]`);
    });
    return parts;
  };
  const sections: Array<[string, string[]]> = [
    ['popularity', counts(signals.popularity)],
    ['trending', counts(signals.trending)],
    ['neighbors', lists(signals.neighbors)],
    ['transitions', lists(signals.transitions)],
  ];
  const out = createWriteStream(file);
  const write = (s: string) => (hash.update(s), writeAsync(out, s));
  await write('{');
  for (const [n, [name, parts]] of sections.entries()) {
    await write(`${n ? ',' : ''}\n${JSON.stringify(name)}:{`);
    for (let p = 0; p < parts.length; p++) await write(`${p ? ',' : ''}\n${parts[p]}`);
    await write('}');
  }
  await write('\n}\n');
  await new Promise<void>((ok, fail) => out.end((e?: Error | null) => (e ? fail(e) : ok())));
  return hash.digest('hex');
}

async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  for (const line of lines) await writeAsync(out, line + '\n');
  await new Promise<void>((ok, fail) => out.end((e?: Error | null) => (e ? fail(e) : ok())));
}

async function writeChunks(file: string, chunks: Uint8Array[]): Promise<void> {
  const out = createWriteStream(file);
  for (const c of chunks) await writeAsync(out, c);
  await new Promise<void>((ok, fail) => out.end((e?: Error | null) => (e ? fail(e) : ok())));
}

/** Respects back-pressure, so a large output never piles up in memory. */
function writeAsync(out: WriteStream, chunk: string | Uint8Array): Promise<void> {
  return out.write(chunk) ? Promise.resolve() : new Promise((ok) => out.once('drain', ok));
}
