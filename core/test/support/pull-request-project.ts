// A project of its own for each pull-request API test, so a test runs alone or in any order:
// a fresh repository (README on main, plus `mainCommits` more pushed commits), its owner's
// clone, and the calls every test makes on its pull requests.
import path from 'node:path';
import type { ApiResponse, TestForge } from '@pagurus/core/testing';
import type { ForgeEvent } from '@pagurus/core';
import { cloneUrl, commitFile, gitOk } from './git-client.js';
import { eventually } from './wait.js';

export interface Pr {
  id: number;
  uid: string;
  title: string;
  branch: string;
  branch_from: string;
  status: string;
  commit_start: string | null;
  commit_stop: string | null;
  cached_merge_status: string;
  repo_from: { fullname: string } | null;
  project: { fullname: string };
  comments: Array<{ comment: string; notification: boolean; filename: string | null; line: number | null }>;
  threshold_reached: boolean | null;
  tags: string[];
  full_url: string;
  user: { name: string };
  assignee: { name: string } | null;
  closed_by: { name: string } | null;
}

export interface PrProject {
  /** The project's full name, e.g. rpms/pr3. */
  repo: string;
  /** Its API prefix, e.g. /api/0/rpms/pr3. */
  api: string;
  /** The owner's clone, on main. */
  dir: string;
  /** The owner's clone URL with credentials. */
  url: string;
  open(
    body: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<Pr & { error_code?: string; errors?: unknown }>>;
  get(id: number): Promise<ApiResponse<Pr>>;
  /** Waits until the pull request's merge status is known. */
  settled(id: number): Promise<Pr>;
  /** Makes branch `name` from `from` with one commit writing `file`, pushes it, answers its head. */
  branch(name: string, file: string, content: string, from?: string): Promise<string>;
  /** The pull-request events about this project's pull requests, once the bus is idle. */
  events(): Promise<ForgeEvent[]>;
}

let made = 0;

export const credentials = (user: string) => ({ user, secret: `${user}-password1` });

/** Creates rpms/prN owned by `owner` (whose token is `headers`) and clones it under `work`. */
export async function prProject(
  t: TestForge,
  work: string,
  owner: string,
  headers: Record<string, string>,
  options: { mainCommits?: number } = {},
): Promise<PrProject> {
  const name = `pr${++made}`;
  const repo = `rpms/${name}`;
  const api = `/api/0/${repo}`;
  await t.createProject(owner, name, { namespace: 'rpms', readme: true });
  const url = cloneUrl(t.url, repo, credentials(owner));
  const dir = path.join(work, name);
  await gitOk(work, 'clone', '-q', url, dir);
  for (let n = 1; n <= (options.mainCommits ?? 0); n++) await commitFile(dir, `main-${n}.txt`, `${n}\n`, { message: `Main commit ${n}` });
  if (options.mainCommits) await gitOk(dir, 'push', '-q', 'origin', 'main');
  const get = (id: number) => t.api<Pr>('GET', `${api}/pull-request/${id}`);
  return {
    repo,
    api,
    dir,
    url,
    open: (body, as = headers) => t.api<Pr & { error_code?: string; errors?: unknown }>('POST', `${api}/pull-request/new`, body, as),
    get,
    settled: (id) =>
      eventually(async () => {
        const pr = (await get(id)).body;
        return pr.cached_merge_status !== 'unknown' ? pr : undefined;
      }, `pull request #${id} of ${repo} to be refreshed`),
    async branch(branchName, file, content, from = 'origin/main') {
      await gitOk(dir, 'fetch', '-q', 'origin');
      await gitOk(dir, 'checkout', '-q', '-b', branchName, from);
      const head = await commitFile(dir, file, content, { message: `Change ${file} on ${branchName}` });
      await gitOk(dir, 'push', '-q', 'origin', branchName);
      return head;
    },
    async events() {
      await t.forge.events.idle();
      const all = (await t.api<{ events: ForgeEvent[] }>('GET', '/api/0/_fixture/events')).body.events;
      const about = (e: ForgeEvent) => {
        const body = e.body as { pullrequest?: Pr; project?: { fullname: string } };
        return (body.pullrequest?.project.fullname ?? body.project?.fullname) === repo;
      };
      return all.filter((e) => e.topic.startsWith('pull-request.') && about(e));
    },
  };
}
