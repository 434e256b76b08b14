// Infrastructure: the database handle, migrations, transactions' after-commit work, locks.
export * from './after-commit.js';
export * from './connect.js';
export * from './migrate.js';
export * from './repo-lock.js';
export * from './types.js';
export { coreMigrations } from './migrations/index.js';
export { acquireEmbeddedLock, embeddedLockFile } from './embedded-lock.js';
export * from './rows.js';
export * from './parallel.js';
export * from './json-list.js';
export { isDatabaseUnavailable } from './unavailable.js';
export * from './event-log.js';
