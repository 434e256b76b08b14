// A `pagurus worker` of its own, for the crash test: a worker-role forge on the database and
// queue the environment names (a test forge's env), with the plugins MSGBUS_TEST_PLUGINS
// gives. It prints "worker ready" once it takes jobs and reads the event log.
import { createForge, loadConfig, type PluginEntry } from '@pagurus/core';

const plugins = JSON.parse(process.env.MSGBUS_TEST_PLUGINS ?? '[]') as PluginEntry[];
const config = loadConfig({ env: process.env, overrides: { plugins, 'log.level': 'warn' } });
const forge = await createForge({ role: 'worker', config, migrations: 'check' });
await forge.ready();
process.stdout.write('worker ready\n');
process.once('SIGTERM', () => {
  void forge.close().then(() => process.exit(0));
});
