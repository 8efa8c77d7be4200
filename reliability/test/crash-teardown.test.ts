import { crashMatrixTest } from '../src/crash-test.js';

crashMatrixTest('teardown');
