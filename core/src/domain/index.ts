// The lowest layer beside errors: the forge's nouns and constants, with pure helpers only.
export * from './fault-points.js';
export * from './acls.js';
export * from './integers.js';
export * from './limits.js';
export * from './project-paths.js';
export * from './records.js';
export * from './refs.js';
export * from './tickets.js';
