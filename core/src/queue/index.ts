// Infrastructure: the job queue port and its adapters (inline, bull), and pub/sub.
export * from './bull.js';
export * from './inline.js';
export * from './pubsub.js';
export * from './redis.js';
export * from './types.js';
