// One mocha configuration for every package: TypeScript runs through tsx, and
// workspace packages resolve to their sources (the "source" export condition),
// so tests never run against a stale build.
module.exports = {
  'node-option': ['conditions=source', 'import=tsx/esm'],
  extension: ['ts'],
  timeout: 30000,
  slow: 2000,
  exit: true,
};
