// Configuration: keys, loading and validation, the instance secret.
export * from './keys.js';
export * from './load.js';
export * from './secret.js';
export * from './types.js';
