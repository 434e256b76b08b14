import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The code block that follows `<!-- plugin-example:<name> -->` in the README. */
function readmeBlock(name: string): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- plugin-example:${name.replace('.', '\\.')} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  assert.ok(match, `the README has a ${name} example`);
  return match[1]!;
}

describeModes("the README's plugin example, installed outside the repository", (mode) => {
  let t: TestForge;
  let deployment: string;
  before(async () => {
    // A deployment directory: the plugin and @pagurus/core installed in node_modules, as npm would.
    deployment = mkdtempSync(path.join(os.tmpdir(), 'pagurus-readme-'));
    const pkg = path.join(deployment, 'node_modules', 'pagurus-plugin-hello');
    mkdirSync(pkg, { recursive: true });
    mkdirSync(path.join(deployment, 'node_modules', '@pagurus'));
    symlinkSync(path.join(ROOT, 'core'), path.join(deployment, 'node_modules', '@pagurus', 'core'));
    writeFileSync(path.join(pkg, 'package.json'), readmeBlock('package.json'));
    writeFileSync(path.join(pkg, 'index.js'), readmeBlock('index.js'));
    t = await createTestForge({
      mode,
      baseDir: deployment,
      plugins: [{ name: 'pagurus-plugin-hello', options: { greeting: 'Ahoy' } }],
    });
  });
  after(async () => {
    await t?.close();
    rmSync(deployment, { recursive: true, force: true });
  });

  it('loads, and answers on its endpoint with its option', async () => {
    const res = await t.api('GET', '/api/0/hello/world');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { message: 'Ahoy, world!' });
    assert.deepEqual(
      t.forge.plugins.map((p) => [p.name, p.version]),
      [['hello', '1.0.0']],
    );
  });

  it('adds its navigation link', async () => {
    assert.match(await (await t.fetch('/')).text(), /<a href="\/api\/0\/hello\/world" data-nav="hello">Hello<\/a>/);
  });
});
