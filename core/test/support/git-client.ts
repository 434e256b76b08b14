// The stock git client over HTTP: now part of the plugin authors' test kit.
export { cloneUrl, commitFile, gitOk, gitRun, tempDir, writeFiles, type GitResult } from '@pagurus/core/testing';
