// `forge.git`: reading a project's repository and taking its write lock, as plugins see it
// (types only; core/src/plugin-git.ts implements it over core's git layer).
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { ProjectRecord, UserRecord } from '../domain/index.js';

/** One entry of a folder. */
export interface GitTreeEntry {
  /** The entry's name inside its folder ("README.md"). */
  name: string;
  /** Its path from the repository's root ("docs/README.md"). */
  path: string;
  type: 'blob' | 'tree' | 'commit';
  /** Octal mode as git prints it: 100644, 100755, 120000 (symbolic link), 040000, 160000 (submodule). */
  mode: string;
  oid: string;
  /** Bytes, for blobs. */
  size: number | undefined;
}

/** A file's bytes, read up to a limit. */
export interface GitBlob {
  oid: string;
  /** The file's size on disk, in bytes. */
  size: number;
  /** At most `maxBytes` of it. */
  data: Buffer;
  /** The file is larger than `data`. */
  truncated: boolean;
}

/** One commit of a log, newest first. */
export interface GitLogEntry {
  hash: string;
  authorName: string;
  authorEmail: string;
  /** Seconds since the epoch. */
  time: number;
  subject: string;
}

/** A file to stream: large ones are read by a git process of their own, never buffered whole. */
export interface GitBlobStream {
  oid: string;
  size: number;
  stream: Readable;
}

/** A kind of repository every project has besides its main one (Pagure's repotypes). */
export interface RepositoryTypeDefinition {
  /**
   * "docs": lower-case letters, digits, "-". Each project's repository of the type is at
   * <git.repos_dir>/<name>/<project path>.git and served over HTTP at /<name>/<project>.git
   * (forks: /<name>/forks/<user>/<project>.git); `projects.reserved` must hold "<name>/*".
   */
  name: string;
}

/** A git conversation a plugin carries (over SSH): what the client asked, and who asks. */
export interface GitServeRequest {
  /** The repository as the client named it: "rpms/bash.git", "/forks/alice/bash", "docs/bash.git". */
  path: string;
  service: 'upload-pack' | 'receive-pack';
  /** Who asks, as the plugin authenticated them (by SSH key); null for nobody. */
  user: UserRecord | null;
  /**
   * Instead of a user: a project's deploy key (the plugin keeps them), which may fetch that
   * project (even a private one) and nothing else; with `push`, it also pushes to the
   * project with commit access, under the same push policy and `canPush`, in the name
   * `deploykey_<project>_<id>` (hooks see `deployKey` set; events carry that name as agent).
   */
  deployKey?: { id: number; projectId: number; push?: boolean };
  /** Where a push's hooks call the forge back: the web server's base URL (default: the forge's url). */
  hookUrl?: string;
}

export type GitServeAnswer =
  | {
      ok: true;
      project: ProjectRecord;
      /** Starts git for the whole conversation (not stateless), with the forge's hooks on a push: pipe the client to and from it. */
      spawn(): ChildProcessByStdio<Writable, Readable, Readable>;
    }
  | {
      ok: false;
      /** 'authenticate': nobody may do this anonymously; else as named. */
      reason: 'authenticate' | 'not-found' | 'forbidden';
      /** What to tell the client, the same words git over HTTP answers with. */
      message: string;
    };

export interface GitBranch {
  /** Without refs/heads/. */
  name: string;
  commit: string;
  /** For a branch alias (a symbolic ref): the branch it stands for. */
  aliasOf?: string;
}

export interface GitLogOptions {
  /** Commits skipped before the page (default 0). */
  skip?: number;
  /** At most this many (default 50, at most 1000). */
  limit?: number;
  /** Only commits touching this path. */
  path?: string;
}

/**
 * `forge.git`: reads of a project's repository (branches, tags, commits by their name or
 * hash), never of what no ref reaches. A `ref` is what Pagure's URLs take: a branch, a
 * full or abbreviated commit hash, or a tag. Missing repositories, refs and paths answer
 * undefined (empty lists), never throw. Only core writes refs; `withLock` is for a
 * plugin's own writes to the repository's files (notes, its own refs), serialised with core's.
 */
export interface ForgeGitApi {
  /** The commit `ref` names, or undefined. */
  resolve(project: ProjectRecord, ref: string): Promise<string | undefined>;
  /** The default branch (HEAD) and its commit, or undefined for an empty repository. */
  defaultBranch(project: ProjectRecord): Promise<{ name: string; commit: string } | undefined>;
  /** The branches, by name. */
  branches(project: ProjectRecord): Promise<GitBranch[]>;
  /** The file at `path` of `ref`, at most `maxBytes` of it (default 1 MiB, at most 32 MiB); undefined if it is no file. */
  readBlob(project: ProjectRecord, ref: string, path: string, options?: { maxBytes?: number }): Promise<GitBlob | undefined>;
  /** The entries of the folder at `path` of `ref` ("" for the root), or undefined if it is no folder. */
  listTree(project: ProjectRecord, ref: string, path?: string): Promise<GitTreeEntry[] | undefined>;
  /** A page of the commits reachable from `ref`, newest first; undefined if `ref` names nothing. */
  log(project: ProjectRecord, ref: string, options?: GitLogOptions): Promise<GitLogEntry[] | undefined>;
  /**
   * Runs `work` holding the project's repository write lock: no push, merge or other write
   * to it runs meanwhile, in any process. Keep it short; never take it from inside a job
   * that has the repository as its lockKey (it holds the lock already).
   */
  withLock<T>(project: ProjectRecord, work: (repositoryDir: string) => Promise<T>): Promise<T>;
  /** The file at `path` of `ref` as a stream (for files too large to read whole); undefined if it is no file. */
  openBlob(project: ProjectRecord, ref: string, path: string): Promise<GitBlobStream | undefined>;
  /**
   * Defines a repository type (call it in `apply`, in every process): core makes each
   * project's repository of the type with the project (and with a fork, empty), removes it
   * with the project, and serves it over git's smart HTTP with the main repository's read
   * rules; pushing takes commit access (no branch rules, no hooks, no events), and a project
   * older than the type gets its repository at the first push. Answers `forge.git` for the
   * type's repositories.
   */
  defineRepositoryType(definition: RepositoryTypeDefinition): ForgeGitApi;
  /**
   * Decides a git conversation exactly as git over HTTP does (one decision for both: who may
   * fetch, who may push, the same words when refused) and, when allowed, starts git for it.
   * A push runs the forge's pre- and post-receive hooks, so the push policy, `canPush`,
   * events and jobs follow as they do over HTTP.
   */
  serve(request: GitServeRequest): Promise<GitServeAnswer>;
}
