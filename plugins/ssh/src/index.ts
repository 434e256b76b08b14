// @pagurus/plugin-ssh: git over SSH. `pagurus ssh` is a built-in SSH server (public keys
// from users' settings; git-upload-pack and git-receive-pack only) whose every git command
// core decides and runs exactly as git over HTTP (forge.git.serve).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { definePlugin, projectUrlPath, StartupError, type ForgeApi } from '@pagurus/core';
import { readFile } from 'node:fs/promises';
import { DeployKeys } from './deploy-keys.js';
import { hostKeys } from './host-keys.js';
import { migrations } from './migrations.js';
import { registerPages } from './pages.js';
import { optionsSchema, type SshOptions } from './options.js';
import { authorizedKey, forcedCommandPrefix, serveSession } from './openssh.js';
import { sshServer } from './server.js';

/** The package's directory: its templates are under templates/ssh. */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

async function startServer(forge: ForgeApi, options: SshOptions, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const keys = hostKeys(options.host_key_dir ?? path.join(forge.config.dataDir, 'ssh'));
  const server = sshServer(forge, options, keys, new DeployKeys(forge));
  const listening = await server.listen(port, options.host);
  return { port: listening, close: () => server.close() };
}

export default definePlugin({
  name: 'ssh',
  options: optionsSchema,
  migrations,
  apply(forge, options) {
    const deployKeys = new DeployKeys(forge);
    forge.hooks.projectWebRoutes.tap('ssh', (routes) => registerPages(routes, deployKeys));
    forge.hooks.templates.tap('ssh', (registry) => registry.addDirectory(PACKAGE_DIR));
    forge.hooks.projectSettingsLinks.tap('ssh', (links, { project }) => {
      return [
        ...links,
        {
          id: 'deploy-keys',
          label: 'Deploy keys: SSH keys that may fetch this project',
          href: `/${projectUrlPath(project)}/settings/deploy-keys`,
        },
      ];
    });
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
      description:
        "git over SSH: with no mode, the built-in server; `keys <user> <type> <key>` answers sshd's AuthorizedKeysCommand; `serve <key id>` is the forced command it runs",
      arguments: [
        { name: 'mode', description: 'keys or serve (OpenSSH mode), deploy-key; none: the built-in server', required: false },
        {
          name: 'args...',
          description:
            'keys: <user> <type> <key>; serve: <key id>; deploy-key: add <project> <file> [--push] | list <project> | remove <project> <id>',
          required: false,
        },
      ],
      options: [
        { flags: '-p, --port <port>', description: `the built-in server's port (default: the plugin's port, ${options.port})` },
        { flags: '--push', description: 'deploy-key add: the key may push too (else it only fetches)' },
      ],
      async action({ args, options: flags, boot, onStop, say }) {
        const [mode, ...rest] = args.flat();
        if (mode === 'keys') {
          const [, type, key] = rest;
          if (!type || !key) throw new StartupError('pagurus ssh keys <user> <key type> <key>: as sshd gives them (%u %t %k)');
          const { forge, close } = await boot({ role: 'ssh', logToStderr: true });
          try {
            const line = await authorizedKey(forge, new DeployKeys(forge), forcedCommandPrefix(options), type, key);
            if (line) say(line);
          } finally {
            await close();
          }
          return;
        }
        if (mode === 'serve') {
          const { forge, close } = await boot({ role: 'ssh', logToStderr: true });
          try {
            process.exitCode = await serveSession(
              forge,
              new DeployKeys(forge),
              options,
              rest[0] ?? '',
              process.env.SSH_ORIGINAL_COMMAND ?? '',
              process,
            );
          } finally {
            await close();
          }
          return;
        }
        if (mode === 'deploy-key') {
          const [action, fullname, key] = rest;
          if (!['add', 'list', 'remove'].includes(action ?? '') || !fullname || (action !== 'list' && !key)) {
            throw new StartupError(
              'pagurus ssh deploy-key add <project> <file> [--push] | list <project> | remove <project> <id or fingerprint>',
            );
          }
          let text = '';
          if (action === 'add') {
            try {
              text = await readFile(key!, 'utf8');
            } catch (error) {
              throw new StartupError(`cannot read ${key}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
            }
          }
          const { forge, close } = await boot({ role: 'cli' });
          try {
            const project = await forge.services.projects.find(fullname);
            if (!project) throw new StartupError(`no project ${fullname}`);
            const keys = new DeployKeys(forge);
            if (action === 'add') {
              const added = await keys.add(project, text, { push: flags.push === true }).catch((error: Error) => {
                throw new StartupError(error.message);
              });
              say(
                `added deploy key ${added.id} (${added.fingerprint}) to ${fullname}: it may ${added.push ? 'read and push to' : 'read'} ${fullname}`,
              );
            } else if (action === 'list') {
              for (const k of await keys.list(project))
                say(`${k.id}  ${k.fingerprint}  ${k.push ? 'push' : 'read'}  ${k.publicKey.slice(0, 60)}`);
            } else if (await keys.remove(project, key!)) say(`removed deploy key ${key} from ${fullname}`);
            else throw new StartupError(`${fullname} has no deploy key ${key}`);
          } finally {
            await close();
          }
          return;
        }
        if (mode !== undefined)
          throw new StartupError(`pagurus ssh: no mode "${mode}" (keys, serve, deploy-key, or none for the built-in server)`);
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
