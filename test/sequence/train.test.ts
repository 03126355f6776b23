import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainSasrec, type TrainData } from '../../src/cli/sequence';

/** Users walk a ring of items one step at a time: the next item is fully determined by the last one. */
function ringData(itemCount: number, users: number): TrainData {
  const sequences: number[][] = [];
  const valid: Array<{ history: number[]; target: number }> = [];
  for (let u = 0; u < users; u++) {
    const start = (u * 7) % itemCount;
    const length = 6 + (u % 9);
    const walk = Array.from({ length: length + 1 }, (_, i) => (start + i) % itemCount);
    sequences.push(walk.slice(0, -1));
    valid.push({ history: walk.slice(0, -1), target: walk[walk.length - 1]! });
  }
  return { itemCount, sequences, valid };
}

const model = { maxLen: 12, dim: 16, blocks: 1, dropout: 0.1 };

describe('trainSasrec', () => {
  it('learns a deterministic next-item rule well beyond chance', async () => {
    const result = await trainSasrec(ringData(40, 160), { model, epochs: 40, batchSize: 32, learningRate: 0.01, patience: 40, seed: 7 });
    expect(result.epochs[result.epochs.length - 1]!.loss).toBeLessThan(result.epochs[0]!.loss * 0.5);
    // Chance is about 0.06 for 40 items; a model that learned the rule puts the target first for most users.
    expect(result.validNdcg).toBeGreaterThan(0.8);
  }, 120_000);

  it('learns the same rule with sampled softmax, for catalogues too large for the full one', async () => {
    const result = await trainSasrec(ringData(200, 400), { model, epochs: 30, batchSize: 32, learningRate: 0.01, patience: 30, seed: 7, sampledNegatives: 20 });
    // Chance is about 0.02 for 200 items.
    expect(result.validNdcg).toBeGreaterThan(0.5);
  }, 120_000);

  it('is deterministic for a seed, and a run resumed from its checkpoint ends exactly where an unbroken one does', async () => {
    const data = ringData(30, 64);
    const options = { model, epochs: 4, batchSize: 16, learningRate: 0.01, patience: 10, seed: 11 };
    const straight = await trainSasrec(data, options);
    const again = await trainSasrec(data, options);
    expect(again.weights.get('item')).toEqual(straight.weights.get('item'));

    const dir = await mkdtemp(join(tmpdir(), 'pocketrec-ckpt-'));
    try {
      const checkpoint = join(dir, 'run');
      await trainSasrec(data, { ...options, epochs: 2, checkpoint });
      const lines: string[] = [];
      const resumed = await trainSasrec(data, { ...options, checkpoint, log: (l) => lines.push(l) });
      expect(lines[0]).toMatch(/resumed .* after epoch 2/);
      expect(resumed.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
      expect(resumed.bestEpoch).toBe(straight.bestEpoch);
      expect(resumed.weights.get('item')).toEqual(straight.weights.get('item'));
      await expect(trainSasrec(data, { ...options, seed: 12, checkpoint })).rejects.toThrow(/other settings/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('stops early when VALID stops improving and keeps the best epoch', async () => {
    const result = await trainSasrec(ringData(30, 64), { model, epochs: 200, batchSize: 16, learningRate: 0.02, patience: 2, seed: 5 });
    expect(result.epochs.length).toBeLessThan(200);
    expect(result.epochs.length - result.bestEpoch).toBe(2);
    expect(result.validNdcg).toBe(Math.max(...result.epochs.map((e) => e.validNdcg)));
  }, 120_000);
});
