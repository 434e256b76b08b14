// Plugins' own `pagurus` commands: listed by --help, run with their options, booting a
// forge in their own process with their own role (a server that serves until SIGTERM, or
// a one-shot command that closes and exits), against the embedded database or a server's.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModes, serverServices } from '../src/testing/index.js';
import { deleteRedisKeys, dropSchema, uniqueSuffix } from '../src/testing/services.js';
import { oneLineError, runCli, startCli, type CliResult } from './support/cli.js';
import { makePackage, pluginPackageJson } from './support/fixtures.js';
import { tempDir } from './support/temp.js';

const SURFACE_PLUGIN = fileURLToPath(new URL('./fixtures/plugins/surface', import.meta.url));

function workdir(config: string): string {
  const dir = tempDir('plugin-cli');
  writeFileSync(path.join(dir, 'pagurus.config.yaml'), config);
  return dir;
}

const surfaceConfig = (greeting = 'hi') =>
  `plugins:\n  - name: ${JSON.stringify(SURFACE_PLUGIN)}\n    options: { greeting: ${greeting} }\n`;

function ok(result: CliResult): string {
  assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}`);
  return result.stdout;
}

describe('plugin commands without a database', function () {
  this.timeout(120_000);

  it('lists them in pagurus --help, after core commands, saying whose they are', async () => {
    const cwd = workdir(surfaceConfig());
    const help = ok(await runCli(['--help'], { cwd }));
    for (const command of ['serve', 'worker', 'migrate', 'plugins']) assert.match(help, new RegExp(`\\n  ${command}\\b`));
    assert.match(help, /\n {2}surface-hello \[options\] <who>\s+greet without booting a forge \(plugin surface\)\n/);
    assert.match(help, /\n {2}surface-serve \[options\]\s+serve the forge from a surface process \(plugin\s+surface\)\n/);
    assert.match(ok(await runCli(['surface-serve', '--help'], { cwd })), /-p, --port <port>\s+port to listen on \(default: "0"\)/);
  });

  it('runs a command with its arguments, options and the plugin options, and refuses unknown ones', async () => {
    const cwd = workdir(surfaceConfig('ahoy'));
    assert.equal(ok(await runCli(['surface-hello', 'world'], { cwd })), 'ahoy world\n');
    assert.equal(ok(await runCli(['surface-hello', '--shout', 'world'], { cwd })), 'AHOY WORLD\n');
    const other = tempDir('plugin-cli-elsewhere');
    assert.equal(ok(await runCli(['-c', path.join(cwd, 'pagurus.config.yaml'), 'surface-hello', 'x'], { cwd: other })), 'ahoy x\n');
    const missing = await runCli(['surface-hello'], { cwd });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /missing required argument 'who'/);
    assert.match(oneLineErrorLoose(await runCli(['frobnicate'], { cwd })), /^pagurus: unknown command 'frobnicate'/);
  });

  it('stops with one line when a plugin command cannot load, but keeps core commands and --help working', async () => {
    const cwd = workdir('plugins:\n  - "@pagurus/plugin-nope"\n');
    assert.equal(
      oneLineError(await runCli(['surface-hello', 'x'], { cwd })),
      'pagurus: plugin "@pagurus/plugin-nope": cannot find the package: not installed (install it with: npm install @pagurus/plugin-nope)',
    );
    assert.equal((await runCli(['--help'], { cwd })).code, 0);
  });

  it("refuses a plugin command that takes a core command's name, naming the plugin", async () => {
    const pkg = makePackage({
      'package.json': pluginPackageJson('pagurus-plugin-greedy'),
      'index.js': `import { definePlugin } from '@pagurus/core';
export default definePlugin({
  name: 'greedy',
  apply() {},
  commands(cli) {
    cli.command({ name: 'greedy-ok', description: 'fine', action() {} });
    cli.command({ name: 'migrate', description: 'mine now', action() {} });
  },
});
`,
    });
    const cwd = workdir(`plugins:\n  - ${JSON.stringify(pkg)}\n`);
    assert.equal(oneLineError(await runCli(['greedy-ok'], { cwd })), `pagurus: plugin "${pkg}": command "migrate" is taken (by core)`);
  });
});

/** The first line of stderr of a failed command (commander's refusals may add a help hint). */
function oneLineErrorLoose(result: CliResult): string {
  assert.notEqual(result.code, 0);
  return result.stderr.split('\n')[0]!;
}

describeModes('plugin commands booting a forge', (mode) => {
  let cwd: string;
  let env: Record<string, string> = {};
  const cleanups: Array<() => Promise<void>> = [];

  before(async function () {
    this.timeout(120_000);
    cwd = workdir(surfaceConfig());
    if (mode === 'server') {
      const services = serverServices()!;
      const suffix = uniqueSuffix();
      env = {
        PAGURUS_DATABASE_URL: services.databaseUrl,
        PAGURUS_DATABASE_SCHEMA: `test_${suffix}`,
        PAGURUS_REDIS_URL: services.redisUrl,
        PAGURUS_REDIS_PREFIX: `pagurus-test-${suffix}`,
      };
      cleanups.push(() => dropSchema(services.databaseUrl, `test_${suffix}`));
      cleanups.push(() => deleteRedisKeys(services.redisUrl, `pagurus-test-${suffix}`));
    }
    ok(await runCli(['migrate'], { cwd, env }));
  });
  after(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  });

  it('serves from its own process with its own role until SIGTERM, running its stop first', async function () {
    this.timeout(120_000);
    const server = await startCli(['surface-serve', '--port', '0'], /surface serving (http:\/\/\S+) as (\S+)/, {
      cwd,
      env,
      timeoutMs: 60_000,
    });
    let stopped: number | null;
    try {
      assert.equal(server.match[2], 'surface-serve', "the command's name is its role");
      const url = server.match[1]!;
      assert.deepEqual(await (await fetch(`${url}/api/0/version`)).json(), { version: '0.31' });
      assert.deepEqual(await (await fetch(`${url}/api/0/_surface/role`)).json(), { role: 'surface-serve', readyRole: 'surface-serve' });
    } finally {
      stopped = await server.stop();
    }
    assert.equal(stopped, 0, 'SIGTERM stops it cleanly');
    assert.match(server.output(), /surface stopping\n/);
  });

  it('boots a one-shot command with the role it asks for, which closes and exits by itself', async function () {
    this.timeout(120_000);
    const out = ok(await runCli(['surface-once'], { cwd, env }));
    assert.equal(out, 'role=surface-once project=- head=-\n');
  });
});
