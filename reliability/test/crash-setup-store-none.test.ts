import { crashMatrixTest } from '../src/crash-test.js';

// store: { type: "none" }: GitHub holds the only copy of the key, so after every kill the run that
// continues must delete a key whose secret never reached GitHub and make a fresh one.
crashMatrixTest('setup', { store: 'none' });
