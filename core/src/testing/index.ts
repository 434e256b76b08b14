// @pagurus/core/testing: how core's and every plugin's tests boot a forge.
export * from './drain-jobs.js';
export * from './event-recorder.js';
export * from './free-port.js';
export * from './git-client.js';
export * from './mailbox.js';
export * from './modes.js';
export * from './page-client.js';
export * from './push.js';
export * from './stand-in.js';
export * from './stub-server.js';
export * from './tcp-proxy.js';
export * from './test-forge.js';
export * from './wait.js';
export { pgliteTemplate } from './services.js';
export * from './cli.js';
