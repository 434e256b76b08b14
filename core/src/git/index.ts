// Infrastructure: git repositories on disk, and running the git binary.
export * from './exec.js';
export * from './repositories.js';
export * from './service.js';
export * from './push.js';
export * from './refs.js';
export * from './ahead-behind.js';
export * from './trees.js';
export * from './commits.js';
export * from './merge.js';
export * from './diff.js';
export * from './version.js';
export * from './log.js';
export * from './wants.js';
export * from './read-pool.js';
export * from './ref-store.js';
export { objectInfo, objectInfos } from './objects.js';
export { prepareReads } from './prepare.js';
export { objectFiles } from './object-files.js';
