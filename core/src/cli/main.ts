// Entry point of the `pagurus` command.
import { reportAndExit } from './output.js';
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => reportAndExit(error));
