import assert from 'node:assert/strict';
import { matchesAny, fnmatch } from '../src/services/access/fnmatch.js';
import { applySettings, readSettings, SETTING_DEFAULTS } from '../src/services/projects/settings.js';
import type { ProjectRecord } from '../src/domain/index.js';

describe('collaborator branch patterns', () => {
  it('match like shell patterns, "*" across slashes too', () => {
    assert.ok(fnmatch('epel9', 'epel*'));
    assert.ok(fnmatch('f41', 'f??'));
    assert.ok(!fnmatch('f4', 'f??'));
    assert.ok(fnmatch('feature/x/y', 'feature/*'));
    assert.ok(fnmatch('rawhide', 'rawhide'));
    assert.ok(!fnmatch('rawhide2', 'rawhide'));
    assert.ok(fnmatch('f40', 'f[34]0'));
    assert.ok(!fnmatch('f50', 'f[34]0'));
    assert.ok(fnmatch('f50', 'f[!34]0'));
  });

  it('treat regular-expression characters literally', () => {
    assert.ok(fnmatch('a.b', 'a.b'));
    assert.ok(!fnmatch('axb', 'a.b'));
    assert.ok(fnmatch('v1+2', 'v1+2'));
    assert.ok(fnmatch('(x)', '(x)'));
  });

  it('match any of several patterns', () => {
    assert.ok(matchesAny('epel8', ['f*', 'epel*']));
    assert.ok(!matchesAny('main', ['f*', 'epel*']));
    assert.ok(!matchesAny('main', []));
  });
});

describe('project settings', () => {
  const project = (settings: Record<string, unknown>) => ({ settings }) as unknown as ProjectRecord;

  it("fill in Pagure's defaults and drop unknown stored keys", () => {
    const settings = readSettings(project({ issue_tracker: false, bogus: 1, 'Minimum_score_to_merge_pull-request': '2' }));
    assert.deepEqual(Object.keys(settings).sort(), Object.keys(SETTING_DEFAULTS).sort());
    assert.equal(Object.keys(settings).length, 19, "Pagure's 18 and Pagurus' block_non_fast_forward");
    assert.equal(settings.block_non_fast_forward, null);
    assert.equal(settings.issue_tracker, false);
    assert.equal(settings.pull_requests, true);
    assert.equal(settings['Minimum_score_to_merge_pull-request'], 2);
    assert.equal(settings['Web-hooks'], null);
  });

  it('change only the keys given, reading "true"/"false" and digit strings', () => {
    const current = readSettings(project({}));
    const { settings, changed } = applySettings(current, {
      issue_tracker: 'False',
      always_merge: 'TRUE',
      'Minimum_score_to_merge_pull-request': '3',
      unknown: 'x',
    });
    assert.deepEqual(changed, ['Minimum_score_to_merge_pull-request', 'always_merge', 'issue_tracker']);
    assert.equal(settings.issue_tracker, false);
    assert.equal(settings.always_merge, true);
    assert.equal(settings['Minimum_score_to_merge_pull-request'], 3);
    assert.equal(settings.pull_requests, true, 'absent keys keep their value');
  });

  it('reset the minimum score with a false value and refuse a non-number', () => {
    const current = readSettings(project({ 'Minimum_score_to_merge_pull-request': 2 }));
    assert.equal(applySettings(current, { 'Minimum_score_to_merge_pull-request': '' }).settings['Minimum_score_to_merge_pull-request'], -1);
    assert.throws(() => applySettings(current, { 'Minimum_score_to_merge_pull-request': 'lots' }), {
      message: "Please enter a numeric value for the 'minimum score to merge pull request' field.",
    });
  });

  it('report no change when nothing differs', () => {
    assert.deepEqual(applySettings(readSettings(project({})), { issue_tracker: true }).changed, []);
  });
});
