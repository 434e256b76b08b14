// The repository a git URL (smart HTTP) or a path (SSH) names: main repositories, forks,
// namespaces, and a repository type's behind its name, which is only ever a first folder.
import assert from 'node:assert/strict';
import { parseGitUrl, parseRepositoryPath } from '../src/http/git/git-paths.js';

const project = (name: string, namespace: string | null = null, forkOwner: string | null = null) => ({ name, namespace, forkOwner });

describe('git paths', () => {
  it('name the main repository, a namespaced one and a fork, with or without .git', () => {
    assert.deepEqual(parseRepositoryPath('/bash.git'), { project: project('bash') });
    assert.deepEqual(parseRepositoryPath('/rpms/bash'), { project: project('bash', 'rpms') });
    assert.deepEqual(parseRepositoryPath('/forks/alice/rpms/bash.git'), { project: project('bash', 'rpms', 'alice') });
    for (const bad of ['/', '', 'bash.git', '/a/b/c/d.git']) assert.equal(parseRepositoryPath(bad), undefined, bad);
  });

  it("name a type's repository only behind its name as a first folder", () => {
    const types = ['docs'];
    assert.deepEqual(parseRepositoryPath('/docs/bash.git', types), { project: project('bash'), type: 'docs' });
    assert.deepEqual(parseRepositoryPath('/docs/forks/alice/bash', types), { project: project('bash', null, 'alice'), type: 'docs' });
    assert.deepEqual(parseRepositoryPath('/docsa', types), { project: project('docsa') }, 'a project whose name starts like a type');
    assert.deepEqual(parseRepositoryPath('/docs/bash.git'), { project: project('bash', 'docs') }, 'no such type defined');
  });

  it('take a smart-HTTP endpoint after the repository', () => {
    assert.deepEqual(parseGitUrl('/rpms/bash.git/info/refs'), { project: project('bash', 'rpms'), endpoint: 'info/refs' });
    assert.deepEqual(parseGitUrl('/docs/bash/git-receive-pack', ['docs']), {
      project: project('bash'),
      type: 'docs',
      endpoint: 'git-receive-pack',
    });
    for (const bad of ['/bash.git', '/info/refs', '/bash.git/info/refs/x']) assert.equal(parseGitUrl(bad), undefined, bad);
  });
});
