import { describe, expect, it } from 'vitest';
import type { Progress } from '../../src/worker';
import { createProgressThrottle } from '../../src/worker/progress-throttle';

/** A manual clock: timers run when the test advances time. */
const manualTime = () => {
  let now = 0;
  const timers: Array<{ at: number; run: () => void }> = [];
  return {
    now: () => now,
    setTimer: (run: () => void, ms: number) => void timers.push({ at: now + ms, run }),
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const due = timers[0];
        if (!due || due.at > end) break;
        timers.shift();
        now = due.at;
        due.run();
      }
      now = end;
    },
  };
};

const start = () => {
  const time = manualTime();
  const out: Array<Progress & { at: number }> = [];
  const throttle = createProgressThrottle((p) => out.push({ ...p, at: time.now() }), { now: time.now, setTimer: time.setTimer });
  return { time, out, throttle };
};

describe('progress throttle', () => {
  it('sends at most one event per frame, each phase monotone and ending complete, ready last', () => {
    const { time, out, throttle } = start();
    // Two files of the catalogue one after another, the model downloading at the same time, 1 ms apart.
    const catalog = [...Array.from({ length: 101 }, (_, i) => [i * 10, 1000]), ...Array.from({ length: 51 }, (_, i) => [i * 4, 200])];
    const model = Array.from({ length: 201 }, (_, i) => [i * 50, 10_000]);
    for (let t = 0; t < 300; t++) {
      const c = catalog[t];
      if (c) throttle.push({ phase: 'catalog-download', loaded: c[0]!, total: c[1]! });
      const m = model[t];
      if (m) throttle.push({ phase: 'model-download', loaded: m[0]!, total: m[1]! });
      time.advance(1);
    }
    throttle.push({ phase: 'embed', loaded: 0, total: 20 });
    throttle.push({ phase: 'embed', loaded: 20, total: 20 });
    throttle.push({ phase: 'ready', loaded: 1, total: 1 });
    time.advance(1000);

    for (let i = 1; i < out.length; i++) expect(out[i]!.at - out[i - 1]!.at).toBeGreaterThanOrEqual(16);
    for (const phase of ['catalog-download', 'model-download', 'embed'] as const) {
      const seen = out.filter((p) => p.phase === phase);
      expect(seen.length).toBeGreaterThan(0);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.loaded).toBeGreaterThanOrEqual(seen[i - 1]!.loaded);
      for (const p of seen) expect(p.loaded).toBeLessThanOrEqual(p.total);
      expect(seen[seen.length - 1]!.loaded).toBe(seen[seen.length - 1]!.total);
    }
    // Every byte of both catalogue files is counted.
    expect(out.filter((p) => p.phase === 'catalog-download').at(-1)).toMatchObject({ loaded: 1200, total: 1200 });
    expect(out.filter((p) => p.phase === 'model-download').at(-1)).toMatchObject({ loaded: 10_000, total: 10_000 });
    expect(out.at(-1)).toMatchObject({ phase: 'ready' });
    expect(out.filter((p) => p.phase === 'ready')).toHaveLength(1);
    // Far fewer events than pushes, both phases heard throughout.
    expect(out.length).toBeLessThan(40);
    expect(out.slice(0, 6).map((p) => p.phase)).toEqual(expect.arrayContaining(['catalog-download', 'model-download']));
  });

  it('sends a lone event at once and nothing after ready', () => {
    const { time, out, throttle } = start();
    throttle.push({ phase: 'catalog-parse', loaded: 0, total: 1 });
    time.advance(0);
    expect(out).toHaveLength(1);
    throttle.push({ phase: 'ready', loaded: 1, total: 1 });
    time.advance(100);
    throttle.push({ phase: 'embed', loaded: 1, total: 2 });
    time.advance(100);
    expect(out.map((p) => p.phase)).toEqual(['catalog-parse', 'ready']);
  });

  it('drops start-up phases pushed after ready, so work after start-up never holds ready back; readySent settles then', async () => {
    const { time, out, throttle } = start();
    let settled = false;
    void throttle.readySent.then(() => (settled = true));
    throttle.push({ phase: 'catalog-parse', loaded: 0, total: 4 });
    time.advance(0);
    throttle.push({ phase: 'catalog-parse', loaded: 4, total: 4 });
    throttle.push({ phase: 'ready', loaded: 1, total: 1 });
    // The display records of the first results, read right after start-up, report as catalog-parse.
    throttle.push({ phase: 'catalog-parse', loaded: 1, total: 1 });
    await Promise.resolve();
    expect(settled).toBe(false);
    time.advance(100);
    await Promise.resolve();
    expect(out.map((p) => [p.phase, p.loaded])).toEqual([
      ['catalog-parse', 0],
      ['catalog-parse', 4],
      ['ready', 1],
    ]);
    expect(settled).toBe(true);
  });

  it('after ready, sends only what loads after start-up (runtime, a lazily loaded model), throttled, each total fixed and reached', () => {
    const { time, out, throttle } = start();
    throttle.push({ phase: 'catalog-download', loaded: 100, total: 100 });
    throttle.push({ phase: 'ready', loaded: 1, total: 1 });
    time.advance(100);
    // The sequence model's runtime, then a search loads the encoder while the runtime is still coming, 1 ms apart.
    for (let t = 0; t <= 200; t++) {
      throttle.push({ phase: 'runtime-download', loaded: Math.min(t * 70, 14_000), total: 14_000 });
      if (t >= 50) throttle.push({ phase: 'model-download', loaded: Math.min((t - 50) * 50, 7_000), total: 7_000 });
      throttle.push({ phase: 'catalog-download', loaded: 100, total: 100 });
      throttle.push({ phase: 'embed', loaded: t, total: 200 });
      time.advance(1);
    }
    time.advance(1000);
    const readyAt = out.findIndex((p) => p.phase === 'ready');
    const after = out.slice(readyAt + 1);
    expect(new Set(after.map((p) => p.phase))).toEqual(new Set(['runtime-download', 'model-download']));
    for (let i = 1; i < after.length; i++) expect(after[i]!.at - after[i - 1]!.at).toBeGreaterThanOrEqual(16);
    for (const [phase, total] of [['runtime-download', 14_000], ['model-download', 7_000]] as const) {
      const seen = after.filter((p) => p.phase === phase);
      expect(seen.length).toBeGreaterThan(2);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.loaded).toBeGreaterThanOrEqual(seen[i - 1]!.loaded);
      for (const p of seen) expect(p.total).toBe(total);
      expect(seen.at(-1)).toMatchObject({ loaded: total, total });
    }
    expect(after.length).toBeLessThan(20);
  });

  it('sends ready after the start-up phases even while a download that goes on past it keeps reporting', () => {
    const { time, out, throttle } = start();
    // The sequence model's files start as the parts finish, and report every millisecond for 500 ms.
    throttle.push({ phase: 'catalog-download', loaded: 100, total: 100 });
    throttle.push({ phase: 'catalog-parse', loaded: 1, total: 1 });
    throttle.push({ phase: 'sequence-download', loaded: 0, total: 500 });
    throttle.push({ phase: 'ready', loaded: 1, total: 1 });
    for (let t = 1; t <= 500; t++) {
      time.advance(1);
      throttle.push({ phase: 'sequence-download', loaded: t, total: 500 });
    }
    time.advance(1000);
    const phases = out.map((p) => p.phase);
    const readyAt = phases.indexOf('ready');
    // Within a few frames of being pushed, not once the download ended.
    expect(out[readyAt]!.at).toBeLessThan(100);
    expect(phases.slice(0, readyAt)).toEqual(expect.arrayContaining(['catalog-download', 'catalog-parse']));
    expect(phases.slice(readyAt + 1).every((p) => p === 'sequence-download')).toBe(true);
    expect(out.at(-1)).toMatchObject({ phase: 'sequence-download', loaded: 500, total: 500 });
  });
});
