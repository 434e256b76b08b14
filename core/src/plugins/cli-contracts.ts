// A plugin's own `pagurus <command>`s (types only; cli/plugin-commands.ts implements them).
// They are declared by `commands` in definePlugin, which the CLI reads before it parses the
// command line, without a database: `pagurus --help` lists them even when none is reachable.
import type { Config } from '../config/index.js';
import type { ForgeApi, ProcessRole } from './contracts.js';

export interface CliOptionDefinition {
  /** As commander takes them: "-p, --port <port>", "--once", "--name [value]". */
  flags: string;
  description: string;
  /** The value when the option is not given. */
  default?: string | boolean;
}

export interface CliArgumentDefinition {
  name: string;
  description?: string;
  /** Default true. */
  required?: boolean;
}

export interface CliBootOptions {
  /**
   * The process's role, as `forge.role`, the ready hook and the log's "role" show it: core's
   * ('web', 'worker', 'cli') or the plugin's own ("milter", "sse"). Default: the command's name.
   */
  role?: ProcessRole;
  /** Take queued jobs in this process too (needs Redis and a database server; default false). */
  processJobs?: boolean;
  /** Build the web app (core's pages, API and every plugin's routes) so `listen` can serve it (default false). */
  http?: boolean;
  /** Log to standard error: the command's standard output is a protocol (git's, over SSH) or an answer a program reads. */
  logToStderr?: boolean;
}

/** A forge a command booted in its process (its members may be destructured). */
export interface CliForge {
  /** The forge as this plugin sees it in `apply`. */
  readonly forge: ForgeApi;
  /** Only with `http: true`: serves the web app and fires `ready`; answers the URL (port 0 picks a free one). */
  listen: (port?: number, host?: string) => Promise<string>;
  /** Fires the `ready` hook (listen does it itself). */
  ready: () => Promise<void>;
  /** Closes the forge: the `close` hook, then the queue, pub/sub and database. */
  close: () => Promise<void>;
}

/** What an action receives (its members may be destructured). */
export interface CliCommandContext {
  /** The operands, as typed. */
  args: string[];
  /** The options, by commander's camel-cased names ("--max-size" → maxSize). */
  options: Record<string, string | boolean | undefined>;
  /** The config the command line and environment give. */
  config: Readonly<Config>;
  /**
   * Boots a forge in this process: migrations checked, plugins applied (with their hooks),
   * database and queue open. If the action returns with it still open, the process keeps
   * running (a server) until SIGINT or SIGTERM, which closes it.
   */
  boot: (options?: CliBootOptions) => Promise<CliForge>;
  /** Runs `stop` on SIGINT or SIGTERM, before the booted forges close: close your own listeners here. */
  onStop: (stop: () => Promise<void> | void) => void;
  /** Prints a line on standard output (logs go to the log). */
  say: (line: string) => void;
}

export interface CliCommandDefinition {
  /** `pagurus <name>`: lower-case letters, digits and dashes, not a core command's name. */
  name: string;
  /** One line for `pagurus --help`. */
  description: string;
  arguments?: readonly CliArgumentDefinition[];
  options?: readonly CliOptionDefinition[];
  /** Throw a StartupError for a one-line refusal (exit 1); anything else prints a stack. */
  action(context: CliCommandContext): Promise<void> | void;
}

/** What `commands` in definePlugin receives. */
export interface CliRegistry {
  command(definition: CliCommandDefinition): void;
}
