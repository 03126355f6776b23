export { PocketRecError, isPocketRecError, ERROR_CODES, type ErrorCode, type ErrorDetails } from './pocketrec-error';
export { closestName, findUnknownKey, unknownKeyHint, toItemId, showValue, isPlainObject, findNonData } from './checks';
