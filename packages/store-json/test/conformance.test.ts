import { join } from 'node:path';
import { describeKeyStoreConformance } from '@creds/keystore-conformance';
import { createJsonStore } from '../src/index.js';
import { makeTempDir } from './temp-dir.js';

describeKeyStoreConformance('json', async () => {
  const { dir, cleanup } = await makeTempDir();
  return { store: createJsonStore({ path: join(dir, 'creds', 'keys.json') }), cleanup };
});
