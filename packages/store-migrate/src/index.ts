export { migrateKeys } from './migrate-keys.js';
export type { MigrateKeysOptions, MigrationEntryReport, MigrationOutcome, MigrationReport } from './migrate-keys.js';
