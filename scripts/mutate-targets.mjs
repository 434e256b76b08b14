// What `npm run mutate` mutates by default (issue 15's security rules), and for each source
// file the test files that exercise it: Stryker runs only those, so a run stays short.
// A target is "file" (the whole file) or "file#sel,sel" where a selector is a function or
// method name (its body, found by its braces) or "~text" (every line containing text, no commas):
// the line ranges are worked out when the run starts, so edits elsewhere in a file do not
// shift them.
export const TARGETS = {
  'core/src/services/access/access-service.ts': {
    // access-service: each answer compared whole (first: it is quick and kills most mutants).
    // ticket-references: the only caller of grants().
    tests: [
      'core/test/access-service.test.ts',
      'core/test/access-rules.test.ts',
      'core/test/acl-matrix.test.ts',
      'core/test/access-grants.test.ts',
      'core/test/ticket-references.test.ts',
    ],
  },
  'core/src/services/git/push-policy.ts': {
    // git-read-bounds: the object size limit and git.allow_delete_branch: false.
    tests: [
      'core/test/git-push-hooks.test.ts',
      'core/test/branch-aliases.test.ts',
      'core/test/access-grants.test.ts',
      'core/test/git-read-bounds.test.ts',
    ],
  },
  'core/src/http/web/session.ts': {
    // web-feedback: the confirmation (flash) after a form, and a new token's value shown once.
    // Mocha runs them in this order and a mutant stops at its first failing test, so the report's
    // "killed by" shows whether the older files kill a mutant without web-session-cookies.
    tests: [
      'core/test/web-accounts.test.ts',
      'core/test/web-pages.test.ts',
      'core/test/web-feedback.test.ts',
      'core/test/web-session-cookies.test.ts',
    ],
  },
  'core/src/services/issues/issues-service.ts': {
    select: ['canSee', 'mayChangeMetadata', 'checkMetadataAccess'],
    tests: ['core/test/access-grants.test.ts', 'core/test/api-issues.test.ts'],
  },
  'core/src/services/issues/issue-queries.ts': {
    select: ['seesAllPrivate', 'onlyTheirPrivate', '~onlyTheirPrivate(query'],
    tests: ['core/test/access-grants.test.ts', 'core/test/api-issues.test.ts', 'core/test/api-user-tickets.test.ts'],
  },
};

export const DEFAULT_TARGETS = Object.entries(TARGETS).map(([file, { select }]) => (select ? `${file}#${select.join(',')}` : file));
