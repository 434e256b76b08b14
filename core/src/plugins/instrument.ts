// Wraps every tap so a failure names the plugin and hook it came from, and so event
// listeners can never fail anything but themselves.
import type { Logger } from 'pino';
import { isForgeError, isStartupError } from '../errors/index.js';
import type { ForgeHooks, HookName } from './hooks.js';

/**
 * An unexpected error thrown by a tap, naming where it came from. It keeps the original
 * error's stack rather than a `cause`, so logs show the message once and the frames that matter.
 */
export class HookError extends Error {
  override readonly name = 'HookError';
  constructor(
    readonly plugin: string,
    readonly hook: string,
    original: unknown,
  ) {
    super(`${plugin} failed in ${hook}: ${original instanceof Error ? original.message : String(original)}`);
    const frames = original instanceof Error ? original.stack?.split('\n').slice(1).join('\n') : undefined;
    if (frames) this.stack = `${this.name}: ${this.message}\n${frames}`;
  }
}

interface Tap {
  type: 'sync' | 'async' | 'promise';
  name: string;
  fn: (...args: unknown[]) => unknown;
}

function annotate(plugin: string, hook: string, error: unknown): unknown {
  // Typed errors are deliberate answers (a policy refusing with Forbidden, say): pass them on.
  if (isForgeError(error) || isStartupError(error) || error instanceof HookError) return error;
  return new HookError(plugin, hook, error);
}

function wrap(tap: Tap, onError: (error: unknown) => unknown): Tap {
  const { fn } = tap;
  switch (tap.type) {
    case 'sync':
      return {
        ...tap,
        fn: (...args) => {
          try {
            return fn(...args);
          } catch (error) {
            return onError(error);
          }
        },
      };
    case 'promise':
      return {
        ...tap,
        fn: async (...args) => {
          try {
            return await fn(...args);
          } catch (error) {
            return onError(error);
          }
        },
      };
    case 'async':
      return {
        ...tap,
        fn: (...args) => {
          const callback = args.pop() as (error?: unknown, result?: unknown) => void;
          try {
            fn(...args, (error?: unknown, result?: unknown) => {
              if (error) {
                try {
                  callback(undefined, onError(error));
                } catch (thrown) {
                  callback(thrown);
                }
              } else callback(undefined, result);
            });
          } catch (error) {
            try {
              callback(undefined, onError(error));
            } catch (thrown) {
              callback(thrown);
            }
          }
        },
      };
  }
}

export function instrumentHooks(hooks: ForgeHooks, log: Logger): void {
  for (const name of Object.keys(hooks) as HookName[]) {
    const hook = hooks[name] as unknown as { intercept(interceptor: { register(tap: Tap): Tap }): void };
    hook.intercept({
      register: (tap) =>
        wrap(tap, (error) => {
          const annotated = annotate(tap.name, name, error);
          if (name === 'event' || name === 'close') {
            log.error({ err: annotated, plugin: tap.name, hook: name }, `${tap.name} failed in ${name}`);
            return undefined;
          }
          throw annotated;
        }),
    });
  }
}
