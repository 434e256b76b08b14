// What a protocol v2 fetch asks for. Unlike protocol v0, git's upload-pack serves any object
// named in a v2 "want" line whatever uploadpack.allow*SHA1InWant say, so the forge checks
// the wants itself: a commit (or tag) no ref reaches is refused, as v0 refuses it.
import { runGit } from './exec.js';
import { firstUnreachable } from './refs.js';

const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * The object names of the "want" lines of a protocol v2 request (pkt-lines), or undefined
 * when the request is not well-formed pkt-lines.
 */
export function v2Wants(request: Buffer): string[] | undefined {
  const wants: string[] = [];
  let at = 0;
  while (at < request.length) {
    if (at + 4 > request.length) return undefined;
    const length = Number.parseInt(request.subarray(at, at + 4).toString('latin1'), 16);
    if (!/^[0-9a-f]{4}$/i.test(request.subarray(at, at + 4).toString('latin1'))) return undefined;
    // 0000 flush, 0001 delimiter, 0002 response end: no payload.
    if (length < 4) {
      at += 4;
      continue;
    }
    if (at + length > request.length) return undefined;
    const line = request
      .subarray(at + 4, at + length)
      .toString('latin1')
      .replace(/\n$/, '');
    if (line.startsWith('want ')) {
      const oid = line.slice(5).trim().toLowerCase();
      if (!OID.test(oid)) return undefined;
      wants.push(oid);
    }
    at += length;
  }
  return wants;
}

/**
 * The first wanted commit (or tag of one, peeled) that no ref reaches, or undefined. Trees and blobs are
 * let through (partial clones fetch them by name), as are missing objects (upload-pack
 * answers those itself). Two git processes at most, however many wants.
 */
export async function unreachableWant(repo: string, wants: readonly string[]): Promise<string | undefined> {
  const unique = [...new Set(wants)];
  if (!unique.length) return undefined;
  // Tags are peeled ("^{}"): what counts is the commit they stand for.
  const out = await runGit(['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
    cwd: repo,
    input: unique.map((oid) => `${oid}^{}\n`).join(''),
  });
  const commits = out
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([name, type]) => name && type === 'commit')
    .map(([name]) => name!);
  return firstUnreachable(repo, commits);
}
