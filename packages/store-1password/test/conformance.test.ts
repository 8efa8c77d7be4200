import { describeKeyStoreConformance } from '@creds/keystore-conformance';
import { createOnePasswordStore } from '../src/index.js';
import { startFakeOp } from './fake-op.js';

// `op` is found on PATH (the fake's bin folder first), as users run it.
describeKeyStoreConformance('1password (fake op)', async () => {
  const fake = await startFakeOp(['Private']);
  return { store: createOnePasswordStore({ vault: 'Private', env: fake.env }), cleanup: fake.cleanup };
});
