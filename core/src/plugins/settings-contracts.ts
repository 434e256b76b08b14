// Per-project plugin settings, as plugins declare and read them through `forge.settings`
// (types only; services/plugin-settings implements them).
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ProjectRecord } from '../domain/index.js';

/** How a field shows on the settings page. A checkbox is a boolean; the others are strings. */
export type SettingsFieldType = 'text' | 'textarea' | 'checkbox' | 'select';

export interface SettingsField {
  /** The key in the settings object, in form bodies and in the API's JSON. */
  name: string;
  label: string;
  type: SettingsFieldType;
  /** A sentence under the field. */
  help?: string;
  /** For `select`: the values offered, with their labels (the value when absent). */
  choices?: ReadonlyArray<{ value: string; label?: string }>;
}

/** Any Standard Schema (zod, valibot, arktype...) of an object. */
export type SettingsSchema = StandardSchemaV1<unknown, Record<string, unknown>>;

export interface PluginSettingsDefinition<S extends SettingsSchema = SettingsSchema> {
  /** The section's heading on the project settings page (default: the plugin's name). */
  title?: string;
  /** A sentence under the heading. */
  description?: string;
  /** The fields of the form, in order; the API takes exactly these keys. */
  fields: readonly SettingsField[];
  /**
   * Validates the whole settings object: the stored one with the change laid over it.
   * A project that never saved any has `{}`, so give every key a default. Its output is
   * stored (as JSON) and is what `get` answers.
   */
  schema: S;
}

export type SettingsOf<S> = S extends StandardSchemaV1<unknown, infer O> ? O : never;

/** One plugin's settings, as `forge.settings.define` answers them. */
export interface PluginSettingsHandle<T> {
  /** The project's settings (the schema's defaults for a project that never saved any). */
  get(project: ProjectRecord): Promise<T>;
  /**
   * Lays `change` over the stored settings, validates the whole and stores it. Invalid values
   * throw 400 EINVALIDREQ with `errors` per field, and nothing is stored. No access check:
   * the plugin decides who may (the page and the API check for project admins).
   */
  set(project: ProjectRecord, change: Partial<T>): Promise<T>;
}

/** `forge.settings`: the plugin's per-project settings (one definition per plugin). */
export interface PluginSettingsApi {
  /**
   * Declares the settings, once, from `apply`: they get a section of the project settings
   * page (for project admins) and `GET`/`POST /api/0/<repo>/plugins/<plugin>` (modify_project).
   */
  define<S extends SettingsSchema>(definition: PluginSettingsDefinition<S>): PluginSettingsHandle<SettingsOf<S>>;
}
