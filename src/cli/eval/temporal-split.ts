import { PocketRecError } from '../../errors';
import type { Dataset, UserSequence } from './datasets';
import { sha256 } from './split';

/**
 * The global temporal split: one cut time for every visitor. Everything strictly before the cut is the log a site
 * would have built from; each visitor's first event at or after the cut is the target, ranked with that visitor's
 * history before the cut. Unlike leave-one-out, no visitor's future can teach the model about another visitor's
 * past, and what was trending just before the cut is what the site would actually have known.
 */
export interface TemporalCase {
  userId: number;
  /** The visitor's events before the cut, in sequence order (dense item indices), and their times (data-set seconds). */
  history: number[];
  historyTimes: number[];
  target: number;
  targetTime: number;
}

export interface TemporalSplit {
  /** The cut, in the data set's seconds: training holds events with time < cut. */
  cut: number;
  /** Targets lie in [cut, until): VALID stops where TEST's cut begins, so it never sees TEST's period. */
  until: number;
  /** Every visitor's events before the cut (visitors with none are left out): the training log. */
  train: UserSequence[];
  trainEvents: number;
  /** Visitors with history before the cut: the main table. */
  warm: TemporalCase[];
  /** Visitors whose first event is at or after the cut: nothing to personalise on, reported apart. */
  cold: TemporalCase[];
}

function requireTimes(data: Dataset): Array<UserSequence & { times: number[] }> {
  const missing = data.users.find((u) => !u.times);
  if (missing) {
    throw new PocketRecError('invalid-option', `eval: the temporal split needs event times, and ${data.name} has none (user ${missing.userId}); use the leave-one-out split`, {
      details: { dataset: data.name },
    });
  }
  return data.users as Array<UserSequence & { times: number[] }>;
}

/**
 * The time by which a share `quantile` of all events had happened: the time of the ⌈quantile·N⌉-th event in time
 * order. Training then holds the events strictly before it, so slightly less than that share when times tie.
 */
export function cutAtQuantile(data: Dataset, quantile: number): number {
  if (!(quantile > 0 && quantile < 1)) throw new PocketRecError('invalid-option', `eval: the cut quantile must lie in (0, 1), got ${quantile}`);
  const users = requireTimes(data);
  let total = 0;
  for (const u of users) total += u.times.length;
  const times = new Float64Array(total);
  let k = 0;
  for (const u of users) for (const t of u.times) times[k++] = t;
  times.sort();
  return times[Math.max(0, Math.ceil(quantile * total) - 1)]!;
}

/** Splits at `cut`; targets are each visitor's first event in [cut, until). Sequences are already in time order. */
export function splitTemporal(data: Dataset, cut: number, until = Infinity): TemporalSplit {
  const train: UserSequence[] = [];
  const warm: TemporalCase[] = [];
  const cold: TemporalCase[] = [];
  let trainEvents = 0;
  for (const u of requireTimes(data)) {
    // The loader sorts each visitor by (time, item), so the events before the cut are a prefix.
    let p = 0;
    while (p < u.times.length && u.times[p]! < cut) p++;
    if (p > 0) {
      const seq: UserSequence = { userId: u.userId, items: u.items.slice(0, p), times: u.times.slice(0, p) };
      if (u.ratings) seq.ratings = u.ratings.slice(0, p);
      train.push(seq);
      trainEvents += p;
    }
    if (p === u.times.length || u.times[p]! >= until) continue;
    const c: TemporalCase = { userId: u.userId, history: u.items.slice(0, p), historyTimes: u.times.slice(0, p), target: u.items[p]!, targetTime: u.times[p]! };
    (p > 0 ? warm : cold).push(c);
  }
  return { cut, until, train, trainEvents, warm, cold };
}

/**
 * The split as text (training log, then the targets), one line per event, so that its sha256 pins the split the
 * way the leave-one-out files' checksums do: a changed loader, sort or cut shows as a changed checksum.
 */
export function temporalSplitChecksums(data: Dataset, split: TemporalSplit): { train: string; targets: string } {
  const id = (i: number) => data.itemIds[i]!;
  const train = `cut,${split.cut}\n` + split.train.map((u) => u.items.map((i, p) => `${u.userId},${id(i)},${u.times![p]!}\n`).join('')).join('');
  const targets = [...split.warm, ...split.cold]
    .sort((a, b) => a.userId - b.userId)
    .map((c) => `${c.userId},${id(c.target)},${c.targetTime},${c.history.length > 0 ? 'warm' : 'cold'}\n`)
    .join('');
  return { train: sha256(train), targets: sha256(targets) };
}
