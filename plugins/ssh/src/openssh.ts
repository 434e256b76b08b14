// The OpenSSH mode: a system sshd on port 22 serves the forge. sshd asks
// `pagurus ssh keys <user> <type> <key>` (its AuthorizedKeysCommand) whether a key may log in:
// the answer is the key's line with a forced command naming the key,
// `restrict,command="pagurus ssh serve <key id>"`, and sshd runs that command for the session
// with the client's command in SSH_ORIGINAL_COMMAND. `ssh serve` then asks core, as the
// built-in server does (forge.git.serve), and runs git on its standard input and output.
import { sshFingerprint, type ForgeApi } from '@pagurus/core';
import type { DeployKeys } from './deploy-keys.js';
import type { SshOptions } from './options.js';
import { actorOf, deployKeyIdentity, NOT_GIT, parseGitCommand, type SshIdentity } from './server.js';

/** One word for the shell sshd runs the forced command with. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/**
 * The command line that starts this very CLI (node, its flags, the script, the options before
 * `ssh`), so the forced command reaches the same install and config; or the admin's `forced_command`.
 */
export function forcedCommandPrefix(options: SshOptions): string {
  if (options.forced_command) return options.forced_command;
  const at = process.argv.indexOf('ssh', 2);
  const words = [process.execPath, ...process.execArgv, ...process.argv.slice(1, at < 0 ? 2 : at)];
  return words.map(shellWord).join(' ');
}

/** The authorized_keys line for a key the forge knows, or undefined for one it does not. */
export async function authorizedKey(
  forge: ForgeApi,
  deployKeys: DeployKeys,
  prefix: string,
  type: string,
  key: string,
): Promise<string | undefined> {
  if (!/^[\w@.-]+$/.test(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return undefined;
  const blob = Buffer.from(key, 'base64');
  const owner = await forge.services.users.sshKey(blob);
  const deployKey = owner ? undefined : await deployKeys.byFingerprint(sshFingerprint(blob));
  const id = owner ? String(owner.id) : deployKey ? `deploy-${deployKey.id}` : undefined;
  if (!id) return undefined;
  const command = `${prefix} ssh serve ${id}`.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `restrict,command="${command}" ${type} ${key}`;
}

export interface Stdio {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Who the forced command's key id (a user's key "12", or a deploy key "deploy-3") names, if it is still known. */
async function identityOf(forge: ForgeApi, deployKeys: DeployKeys, keyId: string): Promise<SshIdentity | undefined> {
  const deploy = /^deploy-(\d+)$/.exec(keyId);
  if (deploy) {
    const key = await deployKeys.byId(Number(deploy[1]));
    return key && deployKeyIdentity(key);
  }
  const owner = /^\d+$/.test(keyId) ? await forge.services.users.sshKey(Number(keyId)) : undefined;
  return owner && { user: owner.user };
}

/** Runs the session's git command for key `keyId`; answers the exit status. */
export async function serveSession(
  forge: ForgeApi,
  deployKeys: DeployKeys,
  options: SshOptions,
  keyId: string,
  command: string,
  stdio: Stdio,
): Promise<number> {
  const fail = (message: string) => {
    stdio.stderr.write(`${message}\n`);
    return 1;
  };
  const who = await identityOf(forge, deployKeys, keyId);
  if (!who) return fail('This SSH key is no longer known to the forge.');
  const git = parseGitCommand(command);
  if (!git) return fail(`${NOT_GIT} Refused: ${command.slice(0, 200)}`);
  const answer = await forge.git.serve({ path: git.path, service: git.service, ...actorOf(who), hookUrl: options.hook_url });
  if (!answer.ok) return fail(answer.message);
  const child = answer.spawn();
  stdio.stdin.pipe(child.stdin).on('error', () => undefined);
  child.stdout.pipe(stdio.stdout, { end: false });
  child.stderr.pipe(stdio.stderr, { end: false });
  forge.log.info({ key: keyId, project: answer.project.id, service: git.service }, 'ssh: git session (OpenSSH)');
  return new Promise<number>((resolve) => {
    child.on('error', () => resolve(fail('The forge could not start git.')));
    child.on('close', (code) => resolve(code ?? 1));
  });
}
