// The built-in SSH server: public keys only (a user's keys from their settings), then one
// command per session, `git-upload-pack` or `git-receive-pack` with a repository path, which
// core decides and runs exactly as git over HTTP (forge.git.serve). Anything else is refused
// with a line saying so. Each connection is bounded: so many per address, so many keys tried,
// a deadline to log in, and an idle timeout.
import net from 'node:net';
import { sshFingerprint, type ForgeApi, type UserRecord } from '@pagurus/core';
import ssh2, { type AuthContext, type Connection, type ServerChannel } from 'ssh2';
import type { DeployKey, DeployKeys } from './deploy-keys.js';
import type { SshOptions } from './options.js';

/** Who a key says logged in: a user, or a project's deploy key (read-only, or with push). */
export type SshIdentity =
  { user: UserRecord; deployKey?: undefined } | { user?: undefined; deployKey: { id: number; projectId: number; push: boolean } };

/** What forge.git.serve is told of who asks. */
export const actorOf = (who: SshIdentity) => (who.user ? { user: who.user } : { user: null, deployKey: who.deployKey });

/** The identity of a stored deploy key. */
export const deployKeyIdentity = (key: DeployKey): SshIdentity => ({ deployKey: { id: key.id, projectId: key.projectId, push: key.push } });

/** A name for logs and greetings. */
export const nameOf = (who: SshIdentity) => (who.user ? who.user.name : `deploy key ${who.deployKey.id}`);

/** `git-upload-pack '/rpms/bash.git'`, `git receive-pack 'bash'`: the service and the path. */
const GIT_COMMAND = /^git[ -](upload-pack|receive-pack) +'?([^'\s]+?)'?$/;

export function parseGitCommand(command: string): { service: 'upload-pack' | 'receive-pack'; path: string } | undefined {
  const match = GIT_COMMAND.exec(command.trim());
  return match ? { service: match[1] as 'upload-pack' | 'receive-pack', path: match[2]! } : undefined;
}

export const NOT_GIT = 'Pagurus serves git only: git-upload-pack and git-receive-pack.';

export interface SshServer {
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

interface Tracked {
  socket: net.Socket;
  loginTimer: NodeJS.Timeout;
}

export function sshServer(forge: ForgeApi, options: SshOptions, hostKeys: Buffer[], deployKeys: DeployKeys): SshServer {
  const log = forge.log;
  const perAddress = new Map<string, number>();
  const tracked = new Map<string, Tracked>();
  const ssh = new ssh2.Server({ hostKeys, ident: 'Pagurus' }, (client: Connection, info) => {
    const entry = tracked.get(`${info.ip}:${info.port}`);
    let who: SshIdentity | undefined;
    let attempts = 0;
    client.on('error', (error) => log.debug({ err: error, ip: info.ip }, 'ssh: connection error'));
    client.on('authentication', (ctx) => {
      authenticate(ctx).catch((error: unknown) => {
        log.error({ err: error }, 'ssh: authentication failed on the forge side');
        ctx.reject();
      });
    });
    client.on('ready', () => {
      if (entry) clearTimeout(entry.loginTimer);
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, request) => {
          const channel = acceptExec();
          void run(channel, request.command, who!).catch((error: unknown) => {
            log.error({ err: error, command: request.command }, 'ssh: a git command failed');
            finish(channel, 'The forge could not run this command; try again later.', 1);
          });
        });
        session.on('shell', (acceptShell) => {
          const channel = acceptShell();
          finish(channel, `Hi ${nameOf(who!)}! You have logged in to ${forge.config.instanceName}, which offers no shell: use git.`, 1);
        });
        session.on('pty', (acceptPty) => acceptPty?.());
        session.on('env', (acceptEnv) => acceptEnv?.());
      });
    });

    /** Accepts a key its owner holds (a signature proves it), rejects others; counts the tries. */
    async function authenticate(ctx: AuthContext): Promise<void> {
      if (ctx.method === 'none') return void ctx.reject(['publickey']);
      attempts += 1;
      if (attempts > options.max_auth_attempts) {
        log.info({ ip: info.ip, attempts }, 'ssh: too many keys tried; connection cut');
        ctx.reject();
        client.end();
        return;
      }
      if (ctx.method !== 'publickey') return void ctx.reject(['publickey']);
      const user = await forge.services.users.bySshKey(ctx.key.data);
      const deployKey = user ? undefined : await deployKeys.byFingerprint(sshFingerprint(ctx.key.data));
      const found: SshIdentity | undefined = user ? { user } : deployKey && deployKeyIdentity(deployKey);
      if (!found) return void ctx.reject(['publickey']);
      if (ctx.signature) {
        const parsed = ssh2.utils.parseKey(`${ctx.key.algo} ${ctx.key.data.toString('base64')}`);
        // Typed as one key, but ssh2 answers a list for a text holding several.
        const key = (Array.isArray(parsed) ? (parsed as unknown[])[0] : parsed) as ssh2.ParsedKey | Error | undefined;
        if (!key || key instanceof Error || key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true)
          return void ctx.reject(['publickey']);
      }
      // Without a signature the client only asks whether the key would do; with one, it is in.
      if (ctx.signature) who = found;
      ctx.accept();
    }
  });
  ssh.on('error', (error: Error) => log.warn({ err: error }, 'ssh: server error'));

  async function run(channel: ServerChannel, command: string, who: SshIdentity): Promise<void> {
    const git = parseGitCommand(command);
    if (!git) return finish(channel, `${NOT_GIT} Refused: ${command.slice(0, 200)}`, 1);
    const answer = await forge.git.serve({ path: git.path, service: git.service, ...actorOf(who), hookUrl: options.hook_url });
    if (!answer.ok) return finish(channel, answer.message, 1);
    const child = answer.spawn();
    channel.pipe(child.stdin).on('error', () => undefined);
    child.stdout.pipe(channel, { end: false });
    child.stderr.pipe(channel.stderr, { end: false });
    channel.on('close', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    });
    child.on('error', (error) => {
      log.error({ err: error }, 'ssh: could not start git');
      finish(channel, 'The forge could not start git.', 1);
    });
    child.on('close', (code) => {
      channel.exit(code ?? 1);
      channel.end();
    });
    log.info({ who: nameOf(who), project: answer.project.id, service: git.service }, 'ssh: git session');
  }

  const tcp = net.createServer((socket) => {
    const address = socket.remoteAddress ?? '';
    const open = perAddress.get(address) ?? 0;
    if (open >= options.max_connections_per_address) {
      log.info({ ip: address, open }, 'ssh: too many connections from one address; cut');
      socket.destroy();
      return;
    }
    perAddress.set(address, open + 1);
    const key = `${address}:${socket.remotePort}`;
    const loginTimer = setTimeout(() => socket.destroy(), options.login_timeout_seconds * 1000);
    tracked.set(key, { socket, loginTimer });
    socket.setTimeout(options.idle_timeout_seconds * 1000, () => socket.destroy());
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(loginTimer);
      tracked.delete(key);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left) perAddress.set(address, left);
      else perAddress.delete(address);
    });
    ssh.injectSocket(socket);
  });

  return {
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, host, () => resolve());
      });
      return (tcp.address() as net.AddressInfo).port;
    },
    async close() {
      for (const { socket } of tracked.values()) socket.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

/** Says `message` on the channel's stderr and ends it with `code`. */
function finish(channel: ServerChannel, message: string, code: number): void {
  channel.stderr.write(`${message}\n`);
  channel.exit(code);
  channel.end();
}
