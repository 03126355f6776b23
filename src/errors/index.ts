export { PocketRecError, isPocketRecError, ERROR_CODES, type ErrorCode, type ErrorDetails } from './pocketrec-error';
