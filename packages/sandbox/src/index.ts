export * from './github/index.js';
export * from './iam/index.js';
export { preciseNow, serialRounds } from './spans.js';
export type { CallSpan } from './spans.js';
