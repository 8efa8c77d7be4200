import { CredsError } from '@creds/core';
import type { Creds, CredsOptions } from './api.js';
import type { LoadedConfig } from './config/load.js';

/** Builds the front-end for a loaded config. Nothing is written until a run starts. */
export async function createCreds(_config: LoadedConfig, _options: CredsOptions = {}): Promise<Creds> {
  throw new CredsError('not built yet', { code: 'NOT_IMPLEMENTED' });
}
