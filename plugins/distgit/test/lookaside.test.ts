// The lookaside cache as fedpkg uses it, with curl sending the multipart forms pycurl sends:
// `new-sources` asks whether a file is there, uploads it, and commits the `sources` file;
// `sources` reads that file from a clone and downloads each file, checking its sum.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { cloneUrl, describeModes, eventually, gitOk, PageClient, tempDir } from '@pagurus/core/testing';
import { Kit } from './support/forge.js';

const run = promisify(execFile);

describeModes('distgit: the lookaside cache', (mode) => {
  let kit: Kit;
  let dir: string;
  let tarball: string;
  let tarballSum: string;
  const url = () => `${kit.t.url}/repo/pkgs/upload.cgi`;

  /** curl as pycurl posts: each -F a part, in order; answers the status and the text. */
  async function curl(user: string | null, ...form: string[]) {
    const auth = user ? ['-H', `Authorization: token ${await kit.token(user)}`] : [];
    const { stdout } = await run('curl', ['-sS', '-w', '\n%{http_code}', ...auth, ...form.flatMap((f) => ['-F', f]), url()]);
    const lines = stdout.split('\n');
    return { status: Number(lines.pop()), text: lines.join('\n').trim() };
  }
  const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('hex');
  const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
  const stored = async () => {
    const found: string[] = [];
    const walk = async (d: string) => {
      for (const entry of await readdir(d, { withFileTypes: true }).catch(() => [])) {
        if (entry.isDirectory()) await walk(path.join(d, entry.name));
        else found.push(path.relative(path.join(kit.t.forge.config.dataDir, 'lookaside'), path.join(d, entry.name)));
      }
    };
    await walk(path.join(kit.t.forge.config.dataDir, 'lookaside'));
    return found.sort();
  };

  before(async function () {
    this.timeout(180_000);
    kit = await Kit.start(mode, { lookaside_max_mb: 1 });
    await kit.package('hello', 'maintainer', ['packager2']);
    dir = await tempDir('pagurus-lookaside-');
    tarball = path.join(dir, 'hello-2.12.tar.gz');
    const data = randomBytes(300 * 1024);
    await writeFile(tarball, data);
    tarballSum = sha512(data);
  });
  after(async function () {
    this.timeout(60_000);
    await kit?.close();
  });

  it('fedpkg new-sources and sources: check, upload, commit the sources file, then download and verify from a clone', async () => {
    const check = await curl('maintainer', 'name=rpms/hello', `sha512sum=${tarballSum}`, 'filename=hello-2.12.tar.gz');
    assert.deepEqual(check, { status: 200, text: 'Missing' });
    const upload = await curl('maintainer', 'name=rpms/hello', `sha512sum=${tarballSum}`, `file=@${tarball}`);
    assert.deepEqual(upload, { status: 200, text: `File hello-2.12.tar.gz size ${300 * 1024} SHA512 ${tarballSum} stored OK` });
    assert.deepEqual(await curl('maintainer', 'name=rpms/hello', `sha512sum=${tarballSum}`, 'filename=hello-2.12.tar.gz'), {
      status: 200,
      text: 'Available',
    });
    const again = await curl('packager2', 'name=hello', `sha512sum=${tarballSum}`, `file=@${tarball}`);
    assert.equal(again.status, 200);
    assert.match(again.text, /^File hello-2\.12\.tar\.gz already exists/);

    // The sources file, committed and pushed to rawhide as fedpkg does.
    const work = path.join(dir, 'clone');
    const remote = cloneUrl(kit.t.url, 'rpms/hello', { user: 'maintainer', secret: 'maintainer-password1' });
    await gitOk(dir, 'clone', '-q', remote, work);
    await gitOk(work, 'config', 'user.name', 'Maintainer');
    await gitOk(work, 'config', 'user.email', 'maintainer@example.test');
    await writeFile(path.join(work, 'sources'), `SHA512 (hello-2.12.tar.gz) = ${tarballSum}\n`);
    await gitOk(work, 'add', 'sources');
    await gitOk(work, 'commit', '-q', '-m', 'Update to 2.12');
    await gitOk(work, 'push', '-q', remote, 'HEAD:refs/heads/rawhide');

    // fedpkg sources, from another clone of rawhide.
    const other = path.join(dir, 'other');
    await gitOk(dir, 'clone', '-q', '-b', 'rawhide', cloneUrl(kit.t.url, 'rpms/hello'), other);
    const lines = (await readFile(path.join(other, 'sources'), 'utf8')).trim().split('\n');
    for (const line of lines) {
      const [, type, name, sum] = /^(\w+) \((.+)\) = ([0-9a-f]+)$/.exec(line)!;
      const res = await kit.t.fetch(`/repo/pkgs/rpms/hello/${name}/${type!.toLowerCase()}/${sum}/${name}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(300 * 1024));
      assert.equal(sha512(Buffer.from(await res.arrayBuffer())), sum);
    }
    // The path without the namespace (rpms), and HEAD.
    const old = await kit.t.fetch(`/repo/pkgs/hello/hello-2.12.tar.gz/sha512/${tarballSum}/hello-2.12.tar.gz`, { method: 'HEAD' });
    assert.deepEqual([old.status, old.headers.get('content-length')], [200, String(300 * 1024)]);
  });

  it('takes an upload from a logged-in browser, with its form token in X-CSRF-Token, and refuses one without', async () => {
    const browser = new PageClient(kit.t);
    await browser.logIn('packager2');
    const data = Buffer.from('uploaded from a page\n');
    const form = () => {
      const body = new FormData();
      body.append('name', 'rpms/hello');
      body.append('sha512sum', sha512(data));
      body.append('file', new Blob([data]), 'page.txt');
      return body;
    };
    const refused = await browser.request('/repo/pkgs/upload.cgi', { method: 'POST', body: form() });
    assert.equal(refused.status, 400, 'no form token');
    const { token } = await browser.getForm('/settings');
    const stored = await browser.request('/repo/pkgs/upload.cgi', { method: 'POST', body: form(), headers: { 'X-CSRF-Token': token } });
    assert.deepEqual([stored.status, stored.html.trim()], [200, `File page.txt size ${data.length} SHA512 ${sha512(data)} stored OK`]);
  });

  it('takes md5 sums too, and serves them under the old md5 paths', async () => {
    const data = Buffer.from('an old-style source\n');
    const file = path.join(dir, 'old.patch');
    await writeFile(file, data);
    const upload = await curl('maintainer', 'name=hello', `md5sum=${md5(data)}`, `file=@${file}`);
    assert.equal(upload.status, 200, upload.text);
    for (const pathname of [
      `/repo/pkgs/hello/old.patch/${md5(data)}/old.patch`,
      `/repo/pkgs/rpms/hello/old.patch/${md5(data)}/old.patch`,
    ]) {
      const res = await kit.t.fetch(pathname);
      assert.equal(res.status, 200, pathname);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);
    }
  });

  it('refuses a wrong sum, a file over the limit, strangers and unknown packages, and keeps nothing of them', async () => {
    const before = await stored();
    const bad = await curl('maintainer', 'name=rpms/hello', `sha512sum=${'0'.repeat(128)}`, `file=@${tarball}`);
    assert.deepEqual(bad, { status: 400, text: `SHA512 check failed. Received ${tarballSum} instead of ${'0'.repeat(128)}.` });

    const big = path.join(dir, 'big.tar');
    const bigData = randomBytes(1024 * 1024 + 1);
    await writeFile(big, bigData);
    const tooLarge = await curl('maintainer', 'name=rpms/hello', `sha512sum=${sha512(bigData)}`, `file=@${big}`);
    assert.equal(tooLarge.status, 413, tooLarge.text);
    assert.match(tooLarge.text, /larger than this cache takes/);

    assert.deepEqual(await curl('outsider', 'name=rpms/hello', `sha512sum=${tarballSum}`, `file=@${tarball}`), {
      status: 403,
      text: 'You must have commit access to rpms/hello to upload to its lookaside cache.',
    });
    assert.deepEqual(await curl(null, 'name=rpms/hello', `sha512sum=${tarballSum}`, 'filename=x.tar.gz'), {
      status: 401,
      text: 'Log in, or send an API token (Authorization: token <value>), to use the lookaside cache.',
    });
    assert.deepEqual(await curl('maintainer', 'name=rpms/nosuch', `sha512sum=${tarballSum}`, 'filename=x.tar.gz'), {
      status: 404,
      text: 'Module "rpms/nosuch" does not exist!',
    });
    assert.deepEqual(await curl('maintainer', 'name=rpms/hello', 'filename=x.tar.gz'), {
      status: 400,
      text: 'Required checksum is not present.',
    });
    assert.deepEqual(await curl('maintainer', `sha512sum=${tarballSum}`, 'filename=x.tar.gz'), {
      status: 400,
      text: 'Required field "name" is not present.',
    });
    assert.equal((await curl('maintainer', 'name=rpms/hello', `sha512sum=${tarballSum}`, 'filename=../../etc/passwd')).text, 'Missing');
    assert.equal((await curl('maintainer', 'name=rpms/hello', 'sha512sum=xyz', 'filename=a.tar')).status, 400);
    assert.deepEqual(await stored(), before, 'nothing kept, not even a temporary file');

    // A client that goes away in the middle of its upload leaves nothing behind.
    const boundary = 'pagurus-test-boundary';
    const head = [
      `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nrpms/hello\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="sha512sum"\r\n\r\n${sha512(bigData)}\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.tar"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ].join('');
    const cut = request(url(), {
      method: 'POST',
      headers: {
        Authorization: `token ${await kit.token('maintainer')}`,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': String(head.length + bigData.length + 100),
      },
    });
    cut.on('error', () => undefined);
    cut.write(head);
    cut.write(bigData.subarray(0, 200 * 1024));
    await eventually(
      async () => ((await readdir(path.join(kit.t.forge.config.dataDir, 'lookaside', '.incoming'))).length ? true : undefined),
      'the upload started',
    );
    cut.destroy();
    await eventually(async () => ((await stored()).length === before.length ? true : undefined), 'the partial upload removed', 10_000);
    const missing = await kit.t.fetch(`/repo/pkgs/rpms/hello/nope.tar/sha512/${tarballSum}/nope.tar`);
    assert.equal(missing.status, 404);
    assert.equal((await kit.t.fetch(`/repo/pkgs/rpms/hello/a/sha512/${tarballSum}/b`)).status, 404, 'the two file names differ');
  });
});
