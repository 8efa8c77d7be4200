export { describeKeyStoreConformance, everythingAbout } from './describe-conformance.js';
export type { ConformanceStore, MakeConformanceStore } from './describe-conformance.js';
export { uniqueName } from './names.js';
export { fakeAccessKeyId, fakeSecretAccessKey, ODD_VALUES } from './values.js';
