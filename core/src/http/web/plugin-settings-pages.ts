// Plugins' sections of a project's settings page: one form per plugin that declared
// settings (forge.settings.define), saved whole (an unchecked box is false) through the
// settings page's own POST-redirect flow, with field errors shown in that plugin's section.
import type { ProjectRecord } from '../../domain/index.js';
import type { ForgeContext } from '../../plugins/index.js';
import type { DomainServices, RegisteredSettings } from '../../services/index.js';
import type { ProjectView } from './page-kit.js';

/** The anchor of the plugins' part of the settings page. */
export const PLUGIN_SETTINGS_ANCHOR = 'plugins';

/** Whose form failed, and with what: what the settings page passes back after a refusal. */
interface Failure {
  values?: Record<string, string>;
  errors?: Record<string, string[] | string>;
}

function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function section(plugin: RegisteredSettings, base: string, stored: Record<string, unknown>, failed: Failure | undefined) {
  const errorOf = (name: string) => {
    const error = failed?.errors?.[name];
    return Array.isArray(error) ? error.join(' ') : error;
  };
  const shown = (name: string): unknown => (failed?.values ? failed.values[name] : stored[name]);
  return {
    plugin: plugin.plugin,
    title: plugin.title,
    description: plugin.description,
    action: `${base}/settings/plugins/${encodeURIComponent(plugin.plugin)}`,
    // A problem with the settings as a whole (the schema's, not one field's).
    error: failed ? errorOf('settings') : undefined,
    fields: plugin.fields.map((field) => {
      // A secret is never written into the page: the form says whether one is set.
      const value = field.type === 'secret' ? '' : field.type === 'token' ? stored[field.name] : shown(field.name);
      return {
        name: field.name,
        id: `plugin-${plugin.plugin}-${field.name}`,
        label: field.label,
        help: field.help,
        error: errorOf(field.name),
        [field.type]: true,
        value: textOf(value),
        isSet: field.type === 'secret' && stored[field.name] !== '',
        checked: failed?.values ? value !== undefined && value !== '' : value === true,
        choices: field.choices?.map((choice) => ({
          value: choice.value,
          label: choice.label ?? choice.value,
          selected: choice.value === textOf(value),
        })),
      };
    }),
  };
}

/**
 * The data of every plugin's section, for the settings page's template (`pluginSections`).
 * After a refused save, the plugin whose form it was shows the values sent and the errors.
 */
export async function pluginSettingsSections(
  ctx: ForgeContext,
  services: DomainServices,
  view: ProjectView,
  extra: Record<string, unknown>,
) {
  const failedPlugin =
    extra.failedForm === PLUGIN_SETTINGS_ANCHOR ? (ctx as unknown as { params: { plugin?: string } }).params.plugin : undefined;
  const sections = [];
  for (const plugin of services.pluginSettings.list()) {
    const failed = plugin.plugin === failedPlugin ? (extra as Failure) : undefined;
    const stored = services.pluginSettings.masked(
      plugin.plugin,
      await services.pluginSettings.read(plugin.plugin, view.record, { makeTokens: true }),
    );
    sections.push(section(plugin, view.base, stored, failed));
  }
  return sections;
}

/** The settings page's action for `POST .../settings/plugins/<plugin>`: the whole form, as the project's admin. */
export function savePluginSettings(services: DomainServices) {
  return async (
    ctx: ForgeContext,
    view: { viewer: Parameters<DomainServices['pluginSettings']['update']>[0]; record: ProjectRecord },
    values: Record<string, string>,
  ) => {
    const plugin = (ctx as unknown as { params: { plugin?: string } }).params.plugin ?? '';
    await services.pluginSettings.update(view.viewer, view.record, plugin, values, { whole: true });
  };
}
