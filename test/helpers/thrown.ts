import { expect } from 'vitest';
import { PocketRecError } from '../../src/errors';

/** The PocketRecError that `fn` throws synchronously; fails the test if it returns or throws anything else. */
export function thrownError(fn: () => unknown): PocketRecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PocketRecError);
    return e as PocketRecError;
  }
  throw new Error('expected a PocketRecError');
}
