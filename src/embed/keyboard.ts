const STEPS: Readonly<Record<string, number>> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };

/**
 * Where a key moves the focus in a list of entries: arrows step (stopping at the ends, as a listbox does),
 * Home and End jump. Returns null for any other key, so Tab, Enter and typing keep their usual meaning.
 */
export function entryForKey(entries: readonly HTMLElement[], current: Element | null, key: string): HTMLElement | null {
  if (entries.length === 0) return null;
  if (key === 'Home') return entries[0]!;
  if (key === 'End') return entries[entries.length - 1]!;
  const step = STEPS[key];
  if (step === undefined) return null;
  const at = entries.findIndex((entry) => entry === current || entry.contains(current));
  if (at === -1) return entries[step > 0 ? 0 : entries.length - 1]!;
  return entries[Math.min(entries.length - 1, Math.max(0, at + step))]!;
}
