export * from './github/index.js';
export * from './iam/index.js';
