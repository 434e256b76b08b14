// Getting a repository ready for the reads a page is about to make, while the page waits
// for the database (the viewer's rights): the forge process's thread is idle then.
import { gitReads } from './read-pool.js';
import { objectFiles } from './object-files.js';
import { branchesAndHead } from './refs.js';
import { listTree } from './trees.js';

/**
 * With objects read in this process: reads the refs, the default branch's commit and its
 * root folder (what most pages read first) on the next turn of the event loop, so that the
 * page finds them cached. Otherwise starts the repository's reading process.
 */
export function prepareReads(repo: string): void {
  if (!objectFiles.enabled) {
    gitReads.prewarm(repo);
    return;
  }
  setImmediate(() => {
    branchesAndHead(repo)
      .then(({ head }) => head && listTree(repo, `${head.commit}^{tree}`))
      .catch(() => undefined);
  });
}
