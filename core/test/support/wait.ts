// Polling for things that happen after a response: now part of the plugin authors' test kit.
export { eventually } from '@pagurus/core/testing';
