// Protocol v2 fetches name their wants freely (git's upload-pack checks them only in v0):
// the request is read first, bounded, and refused when it wants a commit no ref reaches.
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { pktLine, PKT_FLUSH, unreachableWant, v2Wants } from '../../git/index.js';
import type { ForgeContext } from '../../plugins/index.js';

/** A v2 request is negotiation only (wants, haves, capabilities): never a pack. */
const MAX_V2_REQUEST = 32 * 1024 * 1024;

async function readBounded(stream: Readable): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_V2_REQUEST) {
      stream.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export type V2Check = { ok: true; request: Buffer } | { ok: false; status: number; body: Buffer | string };

/** Reads a protocol v2 upload-pack request and says whether it may be served. */
export async function checkV2Fetch(ctx: ForgeContext, repository: string): Promise<V2Check> {
  const source: Readable = /gzip/i.test(ctx.get('Content-Encoding')) ? ctx.req.pipe(createGunzip()) : ctx.req;
  let request: Buffer | undefined;
  try {
    request = await readBounded(source);
  } catch {
    return { ok: false, status: 400, body: 'Could not read the request\n' };
  }
  if (!request) return { ok: false, status: 413, body: 'This fetch request is too large\n' };
  const wants = v2Wants(request);
  if (!wants) return { ok: false, status: 400, body: 'Not a git protocol v2 request\n' };
  const unreachable = await unreachableWant(repository, wants);
  // git prints an ERR packet as "remote error: ...", as v0's "not our ref".
  if (unreachable)
    return { ok: false, status: 200, body: Buffer.concat([pktLine(`ERR upload-pack: not our ref ${unreachable}\n`), PKT_FLUSH]) };
  return { ok: true, request };
}
