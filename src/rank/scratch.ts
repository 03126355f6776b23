/**
 * Grow-only memory for one function's temporaries, handed out as zeroed typed views into a kept buffer. A typed
 * array with a backing store of its own costs about a microsecond to allocate in V8 (and counts as external memory
 * that hastens the next collection); a request makes dozens of them, so at 10 k items they were a tenth of
 * `recommend`. A view into a kept buffer costs tens of nanoseconds.
 *
 * `begin()` at the start of each call hands the whole buffer out again: nothing taken may be kept past the call, or
 * across anything that begins the same scratch. Each module keeps its own, so one stage's call into another cannot
 * overwrite what the first still reads.
 */
export interface Scratch {
  begin(): void;
  f64(length: number): Float64Array;
  f32(length: number): Float32Array;
  u32(length: number): Uint32Array;
  u8(length: number): Uint8Array;
}

export function createScratch(): Scratch {
  let buffer = new ArrayBuffer(4096);
  let used = 0;
  /** Byte offset of `bytes` more, 8-aligned for any view type. */
  const take = (bytes: number): number => {
    const start = (used + 7) & ~7;
    if (start + bytes <= buffer.byteLength) {
      used = start + bytes;
      return start;
    }
    // Views already taken keep the old buffer alive until the call ends; the new one serves the rest.
    buffer = new ArrayBuffer(Math.max(2 * buffer.byteLength, 2 * bytes));
    used = bytes;
    return 0;
  };
  // The offset first: taking may replace the buffer.
  return {
    begin() {
      used = 0;
    },
    f64(length) {
      const at = take(length * 8);
      return new Float64Array(buffer, at, length).fill(0);
    },
    f32(length) {
      const at = take(length * 4);
      return new Float32Array(buffer, at, length).fill(0);
    },
    u32(length) {
      const at = take(length * 4);
      return new Uint32Array(buffer, at, length).fill(0);
    },
    u8(length) {
      const at = take(length);
      return new Uint8Array(buffer, at, length).fill(0);
    },
  };
}
