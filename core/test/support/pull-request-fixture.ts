// A repository whose branch removes a line and adds one, for pull-request page tests: main has
// notes.txt "one two three", the branch "tidy" makes it "one three four" in one commit.
import path from 'node:path';
import { cloneUrl, commitFile, gitOk } from './git-client.js';

export interface LinesBranch {
  /** main's head: the commit a pull request from tidy starts from (the old side of its lines). */
  base: string;
  /** tidy's head. */
  head: string;
  dir: string;
}

/** Clones `repo` as its owner and pushes main and tidy. */
export async function pushLinesBranch(
  baseUrl: string,
  work: string,
  repo: string,
  credentials: { user: string; secret: string },
): Promise<LinesBranch> {
  const dir = path.join(work, repo.replace(/\//g, '-'));
  await gitOk(work, 'clone', '-q', cloneUrl(baseUrl, repo, credentials), dir);
  const base = await commitFile(dir, 'notes.txt', 'one\ntwo\nthree\n', { message: 'Notes' });
  await gitOk(dir, 'push', '-q', 'origin', 'HEAD:main');
  await gitOk(dir, 'checkout', '-q', '-b', 'tidy');
  const head = await commitFile(dir, 'notes.txt', 'one\nthree\nfour\n', { message: 'Tidy the notes' });
  await gitOk(dir, 'push', '-q', 'origin', 'tidy');
  await gitOk(dir, 'checkout', '-q', 'main');
  return { base, head, dir };
}
