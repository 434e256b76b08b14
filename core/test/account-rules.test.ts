import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import ssh2 from 'ssh2';
import { parseNewProject } from '../src/services/projects/project-input.js';
import { hashPassword, verifyPassword } from '../src/services/users/passwords.js';
import { parseSshKey } from '../src/services/users/ssh-keys.js';
import { isForgeError } from '../src/errors/index.js';

const NAME = /^[a-zA-Z0-9_][a-zA-Z0-9_.+-]*$/;

function fieldErrors(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    assert.ok(isForgeError(error));
    assert.equal(error.code, 'EINVALIDREQ');
    return error.errors;
  }
  return assert.fail('expected the input to be refused');
}

describe('passwords', () => {
  it('are stored as scrypt hashes that verify only the right password', async () => {
    const hash = await hashPassword('correct horse');
    assert.match(hash, /^scrypt\$131072\$8\$1\$[^$]+\$[^$]+$/, 'N = 2^17 by default');
    assert.ok(await verifyPassword('correct horse', hash));
    assert.ok(!(await verifyPassword('correct horsf', hash)));
    assert.ok(!(await verifyPassword('anything', null)));
    assert.ok(!(await verifyPassword('anything', 'md5$abc')));
    assert.notEqual(await hashPassword('correct horse'), hash, 'salted');
  });
});

describe('SSH keys', () => {
  const ed25519 = () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), raw]);
    return `ssh-ed25519 ${blob.toString('base64')} alice@laptop`;
  };

  it('accept an ed25519 key and give its SHA256 fingerprint', () => {
    const text = ed25519();
    const parsed = parseSshKey(`  ${text}\n`);
    assert.ok(typeof parsed === 'object');
    assert.equal(parsed.type, 'ssh-ed25519');
    assert.equal(parsed.publicKey, text);
    const blob = Buffer.from(text.split(' ')[1]!, 'base64');
    assert.equal(parsed.fingerprint, `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`);
  });

  it('refuse garbage, private keys, several lines and short RSA keys', () => {
    assert.equal(parseSshKey(''), 'The SSH key is empty');
    assert.equal(parseSshKey('ssh-ed25519 not-base64!'), 'This is not a valid SSH public key');
    assert.equal(parseSshKey(`${ed25519()}\n${ed25519()}`), 'Give one SSH key, on one line');
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    assert.equal(parseSshKey(pem), 'Give one SSH key, on one line');
    const small = ssh2.utils.generateKeyPairSync('rsa', { bits: 1024 });
    assert.equal(parseSshKey(small.public), 'RSA keys must have at least 2048 bits');
    const big = ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 });
    assert.equal(typeof parseSshKey(big.public), 'object');
  });
});

describe('the fields of a new project', () => {
  it('need a name and a description, and report every problem at once', () => {
    assert.deepEqual(
      fieldErrors(() => parseNewProject({}, NAME)),
      {
        name: ['This field is required.'],
        description: ['This field is required.'],
      },
    );
  });

  it("check the name, URLs and avatar email with Pagure's messages", () => {
    assert.deepEqual(
      fieldErrors(() =>
        parseNewProject({ name: 'bad name', description: 'd', url: 'not a url', mirrored_from: 'ftp//x', avatar_email: 'nope' }, NAME),
      ),
      {
        name: ['Invalid input.'],
        url: ['Invalid input.'],
        mirrored_from: ['Invalid input.'],
        avatar_email: ['avatar_email must be an email'],
      },
    );
    assert.deepEqual(
      fieldErrors(() => parseNewProject({ name: '.hidden', description: 'd' }, NAME)),
      { name: ['Invalid input.'] },
    );
    assert.deepEqual(
      fieldErrors(() => parseNewProject({ name: 'x.git', description: 'd' }, NAME)),
      { name: ['Invalid input.'] },
    );
    assert.deepEqual(
      fieldErrors(() => parseNewProject({ name: 'x', description: 'd', default_branch: 'a..b' }, NAME)),
      { default_branch: ['Invalid input.'] },
    );
  });

  it('read booleans as WTForms does: only false, 0 and empty are false', () => {
    const parse = (value: unknown) => parseNewProject({ name: 'x', description: 'd', create_readme: value, private: value }, NAME);
    for (const no of [undefined, false, 0, '', 'false', 'False', '0']) assert.equal(parse(no).createReadme, false, String(no));
    for (const yes of [true, 1, 'true', 'yes', 'no', 'off', 'FALSE']) assert.equal(parse(yes).createReadme, true, String(yes));
  });

  it('accept good values and trim the namespace', () => {
    const input = parseNewProject(
      {
        name: 'python-foo+bar.x',
        description: ' A thing ',
        namespace: ' rpms ',
        url: 'https://example.org/x?y#z',
        avatar_email: 'a@b.c',
        default_branch: 'rawhide',
      },
      NAME,
    );
    assert.equal(input.name, 'python-foo+bar.x');
    assert.equal(input.description, 'A thing');
    assert.equal(input.namespace, 'rpms');
    assert.equal(input.defaultBranch, 'rawhide');
    assert.equal(input.avatarEmail, 'a@b.c');
  });
});
