import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, resolveSecret } from '../src/config/index.js';
import { StartupError } from '../src/errors/index.js';
import { tempDir } from './support/temp.js';

function dirWith(yaml?: string): string {
  const dir = tempDir('config');
  if (yaml !== undefined) writeFileSync(path.join(dir, 'pagurus.config.yaml'), yaml);
  return dir;
}

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof StartupError, `expected a StartupError, got ${String(error)}`);
    assert.ok(!error.message.includes('\n'), 'a config problem is one line');
    return error.message;
  }
  assert.fail('expected the config to be refused');
}

describe('configuration', () => {
  it('has working defaults with no file and no environment', () => {
    const cwd = dirWith();
    const config = loadConfig({ cwd, env: {} });
    assert.equal(config.port, 8080);
    assert.equal(config.url, 'http://localhost:8080');
    assert.equal(config.dataDir, path.join(cwd, 'data'));
    assert.equal(config.database.url, undefined);
    assert.equal(config.redis.url, undefined);
    assert.deepEqual(config.plugins, []);
    assert.equal(config.file, undefined);
  });

  it('reads pagurus.config.yaml from the current directory, nested sections included', () => {
    const cwd = dirWith(
      'port: 9000\nurl: https://src.example.org/\ndatabase:\n  url: postgres://u@db/forge\nplugins:\n  - "@pagurus/plugin-sse"\n  - name: ./local\n    options: { a: 1 }\n',
    );
    const config = loadConfig({ cwd, env: {} });
    assert.equal(config.port, 9000);
    assert.equal(config.url, 'https://src.example.org', 'the trailing slash is dropped');
    assert.equal(config.database.url, 'postgres://u@db/forge');
    assert.deepEqual(config.plugins, [
      { name: '@pagurus/plugin-sse', options: {} },
      { name: './local', options: { a: 1 } },
    ]);
    assert.equal(config.baseDir, cwd);
  });

  it('lets PAGURUS_* variables override the file, and --config/PAGURUS_CONFIG pick the file', () => {
    const cwd = dirWith();
    const other = dirWith('port: 9000\ndata_dir: /srv/pagurus\n');
    const config = loadConfig({
      cwd,
      env: {
        PAGURUS_CONFIG: path.join(other, 'pagurus.config.yaml'),
        PAGURUS_PORT: '9100',
        PAGURUS_REDIS_URL: 'redis://127.0.0.1:6379',
        PAGURUS_HTTP_TRUST_PROXY: 'false',
        PAGURUS_PLUGINS: '@pagurus/plugin-sse, @pagurus/plugin-webhooks',
      },
    });
    assert.equal(config.port, 9100);
    assert.equal(config.dataDir, '/srv/pagurus');
    assert.equal(config.redis.url, 'redis://127.0.0.1:6379');
    assert.equal(config.http.trustProxy, false, '"false" in the environment is false');
    assert.deepEqual(
      config.plugins.map((p) => p.name),
      ['@pagurus/plugin-sse', '@pagurus/plugin-webhooks'],
    );
  });

  it('accepts a JSON list of plugins with options in PAGURUS_PLUGINS', () => {
    const config = loadConfig({ cwd: dirWith(), env: { PAGURUS_PLUGINS: '[{"name":"x","options":{"k":true}}]' } });
    assert.deepEqual(config.plugins, [{ name: 'x', options: { k: true } }]);
  });

  it('refuses an unknown key, naming it and the key it might have meant', () => {
    const message = failure(() => loadConfig({ cwd: dirWith('database:\n  uri: postgres://x/y\n'), env: {} }));
    assert.equal(message, 'pagurus.config.yaml: unknown key "database.uri" (did you mean "database.url"?)');
    assert.equal(
      failure(() => loadConfig({ cwd: dirWith('frobnicate: 1\n'), env: {} })),
      'pagurus.config.yaml: unknown key "frobnicate"',
      'no suggestion when nothing is close',
    );
  });

  it('refuses a value of the wrong type, naming the key', () => {
    assert.match(
      failure(() => loadConfig({ cwd: dirWith('port: lots\n'), env: {} })),
      /pagurus\.config\.yaml: port: /,
    );
    assert.match(
      failure(() => loadConfig({ cwd: dirWith(), env: { PAGURUS_PORT: '70000' } })),
      /^PAGURUS_PORT: /,
    );
    assert.match(
      failure(() => loadConfig({ cwd: dirWith(), env: { PAGURUS_DATABASE_URL: 'mysql://db/x' } })),
      /^PAGURUS_DATABASE_URL: must be a postgres:\/\//,
    );
    assert.match(
      failure(() => loadConfig({ cwd: dirWith('secret: short\n'), env: {} })),
      /secret: must be at least 32/,
    );
  });

  it('refuses a broken YAML file with its line number', () => {
    assert.match(
      failure(() => loadConfig({ cwd: dirWith('port: 1\n  bad: [\n'), env: {} })),
      /pagurus\.config\.yaml, line \d+: /,
    );
  });

  it('refuses a config file given explicitly that does not exist', () => {
    assert.match(
      failure(() => loadConfig({ cwd: dirWith(), file: 'missing.yaml', env: {} })),
      /config file not found: .*missing\.yaml/,
    );
  });

  it('generates the secret once into the data directory, readable by its owner only', () => {
    const config = loadConfig({ cwd: dirWith(), env: {} });
    const first = resolveSecret(config);
    assert.ok(first.length >= 32);
    assert.equal(resolveSecret(config), first, 'the same secret on the next start');
    const file = path.join(config.dataDir, 'secret');
    assert.equal(readFileSync(file, 'utf8'), first);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('uses the configured secret without writing one', () => {
    const config = loadConfig({ cwd: dirWith(), env: { PAGURUS_SECRET: 'x'.repeat(40) } });
    assert.equal(resolveSecret(config), 'x'.repeat(40));
  });
});
