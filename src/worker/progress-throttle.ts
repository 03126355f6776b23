import type { Progress } from './api';

type Phase = Progress['phase'];

/** One phase's running count: files it reported one after another add up, so its `loaded` never goes back. */
interface PhaseState {
  /** Bytes (or units) of the files this phase finished before the current one. */
  base: number;
  last: { loaded: number; total: number } | null;
  out: { loaded: number; total: number };
  /** When the phase changed without being sent yet; null when sent. */
  dirtySince: number | null;
}

export interface ProgressThrottle {
  push(progress: Progress): void;
  /** Settles once `ready` has been sent: start-up answers the host only after its progress says so. */
  readonly readySent: Promise<void>;
}

export interface ThrottleOptions {
  /** The shortest gap between two events. @defaultValue 16 (about one animation frame) */
  windowMs?: number;
  now(): number;
  setTimer(run: () => void, ms: number): void;
}

/** What may still load once the first recommendation can be served: a lazily loaded encoder, the sequence model and its runtime. */
const AFTER_READY: ReadonlySet<Phase> = new Set(['model-download', 'runtime-download', 'sequence-download']);

/**
 * Progress for the host, whatever its sources do: at most one event per window; within a phase `loaded` never
 * decreases (a source that starts its next file at 0 is added to what it finished); every phase's last state is
 * sent, so each ends complete; `ready` comes after every start-up phase. Once `ready` is pushed, only the
 * downloads that may follow start-up (`AFTER_READY`) are still taken: other work after start-up (display records
 * read for the first results) is not start-up progress and must not hold `ready` back. Phases that load in
 * parallel take turns, the longest-waiting first.
 */
export function createProgressThrottle(emit: (progress: Progress) => void, options: ThrottleOptions): ProgressThrottle {
  const windowMs = options.windowMs ?? 16;
  const phases = new Map<Phase, PhaseState>();
  let ready = false;
  let readySent = false;
  // The phases still to send when `ready` was pushed: those go out first, then `ready`, then everything after it. A
  // download that goes on past ready (the sequence model's files) would otherwise hold `ready` back until it ends.
  let beforeReady = new Set<Phase>();
  let markSent!: () => void;
  const sent = new Promise<void>((resolve) => (markSent = resolve));
  let lastEmit = -Infinity;
  let timerSet = false;

  const next = (only?: ReadonlySet<Phase>): [Phase, PhaseState] | null => {
    let best: [Phase, PhaseState] | null = null;
    for (const entry of phases) if (entry[1].dirtySince !== null && (!only || only.has(entry[0])) && (!best || entry[1].dirtySince < best[1].dirtySince!)) best = entry;
    return best;
  };
  const flush = () => {
    timerSet = false;
    const due = ready && !readySent ? next(beforeReady) : next();
    if (due) {
      const [phase, state] = due;
      state.dirtySince = null;
      beforeReady.delete(phase);
      emit({ phase, loaded: state.out.loaded, total: state.out.total } as Progress);
    } else if (ready && !readySent) {
      readySent = true;
      emit({ phase: 'ready', loaded: 1, total: 1 });
      markSent();
    } else {
      return;
    }
    lastEmit = options.now();
    schedule();
  };
  const schedule = () => {
    if (timerSet || (!next() && (!ready || readySent))) return;
    timerSet = true;
    options.setTimer(flush, Math.max(0, lastEmit + windowMs - options.now()));
  };

  return {
    readySent: sent,
    push(progress) {
      if (ready && !AFTER_READY.has(progress.phase)) return;
      if (progress.phase === 'ready') {
        ready = true;
        beforeReady = new Set([...phases].filter(([, state]) => state.dirtySince !== null).map(([phase]) => phase));
        schedule();
        return;
      }
      let state = phases.get(progress.phase);
      if (!state) phases.set(progress.phase, (state = { base: 0, last: null, out: { loaded: 0, total: 0 }, dirtySince: null }));
      // A count that falls back is the source's next file: what it finished stays counted.
      if (state.last && progress.loaded < state.last.loaded) state.base += Math.max(state.last.loaded, state.last.total);
      state.last = { loaded: progress.loaded, total: progress.total };
      const loaded = Math.max(state.out.loaded, state.base + progress.loaded);
      state.out = { loaded, total: Math.max(loaded, state.base + progress.total) };
      state.dirtySince ??= options.now();
      schedule();
    },
  };
}
