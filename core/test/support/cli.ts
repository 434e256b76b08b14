// The CLI runner is part of the plugin authors' test kit now.
export { cliMode, oneLineError, runCli, startCli, type CliResult, type RunningCli } from '../../src/testing/index.js';
