// @pagurus/core/testing: how core's and every plugin's tests boot a forge.
export * from './modes.js';
export * from './test-forge.js';
export { pgliteTemplate } from './services.js';
