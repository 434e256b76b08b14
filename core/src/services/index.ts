// The domain: rules, transactions, events and jobs. Knows nothing of Koa.
export * from './event-bus.js';
export * from './health.js';
export * from './policy.js';
export * from './tasks.js';
