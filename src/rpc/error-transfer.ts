import { transferHandlers, type TransferHandler } from 'comlink';
import { ERROR_CODES, PocketRecError, type ErrorCode, type ErrorDetails } from '../errors';

interface WirePocketRecError {
  pocketRec: true;
  code: ErrorCode;
  message: string;
  details: ErrorDetails;
  stack?: string;
}

let installed = false;

/**
 * Comlink rebuilds thrown errors as plain `Error`s with only name, message and stack. Wrapping its built-in
 * `throw` handler on both sides carries `code` and `details` across, so the host receives a real
 * `PocketRecError` it can branch on. Idempotent: both the client and the worker call it at start-up.
 */
export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const builtin = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, unknown>;
  const handler: TransferHandler<{ value: unknown }, unknown> = {
    canHandle: (value): value is { value: unknown } => builtin.canHandle(value),
    serialize(thrown) {
      const error = thrown.value;
      if (!(error instanceof PocketRecError)) return builtin.serialize(thrown);
      const wire: WirePocketRecError = { pocketRec: true, code: error.code, message: error.message, details: { ...error.details } };
      if (error.stack !== undefined) wire.stack = error.stack;
      return [wire, []];
    },
    deserialize(serialized) {
      const wire = serialized as Partial<WirePocketRecError>;
      if (wire?.pocketRec !== true || !ERROR_CODES.includes(wire.code as ErrorCode)) return builtin.deserialize(serialized);
      throw new PocketRecError(wire.code!, wire.message ?? '', { details: wire.details ?? {} });
    },
  };
  transferHandlers.set('throw', handler);
}
