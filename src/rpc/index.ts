export { installErrorTransfer } from './error-transfer';
