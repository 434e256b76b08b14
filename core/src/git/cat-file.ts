// One long-lived `git cat-file --batch-command` process for one repository: requests are
// written to its standard input as they come and answered in order on its standard output,
// so many reads cost no new process. The pool (read-pool.ts) lends it to one caller at a time.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { statSync } from 'node:fs';
import { gitEnvironment } from './exec.js';
import { spawnThroughHelper } from './spawner.js';

/** What cat-file says of an object: its name, type and size, or that it is missing. */
export type ObjectInfo = { oid: string; type: string; size: number } | { missing: true };

export interface ObjectContents {
  oid: string;
  type: string;
  data: Buffer;
}

/** The process ended, or stopped answering, while a request waited: ask again on another one. */
export class CatFileGone extends Error {
  override readonly name = 'CatFileGone';
}

interface Pending {
  kind: 'info' | 'contents';
  resolve(value: ObjectInfo | ObjectContents | undefined): void;
  reject(error: Error): void;
}

/** Names cat-file may be asked for: object ids and revision expressions, never a line break. */
function checkName(name: string): void {
  if (!name || /[\n\r\0]/.test(name)) throw new Error(`not an object name cat-file can be asked: ${JSON.stringify(name)}`);
}

/** How a reader is reached: its standard input, its standard output, and what holds it alive. */
interface Transport {
  input: Writable;
  output: Readable;
  pid: number | undefined;
  /** Handles that keep the event loop alive while a read waits (unref'd while idle). */
  handles: Array<{ ref?: () => void; unref?: () => void }>;
  kill(): void;
  onEnd(listener: (reason: string) => void): void;
}

function directTransport(repo: string, env: NodeJS.ProcessEnv): Transport {
  const child: ChildProcessWithoutNullStreams = spawn('git', ['cat-file', '--batch-command'], {
    cwd: repo,
    env: gitEnvironment(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stderr.on('data', () => undefined);
  return {
    input: child.stdin,
    output: child.stdout,
    pid: child.pid,
    handles: [child, ...([child.stdin, child.stdout, child.stderr] as unknown as Array<{ ref?: () => void; unref?: () => void }>)],
    kill: () => {
      child.stdin.destroy();
      if (child.exitCode === null) child.kill();
    },
    onEnd: (listener) => {
      child.on('error', (error) => listener(error.message));
      child.on('close', (code, signal) => listener(`git cat-file ended (${signal ?? code}) in ${repo}`));
    },
  };
}

function socketTransport(repo: string, socket: Socket, pid: number): Transport {
  return {
    input: socket,
    output: socket,
    pid,
    handles: [socket],
    kill: () => {
      socket.destroy();
      try {
        process.kill(pid);
      } catch {
        // It had ended.
      }
    },
    onEnd: (listener) => {
      socket.on('error', (error) => listener(error.message));
      socket.on('close', () => listener(`git cat-file ended in ${repo}`));
    },
  };
}

export class CatFileProcess {
  private readonly pending: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  /** The object being read for the request at the head: its bytes fill `data` up to `filled`. */
  private header: { oid: string; type: string; size: number; data: Buffer; filled: number } | undefined;
  private ended: Error | undefined;
  /** Requests answered: a fresh process has 0. */
  uses = 0;
  lastUsed = Date.now();

  /** Starts a reader for `repo`: through the spawner helper when it runs, else directly. */
  static async start(repo: string, extra: NodeJS.ProcessEnv = {}): Promise<CatFileProcess> {
    // Objects as stored, never swapped for a refs/replace/ one: what the in-process reader
    // (object-files.ts) answers for the same name, and what libgit2 shows for Pagure.
    const env = { GIT_NO_REPLACE_OBJECTS: '1', ...extra };
    const identity = directoryIdentity(repo);
    const spawned = await spawnThroughHelper(repo, ['cat-file', '--batch-command'], gitEnvironment(env));
    return new CatFileProcess(repo, spawned ? socketTransport(repo, spawned.socket, spawned.pid) : directTransport(repo, env), identity);
  }

  private constructor(
    readonly repo: string,
    private readonly transport: Transport,
    private readonly identity: bigint | undefined,
  ) {
    transport.output.on('data', (chunk: Buffer) => this.onData(chunk));
    transport.input.on('error', () => undefined);
    transport.onEnd((reason) => this.fail(new CatFileGone(reason)));
    this.idle();
  }

  get alive(): boolean {
    return this.ended === undefined;
  }

  /**
   * The repository at its path is still the one this process opened: a project removed and
   * made again under the same name (by any process) is another directory, which this one,
   * holding the old objects, must not read.
   */
  get current(): boolean {
    return this.identity !== undefined && directoryIdentity(this.repo) === this.identity;
  }

  /** The process's id, for counting the forge's git children. */
  get pid(): number | undefined {
    return this.transport.pid;
  }

  /** Type and size of each name, in one round trip. */
  info(names: readonly string[]): Promise<ObjectInfo[]> {
    return Promise.all(names.map((name) => this.request('info', name) as Promise<ObjectInfo>));
  }

  /** An object's bytes; undefined when it is missing. Callers check the size first (infoOf): the whole object is buffered. */
  contents(name: string): Promise<ObjectContents | undefined> {
    return this.request('contents', name) as Promise<ObjectContents | undefined>;
  }

  /** Keeps the process from holding the event loop open while it waits in the pool. */
  idle(): void {
    this.lastUsed = Date.now();
    for (const handle of this.transport.handles) handle.unref?.();
  }

  /** Holds the event loop open while a caller waits for an answer. */
  busy(): void {
    for (const handle of this.transport.handles) handle.ref?.();
  }

  kill(): void {
    if (!this.ended) this.fail(new CatFileGone(`git cat-file stopped in ${this.repo}`));
    this.transport.kill();
  }

  private request(kind: 'info' | 'contents', name: string): Promise<ObjectInfo | ObjectContents | undefined> {
    checkName(name);
    if (this.ended) return Promise.reject(this.ended);
    this.lastUsed = Date.now();
    return new Promise((resolve, reject) => {
      this.pending.push({ kind, resolve, reject });
      this.transport.input.write(`${kind} ${name}\n`);
    });
  }

  private fail(error: Error): void {
    if (this.ended) return;
    this.ended = error instanceof CatFileGone ? error : new CatFileGone(error.message);
    for (const waiting of this.pending.splice(0)) waiting.reject(this.ended);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const head = this.pending[0];
      if (!head) {
        // Output nobody asked for: the process is out of step; never trust it again.
        if (this.buffer.length) this.kill();
        return;
      }
      if (!this.header) {
        const eol = this.buffer.indexOf(0x0a);
        if (eol === -1) return;
        const line = this.buffer.subarray(0, eol).toString('utf8');
        this.buffer = this.buffer.subarray(eol + 1);
        const match = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(line);
        if (!match) {
          // "<name> missing", "<name> ambiguous": nothing follows.
          this.pending.shift();
          this.uses += 1;
          head.resolve(head.kind === 'info' ? { missing: true } : undefined);
          continue;
        }
        const info = { oid: match[1]!, type: match[2]!, size: Number(match[3]) };
        if (head.kind === 'info') {
          this.pending.shift();
          this.uses += 1;
          head.resolve(info);
          continue;
        }
        this.header = { ...info, data: Buffer.allocUnsafe(info.size), filled: 0 };
      }
      const object = this.header;
      // Copy into the object's own buffer as it comes: a large blob is never re-concatenated.
      const take = Math.min(object.size - object.filled, this.buffer.length);
      this.buffer.copy(object.data, object.filled, 0, take);
      object.filled += take;
      this.buffer = this.buffer.subarray(take);
      // Then the newline that ends the contents.
      if (object.filled < object.size || this.buffer.length < 1) return;
      this.buffer = this.buffer.subarray(1);
      this.header = undefined;
      this.pending.shift();
      this.uses += 1;
      const { oid, type, data } = object;
      head.resolve({ oid, type, data });
    }
  }
}

/** The directory's inode (a stat of a cached inode: microseconds), or undefined when it is gone. */
function directoryIdentity(dir: string): bigint | undefined {
  return statSync(dir, { bigint: true, throwIfNoEntry: false })?.ino;
}
