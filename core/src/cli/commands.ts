// The commands of `pagurus`: serve, worker, migrate, plugins.
import { loadConfig, describeMode, type Config } from '../config/index.js';
import { migrate, openDatabase } from '../db/index.js';
import { createForge, migrationSets } from '../forge.js';
import { loadPlugins, loadConfiguredTheme } from '../plugins/index.js';
import { CORE_VERSION } from '../version.js';
import { closeOnSignals, say, table } from './output.js';

export interface GlobalOptions {
  config?: string;
}

export function configFrom(global: GlobalOptions, overrides: Partial<Record<string, unknown>> = {}): Config {
  return loadConfig({ file: global.config, overrides });
}

export async function serveCommand(global: GlobalOptions, options: { port?: string; host?: string; withWorker?: boolean }) {
  const config = configFrom(global, { port: options.port, host: options.host });
  const forge = await createForge({ role: 'web', config, ...(options.withWorker ? { processJobs: true } : {}) });
  closeOnSignals(() => forge.close());
  const url = await forge.listen();
  const where = config.database.url ? '' : `, data in ${config.dataDir}`;
  say(`Pagurus ${CORE_VERSION} is serving ${url} (${describeMode(config)}${where})`);
}

export async function workerCommand(global: GlobalOptions, options: { concurrency?: string }) {
  const config = configFrom(global, { 'worker.concurrency': options.concurrency });
  const forge = await createForge({ role: 'worker', config });
  closeOnSignals(() => forge.close());
  await forge.ready();
  say(`Pagurus ${CORE_VERSION} worker is taking jobs (${forge.jobs.names().length} kinds, ${config.worker.concurrency} at once)`);
}

export async function migrateCommand(global: GlobalOptions) {
  const config = configFrom(global);
  const plugins = await loadPlugins(config.plugins, { baseDir: config.baseDir, coreVersion: CORE_VERSION });
  const db = await openDatabase({
    url: config.database.url,
    dataDir: config.dataDir,
    schema: config.database.schema,
    poolMax: 2,
    holder: 'pagurus migrate',
  });
  try {
    const ran = await migrate(db, migrationSets(plugins));
    if (!ran.length) say(`the database at ${db.location} is up to date`);
    for (const m of ran) say(`migrated ${m.owner}/${m.name}`);
  } finally {
    await db.close();
  }
}

export async function pluginsCommand(global: GlobalOptions) {
  const config = configFrom(global);
  const context = { baseDir: config.baseDir, coreVersion: CORE_VERSION };
  const plugins = await loadPlugins(config.plugins, context);
  const theme = loadConfiguredTheme(config.theme, context);
  say(`@pagurus/core ${CORE_VERSION}`);
  if (!plugins.length) say('no plugins enabled');
  if (plugins.length)
    table(
      ['PLUGIN', 'VERSION', 'PACKAGE', 'DEPENDS ON'],
      plugins.map((p) => [p.name, p.version, p.packageName, p.dependsOn.join(',') || '-']),
    );
  say(
    theme
      ? `theme: ${theme.name} ${theme.version} (${theme.packageName})${theme.extends ? `, on ${theme.extends.packageName} ${theme.extends.version}` : ''}`
      : 'theme: core templates (no theme configured)',
  );
}
