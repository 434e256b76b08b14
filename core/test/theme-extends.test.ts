// A theme that builds on another ("extends" in its marker): the parent's files are laid down
// first and the child's override them by name, so a theme changes what it needs and keeps
// the rest (srcfpo on theme-default).
import assert from 'node:assert/strict';
import path from 'node:path';
import { createTestForge, type TestForge } from '../src/testing/index.js';
import { FIXTURE_THEME } from './support/fixtures.js';

describe('a theme that extends another', () => {
  let t: TestForge;
  before(async function () {
    this.timeout(60_000);
    t = await createTestForge({ theme: path.join(path.dirname(FIXTURE_THEME), 'fixture-theme-child') });
  });
  after(() => t?.close());

  it("shows the child's partials and, where it has none, the parent's", async () => {
    const html = await (await t.fetch('/')).text();
    assert.match(html, /<header class="fixture-child-header"><a href="\/">Child theme header<\/a><\/header>/, "the child's header");
    assert.match(html, /<footer class="fixture-theme-footer">Fixture theme footer<\/footer>/, "the parent's footer");
    assert.doesNotMatch(html, /Powered by Pagurus/, "core's footer is replaced by the parent's");
  });
});
