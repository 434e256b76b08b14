// A repository with something in it, pushed with the stock git client: folders, an
// executable, a symbolic link, binary files, a submodule, a branch with a slash and tags.
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cloneUrl, gitOk } from './git-client.js';

export interface PushedContent {
  /** The README commit the forge made. */
  first: string;
  /** The commit adding everything else, on main. */
  content: string;
  /** One more commit, on feature/x. */
  feature: string;
  /** The binary file's bytes. */
  binary: Buffer;
  /** The work tree. */
  dir: string;
}

export const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(16, 7)]);

/** Clones `repo` as its owner, adds the files, and pushes main, feature/x, v0.1 (light) and v0.2 (annotated). */
export async function pushContent(
  base: string,
  work: string,
  repo: string,
  credentials: { user: string; secret: string },
): Promise<PushedContent> {
  const dir = path.join(work, repo.replace(/\//g, '-'));
  await gitOk(work, 'clone', '-q', cloneUrl(base, repo, credentials), dir);
  const first = await gitOk(dir, 'rev-parse', 'HEAD');
  const write = async (file: string, content: string | Buffer) => {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  };
  await write('docs/guide.md', '# Guide\n\nRead me.\n');
  await write('docs/deep/note.txt', 'deep\n');
  await write('bin/run.sh', '#!/bin/sh\necho run\n');
  await chmod(path.join(dir, 'bin/run.sh'), 0o755);
  await symlink('README.md', path.join(dir, 'link.md'));
  await symlink('../etc/passwd', path.join(dir, 'escape'));
  await write('data.bin', BINARY);
  await write('logo.png', PNG);
  await write('page.html', '<script>alert(1)</script>\n');
  await write('dir with space/a b.txt', 'spaced\n');
  await write('empty.txt', '');
  await gitOk(dir, 'add', '-A');
  await gitOk(dir, 'update-index', '--add', '--cacheinfo', `160000,${first},sub`);
  await gitOk(dir, 'commit', '-q', '-m', 'Add content\n\nWith a body.');
  const content = await gitOk(dir, 'rev-parse', 'HEAD');
  await gitOk(dir, 'push', '-q', 'origin', 'main');
  await gitOk(dir, 'checkout', '-q', '-b', 'feature/x');
  await write('feature.txt', 'feature\n');
  await gitOk(dir, 'add', 'feature.txt');
  await gitOk(dir, 'commit', '-q', '-m', 'Feature');
  const feature = await gitOk(dir, 'rev-parse', 'HEAD');
  await gitOk(dir, 'push', '-q', 'origin', 'feature/x');
  await gitOk(dir, 'tag', 'v0.1', content);
  await gitOk(dir, 'tag', '-a', '-m', 'Version 0.2', 'v0.2', first);
  await gitOk(dir, 'push', '-q', 'origin', 'v0.1', 'v0.2');
  await gitOk(dir, 'checkout', '-q', 'main');
  return { first, content, feature, binary: BINARY, dir };
}
