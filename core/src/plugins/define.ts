// definePlugin: how a plugin package describes itself to the loader.
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Migration } from '../db/index.js';
import type { CliRegistry } from './cli-contracts.js';
import type { ForgeApi } from './contracts.js';

const PLUGIN_MARK = Symbol.for('pagurus.plugin');

/** Options schema: any Standard Schema (zod, valibot, arktype, ...). */
export type OptionsSchema = StandardSchemaV1<unknown, unknown>;

type OptionsOf<S> = S extends StandardSchemaV1<unknown, infer O> ? O : Record<string, never>;

export interface PluginDefinition<S extends OptionsSchema | undefined = OptionsSchema | undefined> {
  /** The plugin's short name, as its package.json marker gives it (or derived from the package name). */
  readonly name: string;
  /** Validates the options the admin gives in the config; its output is what `apply` receives. */
  readonly options?: S;
  /** Its own tables, created by `pagurus migrate` after core's; names start with the plugin's. */
  readonly migrations?: readonly Migration[];
  /** Taps hooks. Runs once per process, in dependency order, before the forge serves. */
  apply(forge: ForgeApi, options: OptionsOf<S>): void | Promise<void>;
  /** Adds `pagurus <command>`s; the CLI calls it before parsing, with no forge booted (an action boots one). */
  commands?(cli: CliRegistry, options: OptionsOf<S>): void;
}

export function definePlugin<S extends OptionsSchema | undefined = undefined>(definition: PluginDefinition<S>): PluginDefinition<S> {
  if (!definition || typeof definition.name !== 'string' || typeof definition.apply !== 'function') {
    throw new TypeError('definePlugin() needs at least a name and an apply(forge, options) function');
  }
  return Object.freeze(Object.assign(Object.create(null) as object, definition, { [PLUGIN_MARK]: true }));
}

export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_MARK] === true;
}
