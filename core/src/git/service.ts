// Runs git's transport programs (upload-pack for fetches, receive-pack for pushes) in
// stateless-RPC mode, as smart HTTP needs them, with the forge's git environment.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { gitEnvironment } from './exec.js';

export type GitService = 'upload-pack' | 'receive-pack';

export interface ServiceOptions {
  /** Only list the refs (the info/refs step). */
  advertise: boolean;
  /** The client's Git-Protocol header, already checked ("version=2"). */
  protocol?: string | undefined;
  /** Extra environment for the server-side hooks (who pushes, where to call back). */
  env?: NodeJS.ProcessEnv;
}

export function spawnService(service: GitService, repository: string, options: ServiceOptions): ChildProcessByStdio<Writable, Readable, Readable> {
  const args = [service, '--stateless-rpc', ...(options.advertise ? ['--advertise-refs'] : []), repository];
  return spawn('git', args, {
    env: gitEnvironment({ ...options.env, ...(options.protocol ? { GIT_PROTOCOL: options.protocol } : {}) }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** A pkt-line: four hex digits of length (themselves included), then the data. */
export function pktLine(data: string): Buffer {
  const payload = Buffer.from(data, 'utf8');
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}

export const PKT_FLUSH = Buffer.from('0000');
