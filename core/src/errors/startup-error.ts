// A mistake in how the forge was set up (config, plugins, services it cannot reach):
// the CLI prints its message as one line and exits, never with a stack trace.

const STARTUP_ERROR = Symbol.for('pagurus.StartupError');

export class StartupError extends Error {
  override readonly name = 'StartupError';
  readonly [STARTUP_ERROR] = true;
}

/** Recognised by a registered symbol, so a copy of core inside a plugin is understood too. */
export function isStartupError(value: unknown): value is StartupError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[STARTUP_ERROR] === true;
}
