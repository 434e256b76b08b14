// One mocha configuration for every package: TypeScript runs through tsx's ESM loader,
// and workspace packages resolve to their sources (the "source" export condition), so
// tests never run against a stale build. Only the ESM loader is registered: with tsx's
// CommonJS hook too, mocha would require() test files as CommonJS while plugins are
// import()ed as ESM, and core would be loaded twice.
module.exports = {
  'node-option': ['conditions=source', 'import=tsx/esm'],
  extension: ['ts'],
  reporter: require.resolve('./scripts/mocha-summary-reporter.cjs'),
  timeout: 30000,
  slow: 2000,
  exit: true,
};
