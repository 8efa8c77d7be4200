export { startIamServer } from './server.js';
export type { IamSandbox } from './server.js';
export type { AddKeyInput, AddUserInput, IamControl } from './control.js';
export { CallLog } from './calls.js';
export type { CallRecord } from './calls.js';
export { optionsFromEnv, parseFaults } from './options.js';
export type { FaultSpec, IamServerOptions } from './options.js';
export { DEFAULT_ACCOUNT_ID, DEFAULT_ADMIN } from './seed.js';
export type { IamState, SandboxAccessKey, SandboxPolicy, SandboxPrincipal, SandboxUser } from './state.js';
