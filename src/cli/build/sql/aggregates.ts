/**
 * The build's aggregates over the interaction log, as SQL: popularity, trend windows, co-occurrence neighbours,
 * next-item transitions and bought-together pairs. DuckDB runs these statements in process; `pocketrec build
 * --print-sql` writes them out for a warehouse, and `--signals-from` reads their four output tables back.
 *
 * Input relations (what a warehouse maps its own tables onto):
 *   events(user_id VARCHAR, item_id VARCHAR, type VARCHAR, ts DOUBLE epoch ms, rating DOUBLE NULL, ord BIGINT)
 *     one row per logged event; `ord` orders events of equal `ts` (the log's own order), any unique number works.
 *   items(item_id VARCHAR, item INTEGER)
 *     the catalogue; `item` is any unique integer key (PocketRec uses the catalogue position).
 * Output tables (the schema `--signals-from` reads, one Parquet file each):
 *   summary(events BIGINT, unknown_item_events BIGINT, visitors BIGINT, now_ms DOUBLE)
 *   item_counts(item_id VARCHAR, popularity DOUBLE, trending DOUBLE)
 *   trend_windows(days INTEGER, item_id VARCHAR, weight DOUBLE)
 *   neighbors(kind VARCHAR, source_id VARCHAR, target_id VARCHAR, score DOUBLE)
 *     kind is 'neighbors', 'transitions' or 'boughtTogether'; each source keeps its top `maxNeighbors` rows by
 *     score with ties at the cut kept (`rank()`), so that PocketRec breaks ties by catalogue order itself.
 *     It is `neighbor_rows` (the same rows on integer item keys) with ids joined on; an in-process build reads
 *     `neighbor_rows` and `item_windows` directly, and makes the id-keyed tables views, mapped only on export.
 *
 * In process, DuckDB computes some tables its own way (`Statement.duckdb`): the log carries the items met next,
 * from the same sort of each visitor's events (`ahead` is a view of it); co-occurrence is a view summed straight
 * into the ranking, never stored (but for the ranking in shares, `neighborRowsInSteps`, which runs only when it
 * begins before the catalogue's own pass is done: a log small enough for its pairs to be stored); and
 * `neighbor_rows` is ranked with `row_number()` by score, then catalogue position (the tie-break PocketRec applies
 * to the printed form's rows), each row keeping its rank `r`. Both forms give the same catalogue
 * (test/cli/build-duckdb.test.ts runs the printed one through `--signals-from`).
 *
 * Why the arithmetic looks the way it does: both engines must give the same bits whatever order a parallel
 * engine adds rows in. Event strengths are summed as integers on a 2⁻²⁰ grid (`weight_units`), and the
 * co-occurrence weights 1/d are float32 values (multiples of 2⁻²⁶), whose sums are exact in a double; so every
 * sum is exact and the result does not depend on the order of addition.
 */
import { DEFAULT_PROFILE_SETTINGS, EVENT_TYPES } from '../../../profile';

export interface AggregateParams {
  /** Items up to this many steps apart in a visitor's sequence are seen together. */
  window: number;
  /** Rows kept per source item (ties at the cut are kept too). */
  maxNeighbors: number;
  /** Trending counts the last this many days before `now`. */
  trendingDays: number;
  /** The extra trending windows, in days. */
  trendingWindows: readonly number[];
  /** Two basket events at most this many hours apart are bought together. */
  basketHours: number;
  /** Reference time for trending, epoch ms; null: the latest used event. */
  now: number | null;
}

export interface Statement {
  /** The table the statement creates. */
  table: string;
  /** What it is, for `--print-sql` and progress lines. */
  about: string;
  sql: string;
  /**
   * DuckDB creates it as a view, never stored: an output table that only maps internal integer rows onto item
   * ids (the id joins run only when `--signals-out` exports it, while the build reads the integer rows), or an
   * intermediate that only the next statement reads, once. A warehouse creates it as a table like any other (the
   * printed script says `CREATE TABLE`).
   */
  view?: true;
  /** The statement as DuckDB runs it in process, where its own SQL is much cheaper (see the module comment). */
  duckdb?: string;
}

/** The pair tables of neighbor_rows' kinds 0, 1 and 2. */
const KIND_TABLES = ['co_occurrence', 'transitions', 'bought_together'] as const;

/** Event strengths are summed as integers of this many units, so that sums are exact in any order. */
export const WEIGHT_UNITS = 1_048_576;
const DAY_MS = 86_400_000;

/** A double literal that parses back to the very same double in every SQL dialect we target. */
function double(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 2 ** 53 ? `CAST(${x} AS DOUBLE)` : `CAST('${x}' AS DOUBLE)`;
}

/** The strength of one event, as `eventStrength` in src/profile computes it (same operations, same order). */
function strengthSql(): string {
  const w = DEFAULT_PROFILE_SETTINGS.eventWeights;
  const rated = `((COALESCE(rating, 2.5) - 2.5) / 2.5)`;
  const simple = EVENT_TYPES.filter((t) => t !== 'rate' && t !== 'review' && t !== 'dismiss');
  return [
    'CASE type',
    ...simple.map((t) => `  WHEN '${t}' THEN ${double(w[t])}`),
    `  WHEN 'rate' THEN ${double(w.rate)} * ${rated}`,
    `  WHEN 'review' THEN CASE WHEN rating IS NULL THEN ${double(w.review)} ELSE ${double(w.review)} * ${rated} END`,
    `  WHEN 'dismiss' THEN ${double(-w.dismiss)}`,
    'END',
  ].join('\n    ');
}

/**
 * Every statement in order. Each creates one table from the input relations or the tables before it; those named
 * in OUTPUT_TABLES are the output tables.
 */
export function aggregateStatements(p: AggregateParams): Statement[] {
  const leads = Array.from({ length: p.window }, (_, k) => k + 1);
  const ahead = leads.map((d) => `lead(item, ${d}) OVER (PARTITION BY user_id ORDER BY step) AS next_${d}`).join(',\n    ');
  // float32(1/d), the weight the Node engine stores; see the module comment for why float32.
  const forward = leads.map((d) => `SELECT item AS a, next_${d} AS b, ${double(Math.fround(1 / d))} AS w FROM ahead WHERE next_${d} IS NOT NULL AND next_${d} <> item`).join('\n    UNION ALL ');
  const windows = [...new Set(p.trendingWindows)];
  const logSql = (extra: string) => `CREATE TABLE log AS
SELECT user_id, item, ts, ord, CAST(floor(strength * ${WEIGHT_UNITS}) AS BIGINT) AS weight_units, basket,
  row_number() OVER (PARTITION BY user_id ORDER BY ts, ord) AS step${extra}
FROM (
  SELECT e.user_id, i.item, e.ts, e.ord, e.type IN ('add_to_cart', 'purchase') AS basket,
    ${strengthSql()} AS strength
  FROM events e JOIN items i ON i.item_id = e.item_id
) weighted
WHERE strength > 0`;
  const rank = (table: string) => `SELECT source, target, score, rank() OVER (PARTITION BY source ORDER BY score DESC) AS r FROM ${table}`;
  return [
    {
      table: 'log',
      about: 'events of catalogue items with a positive strength, numbered per visitor in time order',
      sql: logSql(''),
      // With the items met next (what `ahead` is), from the same sort of each visitor's events: one sort, not two.
      duckdb: logSql(`,\n  ${leads.map((d) => `lead(item, ${d}) OVER (PARTITION BY user_id ORDER BY ts, ord) AS next_${d}`).join(',\n  ')}`),
    },
    {
      table: 'summary',
      about: 'event, skipped-event and visitor counts, and the reference time of trending',
      sql: `CREATE TABLE summary AS
SELECT
  (SELECT count(*) FROM log) AS events,
  (SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.item_id = e.item_id)) AS unknown_item_events,
  (SELECT count(DISTINCT user_id) FROM log) AS visitors,
  ${p.now === null ? 'COALESCE((SELECT max(ts) FROM log), CAST(0 AS DOUBLE))' : double(p.now)} AS now_ms`,
    },
    {
      table: 'item_windows',
      about: `weighted events per item: all, the last ${p.trendingDays} days (trending) and each trending window, in one pass`,
      sql: `CREATE TABLE item_windows AS
SELECT item,
  CAST(SUM(weight_units) AS DOUBLE) / ${WEIGHT_UNITS} AS popularity,
  ${[p.trendingDays, ...windows].map((days, k) => `CAST(SUM(CASE WHEN ts >= s.now_ms - ${days * DAY_MS} AND ts <= s.now_ms THEN weight_units ELSE 0 END) AS DOUBLE) / ${WEIGHT_UNITS} AS ${k === 0 ? 'trending' : `last_${days}`}`).join(',\n  ')}
FROM log CROSS JOIN summary s
GROUP BY item`,
    },
    {
      table: 'item_counts',
      view: true,
      about: `popularity (all events) and trending (the last ${p.trendingDays} days), weighted by event strength`,
      sql: `CREATE TABLE item_counts AS
SELECT i.item_id, c.popularity, c.trending FROM item_windows c JOIN items i ON i.item = c.item`,
    },
    {
      table: 'trend_windows',
      view: true,
      about: `weighted events per trending window (${windows.join(', ')} days)`,
      sql: `CREATE TABLE trend_windows AS
${windows.map((days) => `SELECT ${days} AS days, i.item_id, c.last_${days} AS weight FROM item_windows c JOIN items i ON i.item = c.item WHERE c.last_${days} > 0`).join('\nUNION ALL\n')}`,
    },
    {
      table: 'ahead',
      // In process its columns are the log's own (see log): a view of them.
      view: true,
      about: `each event with the ${p.window} items the visitor met next`,
      sql: `CREATE TABLE ahead AS
SELECT user_id, item, step,
    ${ahead}
FROM log`,
      duckdb: `CREATE TABLE ahead AS
SELECT user_id, item, step, ${leads.map((d) => `next_${d}`).join(', ')} FROM log`,
    },
    {
      table: 'co_occurrence',
      // Read once, by neighbor_rows: at 10⁸ events its rows would be tens of gigabytes of spill if stored.
      view: true,
      about: `items up to ${p.window} steps apart, weighted 1/distance, both directions, damped by √popularity of the target`,
      // Pairs are summed once as unordered pairs (the sum is symmetric), then mirrored: half the grouping work.
      sql: `CREATE TABLE co_occurrence AS
WITH forward AS (
    ${forward}
), pairs AS (
  SELECT least(a, b) AS lo, greatest(a, b) AS hi, SUM(w) AS together FROM forward GROUP BY least(a, b), greatest(a, b)
), directed AS (
  SELECT lo AS source, hi AS target, together FROM pairs
  UNION ALL SELECT hi AS source, lo AS target, together FROM pairs
)
SELECT d.source, d.target, d.together / sqrt(greatest(CAST(1 AS DOUBLE), c.popularity)) AS score
FROM directed d JOIN item_windows c ON c.item = d.target`,
    },
    {
      table: 'transitions',
      about: 'how often each item came right after another in a visitor’s sequence',
      sql: `CREATE TABLE transitions AS
SELECT item AS source, next_1 AS target, CAST(count(*) AS DOUBLE) AS score
FROM ahead WHERE next_1 IS NOT NULL AND next_1 <> item
GROUP BY item, next_1`,
    },
    {
      table: 'bought_together',
      about: `two items one visitor put in a basket at most ${p.basketHours} h apart, once per visitor, damped by √(basket events of the target)`,
      sql: `CREATE TABLE bought_together AS
WITH basket AS (
  SELECT user_id, item, ts FROM log WHERE basket
), baskets AS (
  SELECT item, count(*) AS n FROM basket GROUP BY item
), voters AS (
  SELECT DISTINCT x.user_id, x.item AS source, y.item AS target
  FROM basket x JOIN basket y ON y.user_id = x.user_id AND y.item <> x.item AND abs(x.ts - y.ts) <= ${p.basketHours * 3_600_000}
)
SELECT v.source, v.target, CAST(count(*) AS DOUBLE) / sqrt(greatest(CAST(1 AS DOUBLE), CAST(b.n AS DOUBLE))) AS score
FROM voters v JOIN baskets b ON b.item = v.target
GROUP BY v.source, v.target, b.n`,
    },
    {
      table: 'neighbor_rows',
      about: `the top ${p.maxNeighbors} rows per source item of each kind (0 neighbours, 1 transitions, 2 bought together), ties at the cut kept, on item keys`,
      // Integer keys only: at 10⁶ items these are tens of millions of rows, which the build reads back as they are.
      sql: `CREATE TABLE neighbor_rows AS
SELECT CAST(0 AS INTEGER) AS kind, source, target, score FROM (${rank('co_occurrence')}) x WHERE r <= ${p.maxNeighbors}
UNION ALL SELECT CAST(1 AS INTEGER) AS kind, source, target, score FROM (${rank('transitions')}) x WHERE r <= ${p.maxNeighbors}
UNION ALL SELECT CAST(2 AS INTEGER) AS kind, source, target, score FROM (${rank('bought_together')}) x WHERE r <= ${p.maxNeighbors}`,
      // At most maxNeighbors per source, each row with its place in the list: the build puts every row where it
      // belongs as it streams in, so nothing is sorted again on the way out (at 10⁶ items that is 10⁸ rows).
      duckdb: `CREATE TABLE neighbor_rows AS
${KIND_TABLES.map((table, kind) => ranked(p, kind, table)).join('\nUNION ALL ')}`,
    },
    {
      table: 'neighbors',
      view: true,
      about: 'the neighbour rows with item ids: the output table',
      sql: `CREATE TABLE neighbors AS
SELECT CASE r.kind WHEN 0 THEN 'neighbors' WHEN 1 THEN 'transitions' ELSE 'boughtTogether' END AS kind, s.item_id AS source_id, t.item_id AS target_id, r.score
FROM neighbor_rows r JOIN items s ON s.item = r.source JOIN items t ON t.item = r.target`,
    },
  ];
}

/** One kind's rows of the in-process `neighbor_rows`, from `table` (its sources those `where` keeps, or all). */
function ranked(p: Pick<AggregateParams, 'maxNeighbors'>, kind: number, table: string, where?: string): string {
  return `SELECT CAST(${kind} AS INTEGER) AS kind, source, target, score, CAST(row_number() OVER (PARTITION BY source ORDER BY score DESC, target) AS INTEGER) AS r FROM ${table}${where ? ` WHERE ${where}` : ''} QUALIFY r <= ${p.maxNeighbors}`;
}

/**
 * The in-process `neighbor_rows` in steps, for a DuckDB that runs on fewer cores than the machine has while the
 * catalogue's own pass holds one: DuckDB gives a statement the threads it had when the statement began, so the
 * co-occurrence ranking as one statement stays on one core after the other comes free (at 10⁷ events that was
 * 24 s of the 46 s statement, where two cores rank it in 12). The pairs are summed into a table once, then
 * ranked a share of the sources at a time: each share begins with the threads DuckDB has then, and `rest` ranks
 * every source not yet ranked, for when all cores are DuckDB's. Same rows as the one statement; its order aside.
 */
export function neighborRowsInSteps(p: AggregateParams, shares: number): { first: Array<[about: string, sql: string]>; share(k: number): string; rest(from: number): string; last: Array<[about: string, sql: string]> } {
  const pairs = 'co_occurrence_pairs';
  const into = (where: string) => `INSERT INTO neighbor_rows ${ranked(p, 0, pairs, where)}`;
  return {
    first: [
      ['co-occurrence pairs summed', `CREATE TABLE ${pairs} AS SELECT source, target, score FROM co_occurrence`],
      ['transitions and bought-together ranked', `CREATE TABLE neighbor_rows AS\n${KIND_TABLES.slice(1).map((table, k) => ranked(p, k + 1, table)).join('\nUNION ALL ')}`],
    ],
    share: (k) => into(`source % ${shares} = ${k}`),
    rest: (from) => into(`source % ${shares} >= ${from}`),
    last: [['co-occurrence pairs dropped', `DROP TABLE ${pairs}`]],
  };
}

/** The output tables, in the order `--signals-out` writes them and `--signals-from` reads them. */
export const OUTPUT_TABLES = ['summary', 'item_counts', 'trend_windows', 'neighbors'] as const;

/**
 * The statement as DuckDB runs it in process: its `duckdb` form if it has one, views where `Statement.view` says, and with
 * `replace` a table computed before is computed again in place (the tuned neighbour count).
 */
export function inProcessSql(statement: Statement, o: { replace?: boolean } = {}): string {
  const head = `CREATE TABLE ${statement.table} AS`;
  return (statement.duckdb ?? statement.sql).replace(head, `CREATE ${o.replace ? 'OR REPLACE ' : ''}${statement.view ? 'VIEW' : 'TABLE'} ${statement.table} AS`);
}

/** The statements as one script, with the input and output contract on top: what `--print-sql` writes. */
export function aggregateScript(p: AggregateParams): string {
  const head = [
    '-- PocketRec build aggregates (generated by `pocketrec build --print-sql`).',
    '-- Input: events(user_id VARCHAR, item_id VARCHAR, type VARCHAR, ts DOUBLE epoch ms, rating DOUBLE NULL, ord BIGINT)',
    '--        items(item_id VARCHAR, item INTEGER)',
    `-- Output: ${OUTPUT_TABLES.join(', ')}; export each as <name>.parquet into one folder for --signals-from.`,
    `-- Parameters: window ${p.window}, maxNeighbors ${p.maxNeighbors}, trendingDays ${p.trendingDays}, trendingWindows ${p.trendingWindows.join('/')}, basketHours ${p.basketHours}, now ${p.now ?? 'latest event'}.`,
  ];
  return [...head, '', ...aggregateStatements(p).map((s) => `-- ${s.table}: ${s.about}\n${s.sql};\n`)].join('\n');
}
