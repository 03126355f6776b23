import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsvLine } from '../build';

/** One user's interactions in sequence order, as dense item indices. */
export interface UserSequence {
  userId: number;
  items: number[];
  /** Seconds since the epoch; absent for SASRec-format data, whose file order is the time order. */
  times?: number[];
  ratings?: number[];
}

export interface Dataset {
  name: string;
  format: 'movielens' | 'sasrec';
  /** Original item id per dense index. */
  itemIds: number[];
  users: UserSequence[];
  /** Per item: title and genre set, when the data set has metadata (MovieLens). */
  meta?: { titles: string[]; genres: string[][] };
  /** Tag rows (MovieLens), for content features; filtered against the split before use. */
  tags?: Array<{ userId: number; item: number; tag: string }>;
}

async function csvRows(file: string): Promise<string[][]> {
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n');
  const rows: string[][] = [];
  for (let i = 1; i < lines.length; i++) if (lines[i]!.trim() !== '') rows.push(parseCsvLine(lines[i]!.replace(/\r$/, ''), file, i + 1));
  return rows;
}

/** Reads a MovieLens folder (ratings.csv, movies.csv, tags.csv) or a SASRec folder (interactions.txt). */
export async function loadDataset(folder: string): Promise<Dataset> {
  if (existsSync(join(folder, 'ratings.csv'))) return loadMovieLens(folder);
  if (existsSync(join(folder, 'interactions.txt'))) return loadSasrec(folder);
  throw new Error(`eval: ${folder} has neither ratings.csv (MovieLens) nor interactions.txt (SASRec format)`);
}

async function loadMovieLens(folder: string): Promise<Dataset> {
  const ratings = (await csvRows(join(folder, 'ratings.csv'))).map(([u, m, r, t]) => ({ u: Number(u), m: Number(m), r: Number(r), t: Number(t) }));
  const itemIds = [...new Set(ratings.map((x) => x.m))].sort((a, b) => a - b);
  const dense = new Map(itemIds.map((id, i) => [id, i]));
  const byUser = new Map<number, typeof ratings>();
  for (const x of ratings) {
    let list = byUser.get(x.u);
    if (!list) byUser.set(x.u, (list = []));
    list.push(x);
  }
  const users: UserSequence[] = [];
  for (const userId of [...byUser.keys()].sort((a, b) => a - b)) {
    const list = byUser.get(userId)!.sort((a, b) => a.t - b.t || a.m - b.m);
    if (list.length < 5) continue;
    users.push({ userId, items: list.map((x) => dense.get(x.m)!), times: list.map((x) => x.t), ratings: list.map((x) => x.r) });
  }
  const titles: string[] = new Array(itemIds.length).fill('');
  const genres: string[][] = Array.from({ length: itemIds.length }, () => []);
  for (const [m, title, g] of await csvRows(join(folder, 'movies.csv'))) {
    const i = dense.get(Number(m));
    if (i === undefined) continue;
    titles[i] = title!;
    genres[i] = g!.split('|');
  }
  const tags = existsSync(join(folder, 'tags.csv'))
    ? (await csvRows(join(folder, 'tags.csv'))).flatMap(([u, m, tag]) => (dense.has(Number(m)) ? [{ userId: Number(u), item: dense.get(Number(m))!, tag: tag! }] : []))
    : [];
  return { name: 'ml-latest-small', format: 'movielens', itemIds, users, meta: { titles, genres }, tags };
}

async function loadSasrec(folder: string): Promise<Dataset> {
  const text = await readFile(join(folder, 'interactions.txt'), 'utf8');
  const byUser = new Map<number, number[]>();
  let maxItem = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [u, i] = line.split(' ').map(Number) as [number, number];
    let list = byUser.get(u);
    if (!list) byUser.set(u, (list = []));
    list.push(i - 1);
    maxItem = Math.max(maxItem, i);
  }
  const users = [...byUser.keys()].sort((a, b) => a - b).map((userId) => ({ userId, items: byUser.get(userId)! }));
  return { name: 'amazon-games', format: 'sasrec', itemIds: Array.from({ length: maxItem }, (_, i) => i + 1), users };
}
