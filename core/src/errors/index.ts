// The lowest layer: error types and codes shared by every other folder.
export * from './codes.js';
export * from './forge-error.js';
export * from './startup-error.js';
