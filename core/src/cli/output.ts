// How the CLI talks to people: results on stdout, one-line problems on stderr.
import { isForgeError, isStartupError } from '../errors/index.js';

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Start-up problems and refused input are the user's to fix: one line. Anything else is a bug: the stack. */
export function reportAndExit(error: unknown): never {
  if (isStartupError(error)) {
    process.stderr.write(`pagurus: ${error.message}\n`);
    process.exit(1);
  }
  if (isForgeError(error)) {
    // A refusal from the forge's rules (a name taken, a bad email): what, and why, in one line.
    const errors = error.errors;
    const details =
      errors === undefined
        ? ''
        : typeof errors === 'string'
          ? errors
          : Array.isArray(errors)
            ? errors.join('; ')
            : Object.entries(errors)
                .map(([field, messages]) => `${field}: ${messages.join(' ')}`)
                .join('; ');
    process.stderr.write(`pagurus: ${details && details !== error.message ? `${error.message} (${details})` : error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`pagurus: unexpected error (please report it)\n${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(70);
}

/** Closes on SIGINT/SIGTERM; a second signal exits at once. */
export function closeOnSignals(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`pagurus: ${signal} received, stopping\n`);
    close().then(
      () => process.exit(0),
      (error: unknown) => reportAndExit(error),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Prints rows as aligned columns under a header. */
export function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [header, ...rows])
    say(
      row
        .map((cell, i) => (cell ?? '').padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}
