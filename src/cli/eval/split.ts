import { createHash } from 'node:crypto';
import type { Dataset, UserSequence } from './datasets';

/** Leave-one-out: the last item is TEST, the one before VALID, the rest TRAIN. */
export interface SplitUser {
  userId: number;
  train: number[];
  trainTimes?: number[];
  trainRatings?: number[];
  valid: number;
  test: number;
  /** Times of VALID and TEST, where the data set has times. */
  validTime?: number;
  testTime?: number;
  validRating?: number;
}

export interface Split {
  /** Evaluated users, ascending userId. */
  users: SplitUser[];
  /** TRAIN sequences of every user, the unevaluated short ones included (they are training data). */
  trainSequences: UserSequence[];
}

/** The protocol's §2; users shorter than 3 (SASRec format) only contribute TRAIN. */
export function splitLeaveOneOut(data: Dataset): Split {
  const users: SplitUser[] = [];
  const trainSequences: UserSequence[] = [];
  for (const u of data.users) {
    const L = u.items.length;
    if (L < 3) {
      trainSequences.push(u);
      continue;
    }
    const train: UserSequence = { userId: u.userId, items: u.items.slice(0, L - 2) };
    if (u.times) train.times = u.times.slice(0, L - 2);
    if (u.ratings) train.ratings = u.ratings.slice(0, L - 2);
    trainSequences.push(train);
    const s: SplitUser = { userId: u.userId, train: train.items, valid: u.items[L - 2]!, test: u.items[L - 1]! };
    if (train.times) (s.trainTimes = train.times), (s.validTime = u.times![L - 2]!), (s.testTime = u.times![L - 1]!);
    if (train.ratings) (s.trainRatings = train.ratings), (s.validRating = u.ratings![L - 2]!);
    users.push(s);
  }
  return { users, trainSequences };
}

/** The split files exactly as the protocol writes them, so their sha256 can be checked against the published ones. */
export function splitFiles(data: Dataset, split: Split, negatives: number[][]): Record<string, string> {
  const id = (i: number) => data.itemIds[i]!;
  if (data.format === 'movielens') {
    const rows = (pick: (u: SplitUser) => Array<[number, number]>) =>
      'userId,movieId,timestamp\n' + split.users.flatMap((u) => pick(u).map(([i, t]) => `${u.userId},${id(i)},${t}\n`)).join('');
    return {
      'train.csv': rows((u) => u.train.map((i, p) => [i, u.trainTimes![p]!])),
      'valid.csv': rows((u) => [[u.valid, u.validTime!]]),
      'test.csv': rows((u) => [[u.test, u.testTime!]]),
      'item_index.json':
        JSON.stringify({
          dataset: data.name,
          n_items: data.itemIds.length,
          n_users: split.users.length,
          note: 'dense item index i <-> movieIds[i] (ascending movieId)',
          movieIds: data.itemIds,
          userIds: split.users.map((u) => u.userId),
        }) + '\n',
      'test_negatives.csv': 'userId,movieId\n' + split.users.flatMap((u, k) => negatives[k]!.map((j) => `${u.userId},${id(j)}\n`)).join(''),
    };
  }
  return {
    'train.txt': split.trainSequences.flatMap((u) => u.items.map((i) => `${u.userId} ${id(i)}\n`)).join(''),
    'valid.txt': split.users.map((u) => `${u.userId} ${id(u.valid)}\n`).join(''),
    'test.txt': split.users.map((u) => `${u.userId} ${id(u.test)}\n`).join(''),
    'test_negatives.txt': split.users.map((u, k) => `${u.userId} ${negatives[k]!.map(id).join(' ')}\n`).join(''),
  };
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The published checksums, read from the protocol's own table: `| … | splits/<file> | \`<sha>\` |`. */
export function publishedChecksums(protocolText: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of protocolText.matchAll(/splits\/([\w.]+)\s*\|\s*`([0-9a-f]{64})`/g)) out[m[1]!] = m[2]!;
  return out;
}
