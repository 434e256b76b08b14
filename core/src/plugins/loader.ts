// The plugin loader: finds each configured package, checks its marker, the core version
// it needs, the plugins it depends on and its options, and orders plugins so that each
// comes after what it depends on. Any problem stops start-up with a message naming it.
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import type { PluginEntry } from '../config/index.js';
import { StartupError } from '../errors/index.js';
import { isPluginDefinition, type PluginDefinition } from './define.js';
import { entryFile, findPackage, isPathSpecifier, type PackageInfo } from './resolve.js';

export type PackageRole = 'plugin' | 'theme';

export interface LoadedPackage {
  /** Short name: "distgit". */
  name: string;
  /** As given in the config: "@pagurus/plugin-distgit" or "./my-plugin". */
  spec: string;
  packageName: string;
  version: string;
  dir: string;
  dependsOn: string[];
  /** The range of @pagurus/core its marker accepts. */
  coreRange: string;
}

export interface LoadedPlugin extends LoadedPackage {
  definition: PluginDefinition;
  options: unknown;
}

export interface LoadedTheme extends LoadedPackage {
  /** The theme it builds on (its marker's "extends"): its files come first, this theme's override them by name. */
  extends?: LoadedTheme;
}

interface Marker {
  role: PackageRole;
  core: string;
  name?: string;
  dependsOn: string[];
  /** Themes: the theme this one builds on. */
  extends?: string;
}

export interface LoaderContext {
  /** Directory the config file is in: packages and paths resolve from here, then from the current directory. */
  baseDir: string;
  /** Where to look next (a theme's parent: the config's directory, after the theme's own). */
  fallbackDir?: string;
  coreVersion: string;
}

const fail = (role: PackageRole, spec: string, problem: string) => new StartupError(`${role} "${spec}": ${problem}`);

/** "@pagurus/plugin-distgit" → "distgit"; "pagurus-theme-srcfpo" → "srcfpo". */
export function shortName(packageName: string): string {
  return packageName.replace(/^@[^/]+\//, '').replace(/^(pagurus-)?(plugin|theme)-/, '');
}

function readMarker(role: PackageRole, spec: string, pkg: PackageInfo): Marker {
  const marker = pkg.json.pagurus as Partial<Record<keyof Marker, unknown>> | undefined;
  if (typeof marker !== 'object' || marker === null) {
    throw fail(role, spec, `its package.json has no "pagurus" marker, so it is not a Pagurus ${role}`);
  }
  if (marker.role !== role) {
    const other =
      marker.role === 'theme'
        ? ' (it is a theme: give it as theme:)'
        : marker.role === 'plugin'
          ? ' (it is a plugin: list it under plugins:)'
          : '';
    throw fail(role, spec, `its package.json marker says role "${String(marker.role)}", not "${role}"${other}`);
  }
  if (typeof marker.core !== 'string' || !semver.validRange(marker.core)) {
    throw fail(role, spec, `its package.json marker needs "core": a version range of @pagurus/core, such as "^0.1.0"`);
  }
  const dependsOn = marker.dependsOn ?? [];
  if (!Array.isArray(dependsOn) || !dependsOn.every((d) => typeof d === 'string')) {
    throw fail(role, spec, '"dependsOn" in its package.json marker must be a list of plugin names');
  }
  if (marker.name !== undefined && (typeof marker.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(marker.name))) {
    throw fail(role, spec, '"name" in its package.json marker must be lower-case letters, digits and dashes');
  }
  if (marker.extends !== undefined && (role !== 'theme' || typeof marker.extends !== 'string' || !marker.extends)) {
    throw fail(role, spec, '"extends" in its package.json marker is for themes: the package name of the theme it builds on');
  }
  return { role, core: marker.core, name: marker.name, dependsOn, extends: marker.extends };
}

interface Located extends LoadedPackage {
  /** The module `import()` loads. */
  entry: string;
  /** Themes: the theme its marker says it extends. */
  extendsSpec?: string;
}

function locate(role: PackageRole, spec: string, context: LoaderContext): Located {
  const { found, searched } = findPackage(spec, [context.baseDir, ...(context.fallbackDir ? [context.fallbackDir] : []), process.cwd()]);
  if (!found) {
    const hint = isPathSpecifier(spec) ? `no package.json in ${searched[0]}` : `not installed (install it with: npm install ${spec})`;
    throw fail(role, spec, `cannot find the package: ${hint}`);
  }
  const marker = readMarker(role, spec, found);
  const version = found.json.version ?? '0.0.0';
  if (!semver.satisfies(context.coreVersion, marker.core, { includePrerelease: true })) {
    throw fail(role, spec, `needs @pagurus/core ${marker.core}, but this is ${context.coreVersion}`);
  }
  const packageName = found.json.name ?? spec;
  return {
    name: marker.name ?? shortName(packageName),
    spec,
    packageName,
    version,
    dir: found.dir,
    dependsOn: marker.dependsOn.map(shortName),
    coreRange: marker.core,
    entry: entryFile(found),
    ...(marker.extends ? { extendsSpec: marker.extends } : {}),
  };
}

/** Orders plugins so each follows its dependencies; otherwise keeps the config's order. */
function order<T extends LoadedPackage>(packages: T[]): T[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  for (const p of packages) {
    for (const dependency of p.dependsOn) {
      if (!byName.has(dependency)) {
        throw fail('plugin', p.spec, `depends on "${dependency}", which is not enabled (add it to plugins: in the config)`);
      }
    }
  }
  const sorted: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: T, chain: string[]) => {
    if (state.get(p.name) === 'done') return;
    if (state.get(p.name) === 'visiting') {
      throw fail('plugin', p.spec, `depends on itself through ${[...chain, p.name].join(' → ')}`);
    }
    state.set(p.name, 'visiting');
    for (const dependency of p.dependsOn) visit(byName.get(dependency)!, [...chain, p.name]);
    state.set(p.name, 'done');
    sorted.push(p);
  };
  for (const p of packages) visit(p, []);
  return sorted;
}

async function importDefinition(p: Located): Promise<PluginDefinition> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(p.entry).href)) as { default?: unknown };
  } catch (error) {
    throw fail('plugin', p.spec, `failed to load: ${(error as Error).message}`);
  }
  if (!isPluginDefinition(module.default)) {
    throw fail('plugin', p.spec, 'its default export is not made with definePlugin() from @pagurus/core');
  }
  if (module.default.name !== p.name) {
    throw fail('plugin', p.spec, `calls itself "${module.default.name}" in definePlugin(), but its package is named for "${p.name}"`);
  }
  return module.default;
}

async function validateOptions(p: LoadedPackage, definition: PluginDefinition, given: Record<string, unknown>): Promise<unknown> {
  const schema = definition.options;
  if (!schema) {
    const keys = Object.keys(given);
    if (keys.length) throw fail('plugin', p.spec, `takes no options, but the config gives: ${keys.join(', ')}`);
    return {};
  }
  const result = await schema['~standard'].validate(given);
  if (result.issues) {
    const [issue] = result.issues;
    const where = issue?.path?.length
      ? issue.path.map((segment) => (typeof segment === 'object' ? String(segment.key) : String(segment))).join('.')
      : '';
    throw fail('plugin', p.spec, `bad options: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}`);
  }
  return result.value;
}

/** Loads and checks the configured plugins; returns them in the order they must be applied. */
export async function loadPlugins(entries: readonly PluginEntry[], context: LoaderContext): Promise<LoadedPlugin[]> {
  const located = entries.map((entry) => locate('plugin', entry.name, context));
  const seen = new Map<string, string>();
  for (const p of located) {
    const first = seen.get(p.name);
    if (first) throw fail('plugin', p.spec, `is listed twice (also as "${first}")`);
    seen.set(p.name, p.spec);
  }
  const loaded: LoadedPlugin[] = [];
  for (const plugin of order(located)) {
    const definition = await importDefinition(plugin);
    const given = entries.find((e) => e.name === plugin.spec)!.options;
    const { entry: _entry, ...described } = plugin;
    loaded.push({ ...described, definition, options: await validateOptions(plugin, definition, given) });
  }
  return loaded;
}

/** Themes a theme may build on, one on another, before the chain is taken for a loop. */
const MAX_THEME_DEPTH = 5;

/**
 * Checks the configured theme, and the themes it builds on ("extends" in its marker, found
 * from the theme's own folder first); themes are templates, partials and static files, with
 * no code.
 */
export function loadTheme(spec: string, context: LoaderContext, depth = 0): LoadedTheme {
  const { entry: _entry, extendsSpec, ...theme } = locate('theme', spec, context);
  if (!extendsSpec) return theme;
  if (depth >= MAX_THEME_DEPTH) throw fail('theme', spec, `it extends themes ${MAX_THEME_DEPTH} deep, or in a loop`);
  const parent = loadTheme(extendsSpec, { ...context, baseDir: theme.dir, fallbackDir: context.baseDir }, depth + 1);
  return { ...theme, extends: parent };
}

/** The theme's files in the order they are laid down: the theme it builds on first. */
export function themeChain(theme: LoadedTheme | undefined): LoadedTheme[] {
  const chain: LoadedTheme[] = [];
  for (let t = theme; t; t = t.extends) chain.unshift(t);
  return chain;
}

/** The theme used when the config names none (installed with the forge, as a workspace package). */
export const DEFAULT_THEME = '@pagurus/theme-default';

/**
 * The configured theme; without one, the default theme when it is installed, else none
 * (core's plain templates). A theme the admin named must load, or start-up stops.
 */
export function loadConfiguredTheme(spec: string | undefined, context: LoaderContext): LoadedTheme | undefined {
  if (spec) return loadTheme(spec, context);
  try {
    return loadTheme(DEFAULT_THEME, context);
  } catch {
    return undefined;
  }
}
