// A bare repository and a working clone that pushes to it ("origin"), for tests that read
// what git wrote.
import path from 'node:path';
import { gitOk, tempDir } from './git-client.js';

export interface BareAndWork {
  bare: string;
  work: string;
  /** Force-pushes `refs` (main when none) to the bare repository. */
  push: (...refs: string[]) => Promise<void>;
}

export async function bareAndWork(prefix: string): Promise<BareAndWork> {
  const root = await tempDir(prefix);
  const bare = path.join(root, 'repo.git');
  const work = path.join(root, 'work');
  await gitOk(root, 'init', '-q', '--bare', '-b', 'main', bare);
  await gitOk(root, 'init', '-q', '-b', 'main', work);
  await gitOk(work, 'config', 'user.name', 'Reader Test');
  await gitOk(work, 'config', 'user.email', 'reader@example.test');
  await gitOk(work, 'remote', 'add', 'origin', bare);
  const push = async (...refs: string[]) => {
    await gitOk(work, 'push', '-q', '--force', 'origin', ...(refs.length ? refs : ['main']));
  };
  return { bare, work, push };
}
