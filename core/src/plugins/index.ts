// The plugin contract: hooks, definePlugin, the loader, and the types plugins see.
export * from './contracts.js';
export * from './define.js';
export * from './events.js';
export * from './hooks.js';
export * from './instrument.js';
export * from './loader.js';
export * from './services.js';
