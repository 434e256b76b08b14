// `npm run demo:distgit`: a dist-git instance on the embedded database, to see what the
// dist-git plugin does. It starts from nothing in .demo-distgit/ each time (the folder is
// removed first), makes Fedora's groups and people, a few packages with sources in the
// lookaside cache (one orphaned, one retired), and serves until Ctrl-C.
//   PORT=3000 (default) · PAGURUS_DEMO_DIR=.demo-distgit (default)
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createForge, loadConfig, USER_ACLS } from '@pagurus/core';

const run = promisify(execFile);
const dir = path.resolve(process.env.PAGURUS_DEMO_DIR ?? '.demo-distgit');
const port = Number(process.env.PORT ?? 3000);
const PASSWORD = 'demo-password';

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const configFile = path.join(dir, 'pagurus.config.yaml');
writeFileSync(
  configFile,
  [
    'data_dir: ./data',
    `url: http://localhost:${port}`,
    'namespaces: [rpms, modules, container, flatpaks, tests]',
    'plugins:',
    "  - '@pagurus/plugin-distgit'",
    "theme: '@pagurus/theme-srcfpo'",
    '',
  ].join('\n'),
);

// Warnings and errors only: the summary below is what matters here.
const config = loadConfig({ file: configFile, overrides: { port, 'log.level': process.env.PAGURUS_LOG_LEVEL ?? 'warn' } });
const forge = await createForge({ role: 'web', config });
const { services } = forge;

// Fedora's people and groups.
const people = {
  admin: { fullname: 'Site Admin', admin: true },
  alice: { fullname: 'Alice Packager' },
  bob: { fullname: 'Bob Provenpackager' },
  carol: { fullname: 'Carol Newcomer' },
  rel: { fullname: 'Release Engineer' },
  orphan: { fullname: 'Orphaned packages', password: false },
};
for (const [name, p] of Object.entries(people))
  await services.users.create({
    name,
    email: `${name}@example.org`,
    password: p.password === false ? undefined : PASSWORD,
    fullname: p.fullname,
    admin: p.admin,
  });
const userNamed = async (name) => services.users.byName(name);
for (const [group, members] of Object.entries({ packager: ['alice', 'bob', 'rel'], provenpackager: ['bob'], releng: ['rel'] })) {
  const created = await services.groups.create(await userNamed('admin'), { name: group });
  for (const member of members) await services.groups.addMember(null, created, member);
}
const token = async (name) =>
  (
    await services.tokens.create(await userNamed(name), {
      acls: [...USER_ACLS],
      projectId: null,
      description: 'demo',
      expiresAt: new Date(Date.now() + 30 * 86_400_000),
    })
  ).value;
const tokens = { alice: await token('alice'), rel: await token('rel') };

const url = await forge.listen();
const api = async (user, method, pathname, body) => {
  const res = await fetch(`${url}${pathname}`, {
    method,
    headers: { Authorization: `token ${tokens[user]}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${await res.text()}`);
  return res.json();
};

// Packages, maintained by alice, with a tarball each in the lookaside cache.
const work = await mkdtemp(path.join(tmpdir(), 'pagurus-demo-'));
const git = (cwd, ...args) => run('git', args, { cwd });
for (const [name, description] of [
  ['hello', 'The GNU Hello program'],
  ['nano', 'A small text editor'],
  ['pong', 'A game nobody maintains any more'],
  ['oldtool', 'A retired tool'],
]) {
  await api('alice', 'POST', '/api/0/new', { name, namespace: 'rpms', description, create_readme: true, wait: true });
  const tarball = Buffer.from(`${name} 1.0 sources\n`.repeat(1000));
  const sum = createHash('sha512').update(tarball).digest('hex');
  const form = new FormData();
  form.append('name', `rpms/${name}`);
  form.append('sha512sum', sum);
  form.append('file', new Blob([tarball]), `${name}-1.0.tar.gz`);
  const uploaded = await fetch(`${url}/repo/pkgs/upload.cgi`, {
    method: 'POST',
    headers: { Authorization: `token ${tokens.alice}` },
    body: form,
  });
  if (!uploaded.ok) throw new Error(`upload of ${name}: ${uploaded.status} ${await uploaded.text()}`);
  const clone = path.join(work, name);
  const remote = `${url.replace('://', `://alice:${PASSWORD}@`)}/rpms/${name}.git`;
  await git(work, 'clone', '-q', remote, clone);
  await git(clone, 'config', 'user.name', 'Alice Packager');
  await git(clone, 'config', 'user.email', 'alice@example.org');
  await writeFile(path.join(clone, 'sources'), `SHA512 (${name}-1.0.tar.gz) = ${sum}\n`);
  await writeFile(path.join(clone, `${name}.spec`), `Name: ${name}\nVersion: 1.0\nRelease: 1%{?dist}\nSummary: ${description}\n`);
  if (name === 'oldtool') await writeFile(path.join(clone, 'dead.package'), 'Retired: replaced by newtool\n');
  await git(clone, 'add', '.');
  await git(clone, 'commit', '-q', '-m', `Update to 1.0`);
  await git(clone, 'push', '-q', 'origin', 'HEAD:rawhide');
}
await api('alice', 'POST', '/_dg/anitya/rpms/hello', { anitya_status: 'monitoring' });
await api('alice', 'POST', '/api/0/rpms/hello/git/modifyacls', { user_type: 'user', name: 'bob', acl: 'commit' });
await api('rel', 'POST', '/_dg/orphan/rpms/pong', { orphan_reason: 'Unmaintained upstream', orphan_reason_info: 'Upstream archived it' });
rmSync(work, { recursive: true, force: true });

console.log(`
dist-git demo at ${url} (data in ${dir})

  Log in as alice, bob, carol or rel, password "${PASSWORD}":
    alice  packager, maintains rpms/hello, nano, pong (orphaned), oldtool (retired)
    bob    provenpackager: commits to every package
    carol  no packager: she cannot be given commit access to a package (try it as alice)
    rel    release engineering: orphans and gives any package
  Try: ${url}/rpms/hello  ·  ${url}/rpms/pong (take it as bob)  ·  ${url}/extras/pagure_poc.json
  fedpkg-style upload: curl -H "Authorization: token ${tokens.alice}" -F name=rpms/hello -F sha512sum=<sum> -F file=@<file> ${url}/repo/pkgs/upload.cgi
Ctrl-C stops it.`);

const stop = async () => {
  await forge.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
