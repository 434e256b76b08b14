import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type PluginEntry } from '../src/config/index.js';
import { isStartupError } from '../src/errors/index.js';
import { Forge } from '../src/forge.js';
import { pgliteTemplate } from '../src/testing/index.js';
import { tempDir } from './support/temp.js';
import { DEPENDENT_PLUGIN, FIXTURE_PLUGIN, FIXTURE_THEME, makePackage, pluginPackageJson } from './support/fixtures.js';

const GOOD_INDEX = (name: string) => `import { definePlugin } from '@pagurus/core';
export default definePlugin({ name: '${name}', apply() {} });
`;

function configWith(plugins: Array<string | PluginEntry>, extra: Record<string, unknown> = {}, dataDir?: string) {
  return loadConfig({
    env: {},
    overrides: {
      data_dir: dataDir ?? tempDir('loader'),
      'log.level': 'silent',
      plugins,
      ...extra,
    },
  });
}

async function startupFailure(plugins: Array<string | PluginEntry>, extra: Record<string, unknown> = {}): Promise<string> {
  try {
    const forge = await Forge.create({ role: 'web', config: configWith(plugins, extra), pgliteTemplate: await pgliteTemplate() });
    await forge.close();
  } catch (error) {
    assert.ok(isStartupError(error), `expected a StartupError, got: ${(error as Error).stack}`);
    assert.ok(!error.message.includes('\n'), 'one line');
    return error.message;
  }
  return assert.fail('the forge started with a broken plugin');
}

describe('the plugin loader refuses to start', () => {
  it('without a package the config asks for', async () => {
    assert.equal(
      await startupFailure(['@pagurus/plugin-nope']),
      'plugin "@pagurus/plugin-nope": cannot find the package: not installed (install it with: npm install @pagurus/plugin-nope)',
    );
  });

  it('with a package that has no Pagurus marker', async () => {
    const dir = makePackage({ 'package.json': { name: 'left-pad', version: '1.0.0' }, 'index.js': '' });
    assert.match(await startupFailure([dir]), /^plugin ".*": its package\.json has no "pagurus" marker, so it is not a Pagurus plugin$/);
  });

  it('with a theme listed as a plugin', async () => {
    assert.match(await startupFailure([FIXTURE_THEME]), /marker says role "theme", not "plugin" \(it is a theme: give it as theme:\)$/);
  });

  it('with a plugin made for another version of core', async () => {
    const dir = makePackage({ 'package.json': pluginPackageJson('pagurus-plugin-old', { core: '^2.0.0' }), 'index.js': GOOD_INDEX('old') });
    assert.match(await startupFailure([dir]), /: needs @pagurus\/core \^2\.0\.0, but this is 0\.1\.0$/);
  });

  it('with options its schema rejects, naming the option', async () => {
    assert.match(
      await startupFailure([{ name: FIXTURE_PLUGIN, options: { greeting: 5 } }]),
      /^plugin ".*fixture": bad options: greeting: .*string/i,
    );
  });

  it('with options given to a plugin that takes none', async () => {
    assert.equal(
      await startupFailure([FIXTURE_PLUGIN, { name: DEPENDENT_PLUGIN, options: { colour: 'red' } }]),
      `plugin "${DEPENDENT_PLUGIN}": takes no options, but the config gives: colour`,
    );
  });

  it('without a plugin another one depends on', async () => {
    assert.equal(
      await startupFailure([DEPENDENT_PLUGIN]),
      `plugin "${DEPENDENT_PLUGIN}": depends on "fixture", which is not enabled (add it to plugins: in the config)`,
    );
  });

  it('with plugins that depend on each other', async () => {
    const a = makePackage({ 'package.json': pluginPackageJson('pagurus-plugin-aa', { dependsOn: ['bb'] }), 'index.js': GOOD_INDEX('aa') });
    const b = makePackage({ 'package.json': pluginPackageJson('pagurus-plugin-bb', { dependsOn: ['aa'] }), 'index.js': GOOD_INDEX('bb') });
    assert.match(await startupFailure([a, b]), /depends on itself through aa → bb → aa$/);
  });

  it('with a default export not made by definePlugin', async () => {
    const dir = makePackage({
      'package.json': pluginPackageJson('pagurus-plugin-plain'),
      'index.js': 'export default { name: "plain", apply() {} };\n',
    });
    assert.match(await startupFailure([dir]), /: its default export is not made with definePlugin\(\) from @pagurus\/core$/);
  });

  it('with a module that throws while loading', async () => {
    const dir = makePackage({
      'package.json': pluginPackageJson('pagurus-plugin-throws'),
      'index.js': 'throw new Error("no config for me");\n',
    });
    assert.match(await startupFailure([dir]), /: failed to load: no config for me$/);
  });

  it('with a plugin whose apply fails, and it releases the embedded database', async () => {
    const dir = makePackage({
      'package.json': pluginPackageJson('pagurus-plugin-fails'),
      'index.js': `import { definePlugin } from '@pagurus/core';
export default definePlugin({ name: 'fails', apply() { throw new Error('cannot reach the build system'); } });
`,
    });
    const dataDir = tempDir('loader');
    await assert.rejects(Forge.create({ role: 'web', config: configWith([dir], {}, dataDir), pgliteTemplate: await pgliteTemplate() }), {
      message: `plugin "${dir}": failed to apply: cannot reach the build system`,
    });
    const forge = await Forge.create({ role: 'web', config: configWith([], {}, dataDir) });
    await forge.close();
  });

  it('with a plugin listed twice', async () => {
    assert.match(await startupFailure([FIXTURE_PLUGIN, FIXTURE_PLUGIN]), /is listed twice/);
  });

  it('with a plugin whose definePlugin name differs from its package', async () => {
    const dir = makePackage({ 'package.json': pluginPackageJson('pagurus-plugin-alpha'), 'index.js': GOOD_INDEX('beta') });
    assert.match(await startupFailure([dir]), /calls itself "beta" in definePlugin\(\), but its package is named for "alpha"$/);
  });

  it('with a missing theme, or a plugin given as the theme', async () => {
    assert.match(await startupFailure([], { theme: '@pagurus/theme-nope' }), /^theme "@pagurus\/theme-nope": cannot find the package/);
    assert.match(
      await startupFailure([], { theme: FIXTURE_PLUGIN }),
      /role "plugin", not "theme" \(it is a plugin: list it under plugins:\)$/,
    );
  });

  it('with a theme that extends itself, or a plugin', async () => {
    const themes = path.dirname(FIXTURE_THEME);
    assert.match(await startupFailure([], { theme: path.join(themes, 'fixture-theme-loop') }), /extends themes 5 deep, or in a loop$/);
    const onPlugin = makePackage({
      'package.json': JSON.stringify({
        name: 'pagurus-theme-odd',
        version: '1.0.0',
        pagurus: { role: 'theme', core: '^0.1.0', extends: FIXTURE_PLUGIN },
      }),
    });
    assert.match(await startupFailure([], { theme: onPlugin }), /role "plugin", not "theme"/);
  });

  it('with a plugin template that takes a name core already uses', async () => {
    const dir = makePackage({
      'package.json': pluginPackageJson('pagurus-plugin-greedy'),
      'index.js': `import { definePlugin } from '@pagurus/core';
export default definePlugin({ name: 'greedy', apply(forge) {
  forge.hooks.templates.tap('greedy', (registry) => registry.addPartial('footer', 'mine'));
} });
`,
    });
    assert.match(
      await startupFailure([dir]),
      /registering templates failed: greedy failed in templates: partial "footer" is already provided by core/,
    );
  });
});

describe('the plugin loader accepts', () => {
  it('a plugin by package name, installed in node_modules beside the config file', async () => {
    const dir = makePackage({ 'package.json': pluginPackageJson('pagurus-plugin-named'), 'index.js': GOOD_INDEX('named') });
    const root = path.dirname(dir);
    // Install it as npm would: <root>/node_modules/pagurus-plugin-named.
    symlinkSync(dir, path.join(root, 'node_modules', 'pagurus-plugin-named'));
    const config = loadConfig({
      env: {},
      cwd: root,
      overrides: { data_dir: path.join(root, 'data'), 'log.level': 'silent', plugins: ['pagurus-plugin-named'] },
    });
    const forge = await Forge.create({ role: 'web', config, pgliteTemplate: await pgliteTemplate() });
    try {
      assert.deepEqual(
        forge.plugins.map((p) => [p.name, p.packageName, p.version]),
        [['named', 'pagurus-plugin-named', '0.0.1']],
      );
    } finally {
      await forge.close();
    }
  });
});
