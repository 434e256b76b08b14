// Entry point of the `pagurus` command: core's commands, then the configured plugins' own.
import { reportAndExit } from './output.js';
import { addPluginCommands } from './plugin-commands.js';
import { buildProgram } from './program.js';

const program = buildProgram();
addPluginCommands(program, process.argv)
  .then(() => program.parseAsync(process.argv))
  .catch((error: unknown) => reportAndExit(error));
