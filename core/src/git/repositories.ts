// Bare repositories on disk, under the repositories directory: created, given a first
// commit, forked and removed. Callers hold the repository's lock while they write.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
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

  /** An empty bare repository whose HEAD names `defaultBranch`. */
  async create(relative: string, defaultBranch: string): Promise<void> {
    const dir = this.pathOf(relative);
    await mkdir(path.dirname(dir), { recursive: true });
    // No template: nothing from the machine's git installation ends up in the repository.
    await runGit(['init', '--bare', '--quiet', '--template=', `--initial-branch=${defaultBranch}`, dir], { cwd: path.dirname(dir) });
    await this.configure(relative);
  }

  /** Applies REPOSITORY_CONFIG (again) to a repository. */
  async configure(relative: string): Promise<void> {
    const cwd = this.pathOf(relative);
    for (const [key, value] of REPOSITORY_CONFIG) await runGit(['config', key, value], { cwd });
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
  async fork(from: string, to: string): Promise<void> {
    const source = this.pathOf(from);
    const target = this.pathOf(to);
    await mkdir(path.dirname(target), { recursive: true });
    await runGit(['clone', '--bare', '--quiet', '--template=', source, target], { cwd: path.dirname(target) });
    await runGit(['remote', 'remove', 'origin'], { cwd: target });
    await this.configure(to);
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
