// Named steps where the fault tests stop a process, to kill it exactly there (a worker
// between writing a merge commit and moving the branch, say). Only the test switch
// PAGURUS_FAULT_PAUSE=<name> stops anything; without it the step is a string comparison,
// and with it the work before and after the step is the very code production runs.

/** Stops here for good (until the process is killed) when the test switch names this step. */
export async function faultPoint(name: string): Promise<void> {
  if (process.env.PAGURUS_FAULT_PAUSE !== name) return;
  process.stderr.write(`pagurus: paused at fault point ${name}\n`);
  await new Promise<never>(() => undefined);
}
