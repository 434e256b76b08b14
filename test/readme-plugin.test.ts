import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createTestForge, describeModes, type TestForge } from '@pagurus/core/testing';
import { deployPlugin, exampleBlock } from './support/doc-examples.js';

const readmeBlock = (name: string) => exampleBlock('README.md', 'plugin-example', name);

describeModes("the README's plugin example, installed outside the repository", (mode) => {
  let t: TestForge;
  let deployment: string;
  before(async () => {
    // A deployment directory: the plugin and @pagurus/core installed in node_modules, as npm would.
    deployment = deployPlugin('pagurus-plugin-hello', { 'package.json': readmeBlock('package.json'), 'index.js': readmeBlock('index.js') });
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
