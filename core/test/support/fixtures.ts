// Paths to the fixture plugins and theme, and a maker of throwaway plugin packages.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp.js';

export const CORE_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURE_PLUGIN = fileURLToPath(new URL('../fixtures/plugins/fixture', import.meta.url));
/** Project routes and mounts (the projectApiRoutes, projectWebRoutes and mounts hooks). */
export const ROUTES_PLUGIN = fileURLToPath(new URL('../fixtures/plugins/routes', import.meta.url));
export const DEPENDENT_PLUGIN = fileURLToPath(new URL('../fixtures/plugins/dependent', import.meta.url));
export const FIXTURE_THEME = fileURLToPath(new URL('../fixtures/themes/fixture-theme', import.meta.url));

/**
 * Writes a package into a fresh directory outside the repository, with @pagurus/core
 * linked into its node_modules as an npm install would. Returns the package directory.
 */
export function makePackage(files: Record<string, string | object>): string {
  const root = tempDir('pkg');
  const dir = path.join(root, 'pkg');
  mkdirSync(path.join(root, 'node_modules', '@pagurus'), { recursive: true });
  symlinkSync(CORE_DIR, path.join(root, 'node_modules', '@pagurus', 'core'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

/** package.json of a plugin package, with `marker` merged into its "pagurus" marker. */
export function pluginPackageJson(name: string, marker: Record<string, unknown> = {}): object {
  return { name, version: '0.0.1', type: 'module', exports: './index.js', pagurus: { role: 'plugin', core: '^0.1.0', ...marker } };
}
