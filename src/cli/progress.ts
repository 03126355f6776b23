/**
 * Progress lines with a rate and an ETA for the CLI's long loops (embedding a catalogue, training). One line every
 * few seconds and one at the end, so a build log in CI stays readable while a person at a terminal still sees it
 * move. `unit` names what is counted, for the rate (`42 items/s`). The rate is measured from the first step on,
 * once there is a second one: what came before it (starting threads, loading a model) is not the pace of the rest.
 */
export function createProgress(label: string, total: number, log: (line: string) => void, { unit = 'items', everyMs = 3000 }: { unit?: string; everyMs?: number } = {}): (done: number) => void {
  const started = performance.now();
  let last = started;
  let first: { at: number; done: number } | null = null;
  return (done) => {
    const now = performance.now();
    first ??= { at: now, done };
    if (done < total && now - last < everyMs) return;
    last = now;
    const seconds = (now - started) / 1000;
    const steady = done > first.done && now > first.at;
    const rate = steady ? ((done - first.done) * 1000) / (now - first.at) : done / Math.max(seconds, 1e-3);
    const eta = done >= total ? 'done' : `ETA ${formatDuration((total - done) / Math.max(rate, 1e-9))}`;
    log(`${label}: ${done}/${total} (${((100 * done) / Math.max(total, 1)).toFixed(0)} %), ${formatDuration(seconds)} elapsed, ${formatRate(rate)} ${unit}/s, ${eta}`);
  };
}

export function formatDuration(seconds: number): string {
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s` : `${seconds.toFixed(0)} s`;
}

function formatRate(perSecond: number): string {
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toPrecision(2);
}
