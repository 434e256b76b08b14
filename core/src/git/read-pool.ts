// The pool of cat-file processes every git read of the forge goes through: per repository,
// a process is lent to one read at a time and kept for the next; the number of processes in
// all is bounded (the least recently used idle one makes room), idle ones end after a while,
// and a read that finds its process dead is answered by a fresh one.
import { CatFileGone, CatFileProcess } from './cat-file.js';

export interface ReadPoolOptions {
  /** Most cat-file processes alive at once, over all repositories (git.read_processes). */
  maxProcesses: number;
  /** An idle process ends after this long (git.read_idle_seconds). */
  idleMs: number;
  /** A read that takes longer is stopped, with its process. */
  timeoutMs: number;
}

/**
 * How long a read whose repository's processes are all busy waits for one before starting
 * another: a warm read takes a tenth of a millisecond to a millisecond, a start several.
 */
const SPAWN_DELAY_MS = 2;

export const DEFAULT_READ_POOL: ReadPoolOptions = { maxProcesses: 16, idleMs: 60_000, timeoutMs: 30_000 };

/** A read that took longer than the pool's time limit; its process was stopped. */
export class GitReadTimeout extends Error {
  override readonly name = 'GitReadTimeout';
}

export interface ReadPoolStats {
  processes: number;
  idle: number;
  busy: number;
  waiting: number;
  spawned: number;
  pids: number[];
  /** The repositories processes are open on (one entry per process). */
  repositories: string[];
}

export class ReadPool {
  private options: ReadPoolOptions;
  private readonly idle = new Map<string, CatFileProcess[]>();
  private readonly busy = new Set<CatFileProcess>();
  /** Busy processes to stop when they come back (their forge stopped). */
  private readonly retired = new Set<CatFileProcess>();
  private readonly waiters: Array<() => void> = [];
  /** Per repository: processes starting, and reads waiting for one of its processes. */
  private readonly startingFor = new Map<string, number>();
  private readonly repoWaiters = new Map<string, Array<() => void>>();
  private sweeper: NodeJS.Timeout | undefined;
  private spawned = 0;
  private starting = 0;

  constructor(options: ReadPoolOptions = DEFAULT_READ_POOL) {
    this.options = { ...options };
  }

  configure(options: Partial<ReadPoolOptions>): void {
    this.options = { ...this.options, ...options };
    if (this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /**
   * Runs `read` with a process of `repo`'s own, alone on it until it resolves. A process
   * that died while it waited in the pool is replaced and the read runs again, once.
   */
  async use<T>(repo: string, read: (process: CatFileProcess) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      const process = await this.acquire(repo, attempt > 0);
      const reused = process.uses > 0;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        process.kill();
      }, this.options.timeoutMs);
      try {
        const value = await read(process);
        clearTimeout(timer);
        this.release(process);
        return value;
      } catch (error) {
        clearTimeout(timer);
        this.release(process);
        if (timedOut) throw new GitReadTimeout(`a git read in ${repo} took more than ${this.options.timeoutMs} ms`);
        if (error instanceof CatFileGone && reused && attempt === 0) continue;
        throw error;
      }
    }
  }

  stats(): ReadPoolStats {
    const idle = [...this.idle.values()].flat();
    return {
      processes: idle.length + this.busy.size,
      idle: idle.length,
      busy: this.busy.size,
      waiting: this.waiters.length,
      spawned: this.spawned,
      pids: [...idle, ...this.busy].map((p) => p.pid).filter((pid): pid is number => pid !== undefined),
      repositories: [...idle, ...this.busy].map((p) => p.repo),
    };
  }

  /** Stops the processes of repositories under `root` (a forge's repositories directory), or all of them. */
  close(root?: string): void {
    const under = (p: CatFileProcess) => root === undefined || p.repo.startsWith(root);
    for (const [repo, list] of this.idle) {
      const keep = list.filter((p) => !under(p));
      for (const p of list) if (under(p)) p.kill();
      if (keep.length) this.idle.set(repo, keep);
      else this.idle.delete(repo);
    }
    for (const p of this.busy) if (under(p)) this.retired.add(p);
    this.wake();
    if (this.count() === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private count(): number {
    let idle = 0;
    for (const list of this.idle.values()) idle += list.length;
    return idle + this.busy.size + this.starting;
  }

  private async acquire(repo: string, fresh: boolean): Promise<CatFileProcess> {
    let waited = false;
    for (;;) {
      if (!fresh) {
        const list = this.idle.get(repo);
        while (list?.length) {
          const process = list.pop()!;
          if (!list.length) this.idle.delete(repo);
          if (process.alive && process.current) return this.lend(process);
          process.kill();
        }
        // Starting a process costs more than most reads: while one of this repository's is
        // starting (a page's prewarm, or a read next to this one), wait for it; while they
        // are all busy, wait a little for one to come back before starting another.
        if (this.startingFor.get(repo)) {
          await this.waitFor(repo);
          continue;
        }
        if (!waited && this.busyFor(repo)) {
          waited = true;
          await this.waitFor(repo, SPAWN_DELAY_MS);
          continue;
        }
      }
      if (this.count() >= this.options.maxProcesses) this.evictOldestIdle();
      if (this.count() < this.options.maxProcesses) return this.start(repo, (process) => this.lend(process));
      // Every process is busy: wait for one to come back (reads never hold two at once).
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /**
   * Starts a process for `repo` in the background when it has none, so that the reads of a
   * page that is about to ask find one ready; nothing when the pool is full of busy ones.
   */
  prewarm(repo: string): void {
    if (this.idle.get(repo)?.length || this.startingFor.get(repo)) return;
    if (this.busyFor(repo)) return;
    if (this.count() >= this.options.maxProcesses) this.evictOldestIdle();
    if (this.count() >= this.options.maxProcesses) return;
    this.start(repo, (process) => this.release(process)).catch(() => undefined);
  }

  /**
   * Starts a process and hands it to `place` (lent to a read, or put in the pool); counted,
   * globally and for its repository, until it is placed, so the bound holds.
   */
  private async start<T>(repo: string, place: (process: CatFileProcess) => T): Promise<T> {
    this.spawned += 1;
    this.startSweeper();
    this.starting += 1;
    this.startingFor.set(repo, (this.startingFor.get(repo) ?? 0) + 1);
    const started = () => {
      this.starting -= 1;
      const left = (this.startingFor.get(repo) ?? 1) - 1;
      if (left) this.startingFor.set(repo, left);
      else this.startingFor.delete(repo);
      return left;
    };
    try {
      const placed = place(await CatFileProcess.start(repo));
      // Whoever waits for this repository is woken when a process comes back to the pool.
      started();
      return placed;
    } catch (error) {
      // The reads that waited for this start find nothing: each starts its own.
      if (!started()) this.wakeRepo(repo, true);
      throw error;
    }
  }

  /** Resolves when a process of `repo` comes back (or a start of it fails), or after `ms`. */
  private waitFor(repo: string, ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const list = this.repoWaiters.get(repo) ?? [];
      const timer =
        ms === undefined
          ? undefined
          : setTimeout(() => {
              const waiting = this.repoWaiters.get(repo);
              const at = waiting?.indexOf(wake) ?? -1;
              if (at >= 0) waiting!.splice(at, 1);
              if (waiting && !waiting.length) this.repoWaiters.delete(repo);
              resolve();
            }, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      list.push(wake);
      this.repoWaiters.set(repo, list);
    });
  }

  private busyFor(repo: string): number {
    let n = 0;
    for (const p of this.busy) if (p.repo === repo) n += 1;
    return n;
  }

  /** Wakes one read waiting for `repo`'s processes, or all of them. */
  private wakeRepo(repo: string, all = false): boolean {
    const list = this.repoWaiters.get(repo);
    if (!list?.length) return false;
    for (const resolve of all ? list.splice(0) : list.splice(0, 1)) resolve();
    if (!list.length) this.repoWaiters.delete(repo);
    return true;
  }

  private lend(process: CatFileProcess): CatFileProcess {
    this.busy.add(process);
    process.busy();
    return process;
  }

  private release(process: CatFileProcess): void {
    this.busy.delete(process);
    process.idle();
    if (!process.alive || this.retired.delete(process)) {
      process.kill();
      // Reads waiting for this repository's processes start their own.
      this.wakeRepo(process.repo, true);
    } else {
      const list = this.idle.get(process.repo) ?? [];
      list.push(process);
      this.idle.set(process.repo, list);
      // A read waiting for this repository's processes comes first.
      if (this.wakeRepo(process.repo)) return;
    }
    this.wake();
  }

  private wake(): void {
    this.waiters.shift()?.();
  }

  private evictOldestIdle(): void {
    let oldest: CatFileProcess | undefined;
    for (const list of this.idle.values()) for (const p of list) if (!oldest || p.lastUsed < oldest.lastUsed) oldest = p;
    if (!oldest) return;
    this.remove(oldest);
  }

  private remove(process: CatFileProcess): void {
    const list = this.idle.get(process.repo) ?? [];
    const rest = list.filter((p) => p !== process);
    if (rest.length) this.idle.set(process.repo, rest);
    else this.idle.delete(process.repo);
    process.kill();
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(
      () => {
        const cutoff = Date.now() - this.options.idleMs;
        for (const list of [...this.idle.values()]) for (const p of list) if (p.lastUsed < cutoff) this.remove(p);
        if (this.count() === 0 && this.sweeper) {
          clearInterval(this.sweeper);
          this.sweeper = undefined;
        }
      },
      Math.max(50, Math.floor(this.options.idleMs / 2)),
    );
    this.sweeper.unref();
  }
}

/** The process-wide pool: repositories are files, so every forge in a process shares it (each closes its own). */
export const gitReads = new ReadPool();
