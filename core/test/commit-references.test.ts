// Pagure's magic words in commit messages, as the push hook reads them.
import assert from 'node:assert/strict';
import { commitReferences } from '../src/services/tickets/commit-references.js';

const BASE = 'https://src.example.org/';
const refs = (text: string) => commitReferences(text, BASE).map((r) => `${r.kind} ${r.project ?? ''}#${r.id}${r.type ? ` (${r.type})` : ''}`);

describe('commit message references', () => {
  it('reads every spelling of the closing words, in any case, with or without a colon', () => {
    for (const word of ['Fix', 'fixes', 'FIXED', 'Fixe', 'close', 'Closes', 'closed', 'merge', 'Merges', 'merged', 'resolve', 'Resolves', 'resolved']) {
      assert.deepEqual(refs(`Some change\n\n${word} #12`), ['fixes #12'], word);
      assert.deepEqual(refs(`${word}: #3`), ['fixes #3'], `${word}:`);
    }
  });

  it('reads "relates" with or without "to", and keeps each reference once, in order', () => {
    assert.deepEqual(refs('Relates to #4\nrelated #5\nFixes #6 and fixes #7, fixes #6'), ['relates #4', 'relates #5', 'fixes #6', 'fixes #7']);
  });

  it('reads full URLs of this forge, naming the project and what it is', () => {
    assert.deepEqual(refs('Fixes https://src.example.org/rpms/pkg/issue/9\nmerges https://src.example.org/fork/alice/pkg/pull-request/10'), [
      'fixes rpms/pkg#9 (issue)',
      'fixes fork/alice/pkg#10 (pull-request)',
    ]);
    assert.deepEqual(refs('Relates to https://src.example.org/rpms/pkg/issue/2'), ['relates rpms/pkg#2 (issue)']);
  });

  it('ignores words inside other words, other forges, and #0', () => {
    assert.deepEqual(refs('prefixes #1\nunresolved #2\nFixes https://other.example.org/rpms/pkg/issue/3\nfixes #0\nfix issue 4'), []);
  });
});
