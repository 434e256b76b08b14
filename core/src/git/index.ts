// Infrastructure: git repositories on disk, and running the git binary.
export * from './exec.js';
export * from './repositories.js';
export * from './service.js';
