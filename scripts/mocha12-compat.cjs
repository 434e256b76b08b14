// Mocha 12 ships its CLI helpers as lib/cli/*.cjs, which @stryker-mutator/mocha-runner
// (10.1) still require()s without an extension ("mocha/lib/cli/run-helpers"): this retries
// such a request with ".cjs". Loaded in the mutate script and Stryker's test-runner processes.
const Module = require('node:module');
const original = Module._resolveFilename;
Module._resolveFilename = function resolveFilename(request, ...rest) {
  try {
    return original.call(this, request, ...rest);
  } catch (error) {
    if (/[\\/]mocha[\\/]lib[\\/]cli[\\/][\w-]+$/.test(request)) return original.call(this, `${request}.cjs`, ...rest);
    throw error;
  }
};
