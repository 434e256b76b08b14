import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModes, serverServices } from '../src/testing/index.js';
import { deleteRedisKeys, dropSchema, uniqueSuffix } from '../src/testing/services.js';
import { oneLineError, runCli, startCli, type CliResult } from './support/cli.js';
import { tempDir } from './support/temp.js';

const CLI = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx/esm');

/** runCli with something on standard input (runCli closes it). */
function runCliWithStdin(args: string[], input: string, options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, PAGURUS_LOG_LEVEL: 'warn', ...options.env };
  for (const key of Object.keys(env)) if (key.startsWith('PAGURUS_TEST_')) delete env[key];
  const child = spawn(process.execPath, ['--conditions=source', '--import', TSX, CLI, ...args], {
    cwd: options.cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Exit 0 and nothing on stderr; the output. */
function ok(result: CliResult): string {
  assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}`);
  assert.equal(result.stderr, '');
  return result.stdout;
}

/** A table's rows as objects, cut at the columns of its header (which must be `columns`). */
function table(stdout: string, columns: string[]): Array<Record<string, string>> {
  const [header = '', ...lines] = stdout.trimEnd().split('\n');
  assert.match(header, new RegExp(`^${columns.join(' {2,}')}$`), 'the header');
  const starts = columns.map((column) => header.indexOf(column));
  return lines.map((line) => Object.fromEntries(columns.map((column, i) => [column, line.slice(starts[i], starts[i + 1]).trim()])));
}

/** Logs in through the web form as a browser would; the status of the POST. */
async function webLogin(url: string, username: string, password: string): Promise<number> {
  const form = await fetch(`${url}/login`);
  const cookie = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = (await form.text()).match(/name="csrf_token" value="([^"]+)"/)?.[1] ?? '';
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password, csrf_token: token }).toString(),
  });
  return res.status;
}

async function whoami(url: string, token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/0/-/whoami`, { method: 'POST', headers: { Authorization: `token ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const SERVING = /is serving (http:\/\/\S+)/;

describeModes('the pagurus user, group and token commands', (mode) => {
  // One forge (embedded in <cwd>/data, or a schema and prefix of its own on the servers) with
  // alice, bob and carl made in `before`; each test makes whatever else it needs.
  let cwd: string;
  let env: Record<string, string> = {};
  const pagurus = (...args: string[]) => runCli(args, { cwd, env });
  const cleanups: Array<() => Promise<void>> = [];

  before(async function () {
    this.timeout(120_000); // a migration and three commands, each its own process
    cwd = tempDir('cli-accounts');
    const services = serverServices();
    if (mode === 'server' && services) {
      const suffix = uniqueSuffix();
      env = {
        PAGURUS_DATABASE_URL: services.databaseUrl,
        PAGURUS_DATABASE_SCHEMA: `test_${suffix}`,
        PAGURUS_REDIS_URL: services.redisUrl,
        PAGURUS_REDIS_PREFIX: `pagurus-test-${suffix}`,
      };
      cleanups.push(
        () => dropSchema(services.databaseUrl, `test_${suffix}`),
        () => deleteRedisKeys(services.redisUrl, `pagurus-test-${suffix}`),
      );
    }
    assert.match(ok(await pagurus('migrate')), /migrated core\//);
    assert.equal(
      ok(
        await pagurus(
          'user',
          'create',
          'alice',
          '--email',
          'alice@example.test',
          '--password',
          'alice-password1',
          '--fullname',
          'Alice Liddell',
        ),
      ),
      'created user alice\n',
    );
    const bob = await runCliWithStdin(
      ['user', 'create', 'bob', '--email', 'bob@example.test', '--password-stdin', '--admin'],
      'bob secret words\n',
      { cwd, env },
    );
    assert.equal(ok(bob), 'created user bob (site admin)\n');
    assert.equal(
      ok(await pagurus('user', 'create', 'carl', '--email', 'carl@example.test')),
      'created user carl without a password (API tokens only)\n',
    );
  });
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });
  beforeEach(function () {
    this.currentTest?.timeout(120_000); // each test spawns several commands, each its own process
  });

  it('creates users with a password from stdin or none, and refuses bad input in one line', async () => {
    const erin = await runCliWithStdin(
      ['user', 'create', 'erin', '--email', 'erin@example.test', '--password-stdin', '--admin'],
      'erin secret words\n',
      { cwd, env },
    );
    assert.equal(ok(erin), 'created user erin (site admin)\n');
    assert.equal(
      ok(await pagurus('user', 'create', 'fred', '--email', 'fred@example.test')),
      'created user fred without a password (API tokens only)\n',
    );
    assert.equal(
      oneLineError(await pagurus('user', 'create', 'dora', '--email', 'not-an-address', '--password', 'dora-password1')),
      'pagurus: Invalid or incomplete input submitted (email: Give a valid email address)',
    );
    const taken = oneLineError(await pagurus('user', 'create', 'Alice', '--email', 'alice2@example.test', '--password', 'alice-password2'));
    assert.match(taken, /^pagurus: The user name "Alice" is taken\b/);
    assert.match(taken, /This user name is taken/);
    const names = table(ok(await pagurus('user', 'list')), ['NAME', 'FULL NAME', 'EMAIL', 'ADMIN']).map((row) => row.NAME);
    assert.ok(names.includes('erin') && names.includes('fred') && !names.includes('dora'), names.join(','));
  });

  it('lists users and grants or takes away site admin', async () => {
    assert.equal(ok(await pagurus('user', 'admin', 'alice', '--on')), 'alice is now a site admin\n');
    assert.equal(ok(await pagurus('user', 'admin', 'bob', '--off')), 'bob is no longer a site admin\n');
    assert.equal(oneLineError(await pagurus('user', 'admin', 'alice')), 'pagurus: give --on or --off');
    const listed = table(ok(await pagurus('user', 'list')), ['NAME', 'FULL NAME', 'EMAIL', 'ADMIN']);
    // Other tests may add users of their own; these three are this file's fixture.
    assert.deepEqual(
      listed.filter((row) => ['alice', 'bob', 'carl'].includes(row.NAME!)),
      [
        { NAME: 'alice', 'FULL NAME': 'Alice Liddell', EMAIL: 'alice@example.test', ADMIN: 'yes' },
        { NAME: 'bob', 'FULL NAME': '', EMAIL: 'bob@example.test', ADMIN: '' },
        { NAME: 'carl', 'FULL NAME': '', EMAIL: 'carl@example.test', ADMIN: '' },
      ],
    );
  });

  it("adds, lists and removes a user's SSH keys, refusing a bad or reused key in one line", async () => {
    const dir = tempDir('cli-ssh-key');
    const key = path.join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bob@laptop', '-f', key]);
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', `${key}.pub`])
      .toString()
      .split(' ')[1]!;
    const added = ok(await pagurus('user', 'ssh-key', 'add', 'bob', `${key}.pub`));
    const id = /^added SSH key (\d+) \((SHA256:\S+)\) to bob\n$/.exec(added);
    assert.ok(id, added);
    assert.equal(id[2], fingerprint, 'the fingerprint ssh-keygen prints');
    const listed = table(ok(await pagurus('user', 'ssh-key', 'list', 'bob')), ['ID', 'FINGERPRINT', 'KEY']);
    assert.deepEqual(
      listed.map((row) => [row.ID, row.FINGERPRINT]),
      [[id[1], fingerprint]],
    );
    assert.match(listed[0]!.KEY!, /^ssh-ed25519 AAAA/);
    assert.match(
      oneLineError(await pagurus('user', 'ssh-key', 'add', 'carl', `${key}.pub`)),
      /^pagurus: .*\(ssh_key: This SSH key is already in use\)$/,
    );
    assert.match(
      oneLineError(await pagurus('user', 'ssh-key', 'add', 'carl', key)),
      /^pagurus: .*\(ssh_key: Give one SSH key, on one line\)$/,
    );
    assert.equal(oneLineError(await pagurus('user', 'ssh-key', 'add', 'nobody', `${key}.pub`)), 'pagurus: no user named "nobody"');
    assert.match(
      oneLineError(await pagurus('user', 'ssh-key', 'add', 'bob', path.join(dir, 'missing.pub'))),
      /^pagurus: cannot read .*missing\.pub: ENOENT$/,
    );
    assert.equal(
      ok(await pagurus('user', 'ssh-key', 'remove', 'bob', fingerprint)),
      `removed SSH key ${id[1]} (${fingerprint}) from bob\n`,
    );
    assert.equal(oneLineError(await pagurus('user', 'ssh-key', 'remove', 'bob', id[1]!)), `pagurus: bob has no SSH key ${id[1]}`);
    assert.deepEqual(table(ok(await pagurus('user', 'ssh-key', 'list', 'bob')), ['ID', 'FINGERPRINT', 'KEY']), []);
  });

  it('creates groups and changes their members, but never removes the creator', async () => {
    assert.equal(
      ok(
        await pagurus(
          'group',
          'create',
          'admins',
          '--creator',
          'alice',
          '--display-name',
          'The admins',
          '--description',
          'Keep things running',
          '--type',
          'admin',
        ),
      ),
      'created group admins\n',
    );
    assert.equal(ok(await pagurus('group', 'add-member', 'admins', 'bob')), 'bob added to admins\n');
    assert.equal(ok(await pagurus('group', 'add-member', 'admins', 'carl')), 'carl added to admins\n');
    assert.equal(ok(await pagurus('group', 'remove-member', 'admins', 'bob')), 'bob removed from admins\n');
    assert.match(
      oneLineError(await pagurus('group', 'remove-member', 'admins', 'alice')),
      /^pagurus: .*The creator of a group cannot be removed/,
    );
    assert.deepEqual(table(ok(await pagurus('group', 'list')), ['GROUP', 'TYPE', 'MEMBERS']), [
      { GROUP: 'admins', TYPE: 'admin', MEMBERS: 'alice,carl' },
    ]);
  });

  it("creates a token that works on the API until it is revoked, and keeps off the running server's database", async () => {
    const created = ok(await pagurus('token', 'create', 'carl', '--acls', 'all', '--description', 'ci bot', '--expires', '7'));
    assert.match(created, /^[A-Z0-9]{64}\n$/, 'only the token on stdout');
    const token = created.trim();
    assert.equal(
      oneLineError(await pagurus('token', 'create', 'carl', '--acls', 'issue_create,fly_to_moon')),
      'pagurus: unknown ACLs: fly_to_moon',
    );

    const expires = [0, 1].map((later) => new Date(Date.now() + (7 + later) * 86_400_000).toISOString().slice(0, 10));
    const tokens = table(ok(await pagurus('token', 'list', 'carl')), ['ID', 'PROJECT', 'EXPIRES', 'ACLS', 'DESCRIPTION']);
    assert.equal(tokens.length, 1, 'the refused one was not made');
    const { ID: id, PROJECT: project, EXPIRES: expiry, ACLS: acls, DESCRIPTION: description } = tokens[0]!;
    assert.match(id!, /^\d+$/);
    assert.equal(project, '-');
    assert.ok(expires.includes(expiry!), `expires ${expiry}, wanted one of ${expires.join(', ')}`);
    assert.match(acls!, /(^|,)issue_create(,|$)/);
    assert.match(acls!, /(^|,)create_project(,|$)/);
    assert.equal(description, 'ci bot');

    const server = await startCli(['serve', '--port', '0'], SERVING, { cwd, env, timeoutMs: 60_000 });
    let stopped: number | null;
    try {
      const url = server.match[1]!;
      assert.deepEqual(await whoami(url, token), { status: 200, body: { username: 'carl' } });
      assert.equal(await webLogin(url, 'alice', 'alice-password1'), 302, 'alice logs in with --password');
      assert.equal(await webLogin(url, 'bob', 'bob secret words'), 302, 'bob logs in with the line from stdin, without its line break');
      assert.equal(await webLogin(url, 'carl', ''), 401, 'carl has no password');
      if (mode === 'embedded') {
        assert.equal(
          oneLineError(await pagurus('user', 'list')),
          `pagurus: the embedded database is in use by the server (pid ${server.child.pid}); stop it or use the API`,
        );
      } else {
        assert.match(ok(await pagurus('user', 'list')), /\ncarl /, 'on a PostgreSQL server, the CLI works beside running servers');
      }
    } finally {
      stopped = await server.stop();
    }
    assert.equal(stopped, 0, 'the server stops cleanly');

    assert.equal(ok(await pagurus('token', 'revoke', id!)), `token ${id} revoked\n`);
    const again = await startCli(['serve', '--port', '0'], SERVING, { cwd, env, timeoutMs: 60_000 });
    let revoked: Awaited<ReturnType<typeof whoami>>;
    try {
      revoked = await whoami(again.match[1]!, token);
    } finally {
      stopped = await again.stop();
    }
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error_code, 'EINVALIDTOK');
    assert.equal(revoked.body.errors, 'Expired token');
    assert.equal(stopped, 0, 'the server stops cleanly');
  });
});
