/**
 * The one error class PocketRec throws. Hosts branch on `code`, never on the message.
 * It survives the worker boundary through the comlink transfer handler in `src/rpc`.
 */
export const ERROR_CODES = Object.freeze([
  'invalid-option',
  'invalid-event',
  'catalog-invalid',
  'catalog-empty',
  'catalog-fetch-failed',
  'store-unavailable',
  'store-quota',
  'encoder-unavailable',
  'model-invalid',
  'asset-failed',
  'worker-crashed',
  'aborted',
  'disposed',
] as const);

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetails {
  readonly [key: string]: string | number | boolean | null | undefined;
}

export class PocketRecError extends Error {
  override readonly name = 'PocketRecError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isPocketRecError(value: unknown, code?: ErrorCode): value is PocketRecError {
  return value instanceof PocketRecError && (code === undefined || value.code === code);
}
