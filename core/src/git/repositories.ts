// Bare repositories on disk, under the repositories directory: created, given a first
// commit, forked and removed. Callers hold the repository's lock while they write. A new
// repository is made in a staging directory beside its place and moved there in one rename,
// configured: a process that dies while making it leaves nothing at its path.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { faultPoint } from '../domain/index.js';
import { runGit } from './exec.js';

export interface Author {
  name: string;
  email: string;
}

/**
 * Settings every repository gets: partial clones (--filter) and fetching any reachable
 * commit by hash, bitmaps so big clones skip the object walk, a reflog to recover from
 * bad force-pushes, and no git-gc inside the push or detached into the background: the
 * forge runs it in a job, under the repository's lock (git.gc_after_push).
 */
export const REPOSITORY_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['uploadpack.allowFilter', 'true'],
  ['uploadpack.allowReachableSHA1InWant', 'true'],
  ['repack.writeBitmaps', 'true'],
  ['pack.writeBitmapHashCache', 'true'],
  ['core.logAllRefUpdates', 'true'],
  ['gc.autoDetach', 'false'],
  ['receive.autogc', 'false'],
  ['receive.denyDeleteCurrent', 'true'],
];

/** A repository type's name: lower-case letters (and digits, "-"), as in its URLs and folder. */
const TYPE_NAME = /^[a-z][a-z0-9-]{0,29}$/;

/** A staging directory this old was left by a process that died making a repository. */
const STALE_STAGING_MS = 60 * 60_000;

export class Repositories {
  private readonly typeNames: string[] = [];

  constructor(readonly root: string) {}

  /**
   * The repository types each project has besides its main repository (Pagure's repotypes:
   * "docs"), as plugins defined them. A type's repositories live under <root>/<type>/, by the
   * project's path, and are served at /<type>/<project>.git.
   */
  get types(): readonly string[] {
    return this.typeNames;
  }

  defineType(name: string): void {
    if (!TYPE_NAME.test(name)) throw new Error(`repository type "${name}" must be lower-case letters, digits and "-"`);
    if (this.typeNames.includes(name)) throw new Error(`repository type "${name}" is defined twice`);
    this.typeNames.push(name);
  }

  /** The relative path of a project's repository of `type` (main: the project's own path). */
  typedPath(type: string | undefined, mainPath: string): string {
    return type ? `${type}/${mainPath}` : mainPath;
  }

  /** The absolute path of a repository, refusing anything that would leave the root. */
  pathOf(relative: string): string {
    const absolute = path.resolve(this.root, relative);
    if (!absolute.startsWith(this.root + path.sep) || !absolute.endsWith('.git') || relative.includes('\0')) {
      throw new Error(`not a repository path: ${relative}`);
    }
    return absolute;
  }

  exists(relative: string): boolean {
    return existsSync(this.pathOf(relative));
  }

  /**
   * An empty bare repository whose HEAD names `defaultBranch`, with REPOSITORY_CONFIG and
   * `config` (entries of the caller's own, written before it appears at its path).
   */
  async create(relative: string, defaultBranch: string, config: Record<string, string> = {}): Promise<void> {
    await this.made(relative, config, (dir) =>
      runGit(['init', '--bare', '--quiet', '--template=', `--initial-branch=${defaultBranch}`, dir], { cwd: path.dirname(dir) }),
    );
  }

  /**
   * Makes a repository with `make` in a staging directory beside `relative`, configures it,
   * and renames it into place: it appears whole or not at all. A repository already there is
   * never replaced (the rename fails).
   */
  private async made(relative: string, config: Record<string, string>, make: (dir: string) => Promise<unknown>): Promise<void> {
    const dir = this.pathOf(relative);
    await mkdir(path.dirname(dir), { recursive: true });
    await this.dropStaleStaging(dir);
    const staging = `${dir}.making-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await make(staging);
      for (const [key, value] of [...REPOSITORY_CONFIG, ...Object.entries(config)]) await runGit(['config', key, value], { cwd: staging });
      await faultPoint('repository:staged');
      await rename(staging, dir);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }

  /** Removes what processes that died making this repository left beside it. */
  private async dropStaleStaging(dir: string): Promise<void> {
    const prefix = `${path.basename(dir)}.making-`;
    for (const name of await readdir(path.dirname(dir))) {
      if (!name.startsWith(prefix)) continue;
      const leftover = path.join(path.dirname(dir), name);
      const age = Date.now() - (await stat(leftover).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > STALE_STAGING_MS) await rm(leftover, { recursive: true, force: true });
    }
  }

  /** Commits one file as the first commit of `branch` (without a work tree). */
  async commitFile(
    relative: string,
    commit: { branch: string; file: string; content: string; message: string; author: Author },
  ): Promise<string> {
    const cwd = this.pathOf(relative);
    const blob = (await runGit(['hash-object', '-w', '--stdin'], { cwd, input: commit.content })).trim();
    const tree = (await runGit(['mktree'], { cwd, input: `100644 blob ${blob}\t${commit.file}\n` })).trim();
    const env = {
      GIT_AUTHOR_NAME: commit.author.name,
      GIT_AUTHOR_EMAIL: commit.author.email,
      GIT_COMMITTER_NAME: commit.author.name,
      GIT_COMMITTER_EMAIL: commit.author.email,
    };
    const sha = (await runGit(['commit-tree', tree, '-m', commit.message], { cwd, env })).trim();
    // The empty old value makes the update fail if the branch appeared meanwhile.
    await runGit(['update-ref', `refs/heads/${commit.branch}`, sha, ''], { cwd });
    return sha;
  }

  /**
   * Copies `from` into a new bare repository `to`: all branches and tags, HEAD as in the
   * source. Objects are hard-linked, so the copy is cheap and survives the source's removal.
   */
  async fork(from: string, to: string, config: Record<string, string> = {}): Promise<void> {
    const source = this.pathOf(from);
    await this.made(to, config, async (staging) => {
      await runGit(['clone', '--bare', '--quiet', '--template=', source, staging], { cwd: path.dirname(staging) });
      await runGit(['remote', 'remove', 'origin'], { cwd: staging });
    });
  }

  /** Removes a repository: renamed aside first, so a half-removed one is never served. */
  async remove(relative: string): Promise<void> {
    const dir = this.pathOf(relative);
    if (!existsSync(dir)) return;
    const trash = `${dir}.deleting-${process.pid}-${Date.now()}`;
    await rename(dir, trash);
    await rm(trash, { recursive: true, force: true });
  }

  /** Removes what a failed create or fork left behind. */
  async discard(relative: string): Promise<void> {
    await rm(this.pathOf(relative), { recursive: true, force: true });
  }
}
