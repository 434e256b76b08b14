// @pagurus/plugin-ssh: git over SSH. `pagurus ssh` is a built-in SSH server (public keys
// from users' settings; git-upload-pack and git-receive-pack only) whose every git command
// core decides and runs exactly as git over HTTP (forge.git.serve).
import path from 'node:path';
import { definePlugin, StartupError, type ForgeApi } from '@pagurus/core';
import { hostKeys } from './host-keys.js';
import { optionsSchema, type SshOptions } from './options.js';
import { sshServer } from './server.js';

async function startServer(forge: ForgeApi, options: SshOptions, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const keys = hostKeys(options.host_key_dir ?? path.join(forge.config.dataDir, 'ssh'));
  const server = sshServer(forge, options, keys);
  const listening = await server.listen(port, options.host);
  return { port: listening, close: () => server.close() };
}

export default definePlugin({
  name: 'ssh',
  options: optionsSchema,
  apply(forge, options) {
    if (!options.in_server) return;
    let running: { close(): Promise<void> } | undefined;
    forge.hooks.ready.tapPromise('ssh', async ({ role }) => {
      if (role !== 'web') return;
      const started = await startServer(forge, options, options.port);
      running = started;
      forge.log.info(`git over SSH on ${options.host}:${started.port}`);
    });
    forge.hooks.close.tapPromise('ssh', async () => running?.close());
  },
  commands(cli, options) {
    cli.command({
      name: 'ssh',
      description: "serve git over SSH (public keys from the users' settings)",
      options: [{ flags: '-p, --port <port>', description: `the port to listen on (default: the plugin's port, ${options.port})` }],
      async action({ options: flags, boot, onStop, say }) {
        const port = flags.port === undefined ? options.port : Number(flags.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new StartupError(`--port must be a port number, not ${String(flags.port)}`);
        const { forge } = await boot({ role: 'ssh' });
        const started = await startServer(forge, options, port);
        say(`git over SSH on ${options.host}:${started.port}`);
        onStop(() => started.close());
      },
    });
  },
});
