// The plugin contract: hooks, definePlugin, the loader, and the types plugins see.
export * from './contracts.js';
export * from './auth-contracts.js';
export * from './define.js';
export * from './cli-contracts.js';
export * from './git-contracts.js';
export * from './settings-contracts.js';
export * from './events.js';
export * from './hooks.js';
export * from './instrument.js';
export * from './loader.js';
export * from './mail-contracts.js';
export * from './route-contracts.js';
export * from './services.js';
