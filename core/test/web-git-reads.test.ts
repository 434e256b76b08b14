// The pages that read a repository read its objects in the forge process: the first
// overview, folder, file and commits pages of a repository start no git process, and show
// what they show when every read goes through the cat-file processes instead
// (git.read_in_process off).
import assert from 'node:assert/strict';
import { createTestForge, describeModes, drainJobs, type TestForge } from '@pagurus/core/testing';
import { gitReads, objectFiles } from '../src/git/index.js';
import { tempDir } from './support/git-client.js';
import { pushContent } from './support/repo-content.js';

const PAGES = [
  ['/hello', ['Read me first', 'Add content']],
  ['/hello/tree/main/f/docs', ['guide.md', 'deep']],
  ['/hello/blob/main/f/docs/guide.md', ['Read me.']],
  ['/hello/commits', ['Add content', 'Added the README']],
] as const;

/** Visits each page and checks what it shows; the reading processes the pages started. */
async function visit(t: TestForge): Promise<number> {
  const before = gitReads.stats().spawned;
  for (const [page, shown] of PAGES) {
    const res = await t.fetch(page);
    assert.equal(res.status, 200, page);
    const body = await res.text();
    for (const text of shown) assert.ok(body.includes(text), `${page} shows "${text}"`);
  }
  return gitReads.stats().spawned - before;
}

describeModes('pages reading git', (mode) => {
  after(() => (objectFiles.enabled = true));

  for (const inProcess of [true, false]) {
    it(
      inProcess ? 'read objects without starting a process' : 'read through the cat-file processes with git.read_in_process off',
      async () => {
        const t = await createTestForge({ mode, config: { 'git.read_in_process': inProcess } });
        try {
          await t.createUser('alice');
          await t.createProject('alice', 'hello', { readme: true, description: 'Read me first' });
          await pushContent(t.url, await tempDir(), 'hello', { user: 'alice', secret: 'alice-password1' });
          // The push's own jobs read the repository too: they are done before the pages are counted.
          await drainJobs(t);
          const started = await visit(t);
          if (inProcess) assert.equal(started, 0, 'no reading process started');
          else assert.ok(started >= 1, 'a reading process started');
        } finally {
          await t.close();
        }
      },
    );
  }
});
