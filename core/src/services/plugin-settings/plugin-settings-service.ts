// Plugins' per-project settings: the definitions plugins declare (fields for the form, a
// Standard Schema for the values) and one JSON row per (project, plugin). Every write is
// validated whole by the plugin's schema first; a refusal stores nothing.
import { randomBytes } from 'node:crypto';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ProjectRecord } from '../../domain/index.js';
import { Invalid, NotFound } from '../../errors/index.js';
import type {
  PluginSettingsApi,
  PluginSettingsDefinition,
  PluginSettingsHandle,
  SettingsField,
  SettingsFieldType,
} from '../../plugins/index.js';
import type { Viewer } from '../access/access-service.js';
import type { ServiceContext } from '../context.js';
import type { ProjectsService } from '../projects/projects-service.js';
import type { Sealer } from './sealed.js';

type Values = Record<string, unknown>;
type FieldErrors = Record<string, string[]>;

const FIELD_TYPES: ReadonlySet<SettingsFieldType> = new Set(['text', 'textarea', 'checkbox', 'select', 'secret', 'token']);
/** What the page and the API show for a secret that is set. */
export const SECRET_MASK = '********';
const newToken = () => randomBytes(32).toString('hex');
const namesOf = (entry: RegisteredSettings, type: SettingsFieldType) => entry.fields.filter((f) => f.type === type).map((f) => f.name);
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** Longest text a field takes, and the most a plugin's settings of one project may hold as JSON. */
const MOST_FIELD_CHARS = 64 * 1024;
const MOST_SETTINGS_BYTES = 256 * 1024;
const TRUE_WORDS = new Set(['true', '1', 'on', 'y', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'off', 'n', 'no', '']);

/** One plugin's declared settings. */
export interface RegisteredSettings {
  plugin: string;
  title: string;
  description: string | undefined;
  fields: readonly SettingsField[];
}

interface Entry extends RegisteredSettings {
  schema: StandardSchemaV1<unknown, Values>;
}

function checkDefinition(plugin: string, definition: PluginSettingsDefinition): void {
  const problem = (text: string) => new TypeError(`forge.settings.define(): ${text}`);
  // Plugins in JavaScript get no type check: each part is looked at.
  if (!definition || typeof definition.fields?.length !== 'number') throw problem('needs fields: a list of { name, label, type }');
  const schema = definition.schema as Partial<StandardSchemaV1> | undefined;
  if (!schema || typeof schema['~standard']?.validate !== 'function') throw problem('needs schema: a Standard Schema (zod, valibot...)');
  const names = new Set<string>();
  for (const field of definition.fields) {
    if (!field || typeof field.name !== 'string' || !FIELD_NAME.test(field.name)) {
      throw problem(`field names are letters, digits, "_", "-" and "." (got ${JSON.stringify(field?.name)}) in ${plugin}'s settings`);
    }
    if (names.has(field.name)) throw problem(`field "${field.name}" is declared twice`);
    names.add(field.name);
    if (!FIELD_TYPES.has(field.type))
      throw problem(`field "${field.name}" has type "${String(field.type)}", not one of ${[...FIELD_TYPES].join(', ')}`);
    if (field.type === 'select' && !field.choices?.length) throw problem(`the select field "${field.name}" needs choices`);
  }
}

/** The schema's issues as field errors: the first segment of each issue's path names the field. */
function issueErrors(issues: ReadonlyArray<StandardSchemaV1.Issue>): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const first = issue.path?.[0];
    const key = first === undefined ? 'settings' : String(typeof first === 'object' ? first.key : first);
    (errors[key] ??= []).push(issue.message);
  }
  return errors;
}

async function validate(entry: Entry, values: Values): Promise<StandardSchemaV1.Result<Values>> {
  return entry.schema['~standard'].validate(values);
}

/** A form's or a JSON body's value for a checkbox: a boolean when it reads as one. */
function checkboxValue(value: unknown): unknown {
  if (typeof value === 'boolean' || value === undefined) return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : value;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  return value;
}

export class PluginSettingsService {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly projects: ProjectsService,
    private readonly sealer: Sealer,
  ) {}

  /** `forge.settings` for one plugin. */
  forPlugin(plugin: string): PluginSettingsApi {
    return Object.freeze({
      define: <S extends PluginSettingsDefinition['schema']>(definition: PluginSettingsDefinition<S>) => {
        this.register(plugin, definition);
        const handle: PluginSettingsHandle<Values> = {
          get: (project) => this.read(plugin, project),
          set: (project, change) => this.write(plugin, project, change),
        };
        return Object.freeze(handle) as never;
      },
    });
  }

  register(plugin: string, definition: PluginSettingsDefinition): void {
    if (this.entries.has(plugin)) throw new TypeError(`forge.settings.define(): the plugin "${plugin}" defined its settings already`);
    checkDefinition(plugin, definition);
    this.entries.set(plugin, {
      plugin,
      title: definition.title ?? plugin,
      description: definition.description,
      fields: Object.freeze([...definition.fields]),
      schema: definition.schema,
    });
  }

  /** Every plugin's declared settings, in the order the plugins were applied. */
  list(): RegisteredSettings[] {
    return [...this.entries.values()].map(({ schema: _schema, ...rest }) => rest);
  }

  private entry(plugin: string): Entry {
    const entry = this.entries.get(plugin);
    if (!entry) throw NotFound('ENOPLUGIN');
    return entry;
  }

  /** The stored values, secrets opened (one sealed under another instance secret reads as unset). */
  private async stored(entry: Entry, project: ProjectRecord, db = this.ctx.db): Promise<Values> {
    const row = await db('plugin_settings')
      .where({ project_id: project.id, plugin: entry.plugin })
      .first<{ settings: unknown } | undefined>('settings');
    const value = typeof row?.settings === 'string' ? (JSON.parse(row.settings) as unknown) : row?.settings;
    const values = value && typeof value === 'object' && !Array.isArray(value) ? { ...(value as Values) } : {};
    for (const name of namesOf(entry, 'secret')) {
      const sealed = values[name];
      if (typeof sealed !== 'string' || sealed === '') continue;
      const opened = this.sealer.open(sealed);
      if (opened === undefined) {
        this.ctx.log.warn(
          { plugin: entry.plugin, project: project.id, field: name },
          'a stored secret does not open with this instance secret; it reads as unset',
        );
        delete values[name];
      } else values[name] = opened;
    }
    return values;
  }

  /** A project's settings of `plugin`; stored values the schema no longer takes give way to its defaults. */
  async read(plugin: string, project: ProjectRecord, options: { makeTokens?: boolean } = {}): Promise<Values> {
    const entry = this.entry(plugin);
    let values = await this.stored(entry, project);
    // Tokens are made when an admin first looks at the settings (or saves them), and kept:
    // a plugin reading the settings of a project nobody set up writes nothing.
    if (options.makeTokens && namesOf(entry, 'token').some((name) => typeof values[name] !== 'string' || values[name] === '')) {
      values = await this.write(plugin, project, {});
    }
    const result = await validate(entry, values);
    if (!result.issues) return result.value;
    this.ctx.log.warn({ plugin, project: project.id, issues: result.issues }, 'stored plugin settings no longer valid; using defaults');
    const defaults = await validate(entry, {});
    if (defaults.issues) throw new Error(`the settings schema of plugin "${plugin}" refuses {}: give every key a default`);
    return defaults.value;
  }

  /**
   * Lays `change` over the stored settings, validates the whole, stores it (secrets sealed,
   * missing tokens made); 400 EINVALIDREQ with field errors stores nothing.
   */
  async write(plugin: string, project: ProjectRecord, change: Values): Promise<Values> {
    const entry = this.entry(plugin);
    return this.ctx.db.transaction(async (trx) => {
      // Two saves at once: the second waits and lays its change over the first's.
      await trx('projects').where({ id: project.id }).forUpdate().first('id');
      const merged: Values = { ...(await this.stored(entry, project, trx)), ...change };
      for (const name of namesOf(entry, 'token')) if (typeof merged[name] !== 'string' || merged[name] === '') merged[name] = newToken();
      const result = await validate(entry, merged);
      if (result.issues) throw Invalid('EINVALIDREQ', { errors: issueErrors(result.issues) });
      const sealed: Values = { ...result.value };
      for (const name of namesOf(entry, 'secret')) {
        const plain = sealed[name];
        if (typeof plain === 'string' && plain !== '') sealed[name] = this.sealer.seal(plain);
      }
      const json = JSON.stringify(sealed);
      if (Buffer.byteLength(json) > MOST_SETTINGS_BYTES) {
        throw Invalid('EINVALIDREQ', { errors: { settings: [`Settings are limited to ${MOST_SETTINGS_BYTES / 1024} KiB`] } });
      }
      await trx('plugin_settings')
        .insert({ project_id: project.id, plugin, settings: json, updated_at: trx.fn.now() })
        .onConflict(['project_id', 'plugin'])
        .merge(['settings', 'updated_at']);
      return result.value;
    });
  }

  /** What people see of the settings: each secret that is set as the mask. */
  masked(plugin: string, values: Values): Values {
    const shown = { ...values };
    for (const name of namesOf(this.entry(plugin), 'secret'))
      shown[name] = typeof shown[name] === 'string' && shown[name] !== '' ? SECRET_MASK : '';
    return shown;
  }

  /** For the API and the page: the settings, for the project's admins only (401 EMODIFYPROJECTNOTALLOWED). */
  async show(viewer: Viewer, project: ProjectRecord, plugin: string): Promise<Values> {
    this.entry(plugin);
    await this.projects.requireAdmin(viewer, project);
    return this.masked(plugin, await this.read(plugin, project, { makeTokens: true }));
  }

  /**
   * A change from a person (a form or a JSON body): project admins only, the declared fields
   * only, checkboxes read from "true"/"on"/"1"..., select values among their choices. With
   * `whole` (a form that shows every field), an unchecked checkbox, absent from the form, is false.
   */
  async update(viewer: Viewer, project: ProjectRecord, plugin: string, input: Values, options: { whole?: boolean } = {}): Promise<Values> {
    const entry = this.entry(plugin);
    await this.projects.requireAdmin(viewer, project);
    const fields = new Map(entry.fields.map((field) => [field.name, field]));
    const errors: FieldErrors = {};
    const change: Values = {};
    for (const [key, value] of Object.entries(input)) {
      if (key === 'csrf_token') continue;
      if (key === 'regenerate') {
        const names = (Array.isArray(value) ? value : [value]).map(String);
        for (const name of names) {
          if (fields.get(name)?.type === 'token') change[name] = newToken();
          else errors.regenerate = [`"${name}" is not a token of this plugin`];
        }
        continue;
      }
      const field = fields.get(key);
      if (!field) {
        errors[key] = ['Not a setting of this plugin'];
        continue;
      }
      if (field.type === 'token') {
        errors[key] = ['Made by the forge: regenerate it instead'];
        continue;
      }
      if (field.type === 'secret') {
        // Empty, or the mask shown back: the stored secret stays. JSON null clears it.
        if (value === null) change[key] = '';
        else if (value !== '' && value !== SECRET_MASK && value !== undefined) change[key] = value;
        continue;
      }
      const read = field.type === 'checkbox' ? checkboxValue(Array.isArray(value) ? value.at(-1) : value) : value;
      if (typeof read === 'string' && read.length > MOST_FIELD_CHARS) errors[key] = [`At most ${MOST_FIELD_CHARS} characters`];
      else if (field.type === 'select' && !field.choices!.some((choice) => choice.value === read)) errors[key] = ['Not a valid choice.'];
      else change[key] = read;
    }
    if (options.whole)
      for (const field of entry.fields) if (field.type === 'checkbox' && !(field.name in input)) change[field.name] = false;
    if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
    return this.masked(plugin, await this.write(plugin, project, change));
  }
}
