// Runs git's transport programs (upload-pack for fetches, receive-pack for pushes) in
// stateless-RPC mode, as smart HTTP needs them, with the forge's git environment.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { gitEnvironment } from './exec.js';

/**
 * The forge's pre-receive and post-receive hooks, shared by every repository: receive-pack
 * runs with core.hooksPath pointing here, so upgrading Pagurus upgrades every
 * repository's hooks at once and no copy on disk can go stale. (src/git and dist/git are
 * both two levels below the package.)
 */
export const HOOKS_DIR = fileURLToPath(new URL('../../hooks/', import.meta.url));

export type GitService = 'upload-pack' | 'receive-pack';

export interface ServiceOptions {
  /** Only list the refs (the info/refs step). */
  advertise: boolean;
  /** The client's Git-Protocol header, already checked ("version=2"). */
  protocol?: string | undefined;
  /** Extra environment for the server-side hooks (who pushes, where to call back). */
  env?: NodeJS.ProcessEnv;
  /** Run the forge's hooks on a push (default true); false runs none. */
  hooks?: boolean;
  /** One request and its answer, as smart HTTP needs (default true); false holds the whole conversation, as SSH does. */
  stateless?: boolean;
}

export function spawnService(
  service: GitService,
  repository: string,
  options: ServiceOptions,
): ChildProcessByStdio<Writable, Readable, Readable> {
  // A repository without the forge's hooks (a docs repository) gets none at all.
  const hooks = service === 'receive-pack' ? ['-c', `core.hooksPath=${options.hooks === false ? '/dev/null' : HOOKS_DIR}`] : [];
  const args = [
    ...hooks,
    service,
    ...(options.stateless === false ? [] : ['--stateless-rpc']),
    ...(options.advertise ? ['--advertise-refs'] : []),
    repository,
  ];
  return spawn('git', args, {
    env: gitEnvironment({
      PAGURUS_NODE: process.execPath,
      ...options.env,
      ...(options.protocol ? { GIT_PROTOCOL: options.protocol } : {}),
    }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** A pkt-line: four hex digits of length (themselves included), then the data. */
export function pktLine(data: string): Buffer {
  const payload = Buffer.from(data, 'utf8');
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}

export const PKT_FLUSH = Buffer.from('0000');
