/** How many bad rows one error lists: enough to see every kind of mistake, few enough to read. */
export const BAD_ROW_LIMIT = 20;

/** Every bad row of one input file, so that one build run shows all of them instead of stopping at the first. */
export class BadRowsError extends Error {
  constructor(
    readonly file: string,
    readonly count: number,
    readonly rows: readonly string[],
  ) {
    const listed = count > rows.length ? ` (the first ${rows.length} listed)` : '';
    super(`${file}: ${count} bad row${count === 1 ? '' : 's'}${listed}:\n  ${rows.join('\n  ')}\nFix them and run the build again; nothing was written.`);
  }
}

/** Collects the rows of one file that fail, up to `limit` messages (all are counted); `check()` throws if any did. */
export function collectBadRows(file: string, limit = BAD_ROW_LIMIT): { add(error: unknown): void; check(): void } {
  const rows: string[] = [];
  let count = 0;
  return {
    add(error) {
      count++;
      if (rows.length < limit) rows.push(error instanceof Error ? error.message : String(error));
    },
    check() {
      if (count > 0) throw new BadRowsError(file, count, rows);
    },
  };
}
