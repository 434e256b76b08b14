import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { oneLineError, runCli, startCli } from './support/cli.js';
import { FIXTURE_PLUGIN, FIXTURE_THEME } from './support/fixtures.js';
import { tempDir } from './support/temp.js';

function workdir(config?: string): string {
  const dir = tempDir('cli');
  if (config !== undefined) writeFileSync(path.join(dir, 'pagurus.config.yaml'), config);
  return dir;
}

describe('the pagurus command', function () {
  // Every test spawns one or more processes, each starting Node (and a serve a database).
  this.timeout(120_000);
  it('explains itself and each command with --help', async () => {
    const top = await runCli(['--help']);
    assert.equal(top.code, 0);
    for (const command of ['serve', 'worker', 'migrate', 'plugins']) assert.match(top.stdout, new RegExp(`\\n  ${command}\\b`));
    const serve = await runCli(['serve', '--help']);
    assert.equal(serve.code, 0);
    assert.match(serve.stdout, /--port <port>/);
    assert.match((await runCli(['worker', '--help'])).stdout, /--concurrency <n>/);
    assert.match((await runCli(['migrate', '--help'])).stdout, /database tables/);
  });

  it('refuses an unknown command in one line', async () => {
    const result = await runCli(['frobnicate']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /^pagurus: unknown command 'frobnicate'/);
  });

  it('stops on a config mistake with one line naming the key, never a stack trace', async () => {
    const cwd = workdir('port: 8080\ndatabse:\n  url: postgres://x/y\n');
    assert.equal(
      oneLineError(await runCli(['serve'], { cwd })),
      'pagurus: pagurus.config.yaml: unknown key "databse" (did you mean "database"?)',
    );
    assert.equal(
      oneLineError(await runCli(['serve'], { cwd: workdir(), env: { PAGURUS_PORT: 'eighty' } })),
      'pagurus: PAGURUS_PORT: must be a whole number from 0 to 65535',
    );
  });

  it('stops with one line when the database is unreachable', async () => {
    const env = { PAGURUS_DATABASE_URL: 'postgres://pagurus:secret-pw@127.0.0.1:1/forge' };
    const line = oneLineError(await runCli(['serve'], { cwd: workdir(), env }));
    assert.match(line, /^pagurus: cannot reach PostgreSQL at postgres:\/\/pagurus@127\.0\.0\.1:1\/forge \(database\.url\): .*ECONNREFUSED/);
    assert.doesNotMatch(line, /secret-pw/, 'the password stays out of messages');
  });

  it('stops with one line when Redis is unreachable', async () => {
    const line = oneLineError(await runCli(['serve'], { cwd: workdir(), env: { PAGURUS_REDIS_URL: 'redis://127.0.0.1:1' } }));
    assert.match(line, /^pagurus: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(redis\.url\): .*ECONNREFUSED/);
  });

  it('stops with one line when git is older than 2.38 (merges need git merge-tree --write-tree)', async () => {
    const bin = tempDir('old-git');
    writeFileSync(path.join(bin, 'git'), '#!/bin/sh\necho "git version 2.30.2"\n', { mode: 0o755 });
    const line = oneLineError(await runCli(['serve'], { cwd: workdir(), env: { PATH: `${bin}:${process.env.PATH}` } }));
    assert.equal(line, 'pagurus: git 2.30 is too old: Pagurus needs git 2.38 or newer (for git merge-tree --write-tree)');
  });

  it('will not run a worker without Redis', async () => {
    assert.equal(
      oneLineError(await runCli(['worker'], { cwd: workdir() })),
      'pagurus: pagurus worker needs redis.url (PAGURUS_REDIS_URL); without Redis the server runs jobs itself',
    );
  });

  it('will not run a worker on the embedded database, which belongs to the server', async () => {
    assert.equal(
      oneLineError(await runCli(['worker'], { cwd: workdir(), env: { PAGURUS_REDIS_URL: 'redis://127.0.0.1:6379' } })),
      'pagurus: pagurus worker needs database.url (PAGURUS_DATABASE_URL); the embedded database belongs to the server, which runs jobs itself',
    );
  });

  it('stops on a broken plugin with one line naming it', async () => {
    const cwd = workdir('plugins:\n  - "@pagurus/plugin-nope"\n');
    assert.equal(
      oneLineError(await runCli(['serve'], { cwd })),
      'pagurus: plugin "@pagurus/plugin-nope": cannot find the package: not installed (install it with: npm install @pagurus/plugin-nope)',
    );
  });

  it('lists the enabled plugins and theme with their versions, without touching the database', async () => {
    const cwd = workdir(
      `plugins:\n  - name: ${JSON.stringify(FIXTURE_PLUGIN)}\n    options: { greeting: hi }\ntheme: ${JSON.stringify(FIXTURE_THEME)}\n`,
    );
    const result = await runCli(['plugins'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^@pagurus\/core 0\.1\.0\n/);
    assert.match(result.stdout, /\nPLUGIN\s+VERSION\s+PACKAGE\s+DEPENDS ON\nfixture\s+1\.2\.3\s+@pagurus-test\/plugin-fixture\s+-\n/);
    assert.match(result.stdout, /\ntheme: fixture 0\.2\.0 \(@pagurus-test\/theme-fixture\)\n$/);
  });

  it('serves the embedded default, and keeps other commands off its database', async () => {
    const cwd = workdir();
    const server = await startCli(['serve', '--port', '0'], /is serving (http:\/\/\S+) \(PGlite \+ inline queue/, {
      cwd,
      timeoutMs: 60_000,
    });
    let stopped: number | null;
    try {
      const url = server.match[1]!;
      const version = await fetch(`${url}/api/0/version`);
      assert.deepEqual(await version.json(), { version: '0.31' });
      const migrate = await runCli(['migrate'], { cwd });
      assert.equal(
        oneLineError(migrate),
        `pagurus: the embedded database is in use by the server (pid ${server.child.pid}); stop it or use the API`,
      );
    } finally {
      // Cleanup only: an assertion here would hide the failure that brought us here.
      stopped = await server.stop();
    }
    assert.equal(stopped, 0, 'SIGTERM stops the server cleanly');
    const migrate = await runCli(['migrate'], { cwd });
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.match(migrate.stdout, /^the database at .*db is up to date\n$/, 'serve migrated it, and let it go on exit');
  });
});
