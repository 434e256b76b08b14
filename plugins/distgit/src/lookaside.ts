// The lookaside cache at /repo/pkgs, as fedpkg speaks to it (dist-git's upload.cgi): a POST
// of a multipart form with `name` (rpms/<pkg>, or <pkg> for rpms), `sha512sum` or `md5sum`,
// then either `filename` (is it there? "Available" or "Missing") or `file` (the upload,
// checked against the sum); and GET of /repo/pkgs/<ns>/<pkg>/<file>/<hashtype>/<hash>/<file>
// (and the older forms without the namespace, or with an md5 and no hash type). Answers are
// plain text, as the CGI's are. Uploads and downloads are streamed.
import { createReadStream } from 'node:fs';
import busboy from 'busboy';
import { isForgeError, type ForgeContext, type MountRegistry, type Viewer } from '@pagurus/core';
import type { Packages } from './packages.js';
import { safeSegment, UPLOAD_HASHES, validHash, type LookasideFile, type LookasideStore, type UploadHash } from './lookaside-store.js';

/** An answer in the CGI's words: a status and a line of text. */
class Answer extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {
    super(text);
  }
}

function reply(ctx: ForgeContext, status: number, text: string): void {
  ctx.status = status;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = `${text}\n`;
}

interface Form {
  fields: Map<string, string>;
  /** The upload's outcome, when the form carried a file. */
  upload?: Promise<string>;
}

export function registerLookaside(mounts: MountRegistry, packages: Packages, store: LookasideStore, maxBytes: number): void {
  const pkgs = mounts.mount({
    prefix: '/repo/pkgs',
    auth: 'token-or-session',
    body: 'raw',
    bodyLimitBytes: maxBytes + 64 * 1024,
    errors: 'api',
  });

  /** The package a form's `name` names ("rpms/bash", or "bash" for rpms), which the viewer may upload to. */
  async function target(viewer: Viewer, fields: Map<string, string>) {
    const name = required(fields, 'name');
    const [namespace, pkg] = name.includes('/') ? (name.split('/', 2) as [string, string]) : ['rpms', name];
    let project;
    try {
      project = await packages.find(viewer, namespace, pkg);
    } catch {
      throw new Answer(404, `Module "${name}" does not exist!`);
    }
    if (!(await packages.canUpload(viewer, project)))
      throw new Answer(403, `You must have commit access to ${namespace}/${pkg} to upload to its lookaside cache.`);
    const hashType = (Object.keys(UPLOAD_HASHES) as UploadHash[]).find((type) => fields.has(`${type}sum`));
    if (!hashType) throw new Answer(400, 'Required checksum is not present.');
    const hash = fields.get(`${hashType}sum`)!.trim().toLowerCase();
    if (!validHash(hashType, hash)) throw new Answer(400, `"${hash}" is not a ${hashType} sum.`);
    return { namespace, name: pkg, hashType, hash };
  }

  function required(fields: Map<string, string>, name: string): string {
    const value = fields.get(name);
    if (value === undefined || value === '') throw new Answer(400, `Required field "${name}" is not present.`);
    return value;
  }

  function fileName(value: string): string {
    const base = value.split(/[/\\]/).pop() ?? '';
    if (!safeSegment(base)) throw new Answer(400, `"${value}" is not a file name the cache can keep.`);
    return base;
  }

  /** Reads the form: fields as they come, and the file (which fedpkg sends last) streamed to the store. */
  function readForm(ctx: ForgeContext, viewer: Viewer): Promise<Form> {
    return new Promise((resolve, reject) => {
      let parser: busboy.Busboy;
      try {
        parser = busboy({ headers: ctx.req.headers, limits: { files: 1, fields: 20, fieldSize: 4096, fileSize: maxBytes } });
      } catch {
        reject(new Answer(400, 'Send a multipart form (multipart/form-data).'));
        return;
      }
      const form: Form = { fields: new Map() };
      parser.on('field', (name, value) => {
        if (form.fields.has(name)) form.upload ??= Promise.reject(new Answer(400, `Multiple values given for "${name}". Aborting.`));
        form.fields.set(name, value);
      });
      parser.on('file', (name, stream, info) => {
        if (name !== 'file' || form.upload) {
          stream.resume();
          return;
        }
        form.upload = (async () => {
          try {
            const file: LookasideFile = { ...(await target(viewer, form.fields)), filename: fileName(info.filename ?? '') };
            if (store.has(file)) {
              stream.resume();
              return `File ${file.filename} already exists\nFile: ${file.filename} Size: ${await store.size(file)}`;
            }
            // Past the limit the parser stops the file short: it fails before anything reaches its final path.
            let truncated = false;
            stream.on('limit', () => (truncated = true));
            const stored = await store.store(file, stream, () => !truncated);
            if ('incomplete' in stored) throw new Answer(413, `The file is larger than this cache takes (${maxBytes} bytes).`);
            if ('mismatch' in stored)
              throw new Answer(400, `${file.hashType.toUpperCase()} check failed. Received ${stored.mismatch} instead of ${file.hash}.`);
            packages.log.info(
              { package: `${file.namespace}/${file.name}`, file: file.filename, size: stored.size, by: viewer.user?.name },
              'lookaside upload stored',
            );
            return `File ${file.filename} size ${stored.size} ${file.hashType.toUpperCase()} ${file.hash} stored OK`;
          } finally {
            // Whatever went wrong, the rest of the request is read so that the answer can go.
            stream.resume();
          }
        })();
        // Awaited below; a rejection here is not unhandled.
        form.upload.catch(() => undefined);
      });
      parser.on('close', () => resolve(form));
      parser.on('error', (error) => reject(error instanceof Error ? error : new Error(String(error))));
      const body = mounts.rawBody(ctx).stream();
      body.on('error', (error) => {
        parser.destroy();
        reject(error);
      });
      body.pipe(parser);
    });
  }

  pkgs.post('/upload.cgi', async (ctx) => {
    try {
      const viewer = await packages.viewer(ctx);
      if (!viewer.user) throw new Answer(401, 'Log in, or send an API token (Authorization: token <value>), to use the lookaside cache.');
      const form = await readForm(ctx, viewer);
      if (form.upload) return reply(ctx, 200, await form.upload);
      const check = await target(viewer, form.fields);
      if (!form.fields.has('filename')) throw new Answer(400, 'Required field "file" is not present.');
      const file = { ...check, filename: fileName(required(form.fields, 'filename')) };
      reply(ctx, 200, store.has(file) ? 'Available' : 'Missing');
    } catch (error) {
      if (error instanceof Answer) return reply(ctx, error.status, error.text);
      if (isForgeError(error) && error.status === 413)
        return reply(ctx, 413, `The upload is larger than this cache takes (${maxBytes} bytes).`);
      throw error;
    }
  });

  /** GET and HEAD of a file: /<ns>/<pkg>/<file>/<hashtype>/<hash>/<file>, or the older forms. */
  pkgs.get(/^\/(.+)$/, async (ctx) => {
    const segments = ctx.path.slice('/repo/pkgs/'.length).split('/').map(decodeURIComponent);
    const file = parseDownload(segments);
    if (!file || !safeSegment(file.namespace) || !safeSegment(file.name) || !safeSegment(file.filename))
      return reply(ctx, 404, 'Not Found');
    try {
      await packages.find(await packages.viewer(ctx), file.namespace, file.name);
    } catch {
      return reply(ctx, 404, 'Not Found');
    }
    const size = await store.size(file);
    if (size === undefined) return reply(ctx, 404, 'Not Found');
    ctx.type = 'application/octet-stream';
    ctx.length = size;
    ctx.set('ETag', `"${file.hashType}-${file.hash}"`);
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    // Koa sends no body for HEAD, and closes the stream once the answer is sent.
    ctx.body = createReadStream(store.pathOf(file));
  });
}

/** The file a download path names, or undefined. */
export function parseDownload(segments: string[]): LookasideFile | undefined {
  const hashed = (namespace: string, name: string, filename: string, hashType: string, hash: string, again: string) =>
    filename === again && validHash(hashType, hash) ? { namespace, name, filename, hashType, hash } : undefined;
  switch (segments.length) {
    case 6:
      return hashed(...(segments as [string, string, string, string, string, string]));
    case 5: {
      // <pkg>/<file>/<hashtype>/<hash>/<file> (rpms), or <ns>/<pkg>/<file>/<md5>/<file>.
      const [a, b, c, d, e] = segments as [string, string, string, string, string];
      return hashed('rpms', a, b, c, d, e) ?? hashed(a, b, c, 'md5', d, e);
    }
    case 4: {
      const [a, b, c, d] = segments as [string, string, string, string];
      return hashed('rpms', a, b, 'md5', c, d);
    }
    default:
      return undefined;
  }
}
