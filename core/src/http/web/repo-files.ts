// The repository URLs clients fetch outside the API, under Pagure's four project paths:
// /<repo>/raw/<identifier>/f/<path> (a file's bytes), /<repo>/raw/<identifier> (a commit's
// diff), /<repo>/c/<hash>.patch and .diff (blob pages are in file-pages.ts). Private projects are 404 to those without access.
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ProjectRecord } from '../../domain/index.js';
import { NotFound } from '../../errors/index.js';
import {
  blobStream,
  cleanTreePath,
  commitOf,
  diffStream,
  fileAt,
  isEmptyRepository,
  objectByPrefix,
  patchHeader,
  peekStream,
  rangeStream,
  readCommit,
} from '../../git/index.js';
import type { ForgeContext, ForgeRouter } from '../../plugins/index.js';
import type { DomainServices } from '../../services/index.js';
import { commitOfIdentifier, repoDir, routeParams, splitIdentifier, type GitBrowseDeps } from '../common/git-context.js';

const VARIANTS = ['/fork/:username/:namespace/:repo', '/fork/:username/:repo', '/:namespace/:repo', '/:repo'];

/** Bytes looked at to tell text from binary, as git does. */
const SNIFF = 8000;
const notFound = (message: string) => NotFound('ENOCODE', message);

/** Types a browser could run as a page or script are downloaded instead, as Pagure does. */
const ACTIVE = new Set(['html', 'htm', 'xhtml', 'xht', 'shtml', 'js', 'mjs', 'cjs', 'svg', 'svgz', 'xml', 'xsl', 'xslt']);
const KNOWN: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  ico: 'image/vnd.microsoft.icon',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  pdf: 'application/pdf',
  zip: 'application/zip',
  tar: 'application/x-tar',
  json: 'application/json',
  css: 'text/css',
};

function isBinary(head: Buffer): boolean {
  return head.subarray(0, SNIFF).includes(0);
}

/** Whether the bytes are UTF-8, allowing a character cut off at the end. */
function isUtf8(head: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** Content-Type (and whether to force a download) from the file's name and first bytes. */
export function rawContentType(filename: string | undefined, head: Buffer): { type: string; attachment: boolean } {
  const ext = filename && filename.includes('.') ? filename.slice(filename.lastIndexOf('.') + 1).toLowerCase() : '';
  if (ACTIVE.has(ext)) return { type: 'application/octet-stream', attachment: true };
  let type = KNOWN[ext] ?? (isBinary(head) ? 'application/octet-stream' : 'text/plain');
  if ((type.startsWith('text/') || type === 'application/json') && isUtf8(head.subarray(0, SNIFF))) type += '; charset=utf-8';
  return { type, attachment: false };
}

export function repoFilePages(router: ForgeRouter, services: DomainServices, deps: GitBrowseDeps): void {
  async function projectOf(ctx: ForgeContext): Promise<ProjectRecord> {
    const params = routeParams(ctx);
    const viewer = await services.access.viewer(ctx.state.user ?? null);
    return services.projectQueries.requireVisible(viewer, {
      name: params.repo!,
      namespace: params.namespace ?? null,
      forkOwner: params.username ?? null,
    });
  }

  /** The repository and the commit of the identifier, or the 404 Pagure answers. */
  async function commitIn(project: ProjectRecord, identifier: string): Promise<{ dir: string; commit: string }> {
    const dir = repoDir(deps, project);
    if (!existsSync(dir) || (await isEmptyRepository(dir))) throw notFound('Empty repo cannot have a file');
    const commit = await commitOfIdentifier(dir, identifier);
    if (!commit) throw notFound('Commit or branch not found');
    return { dir, commit };
  }

  async function raw(ctx: ForgeContext): Promise<void> {
    const project = await projectOf(ctx);
    const { identifier, path } = splitIdentifier(routeParams(ctx).rest ?? '');
    const { dir, commit } = await commitIn(project, identifier);
    if (path === undefined) {
      // A commit's changes, as git diff prints them.
      const { head, rest } = await peekStream(diffStream(dir, await readCommit(dir, commit)), SNIFF);
      if (!head.length) {
        rest.destroy();
        throw notFound('No content found');
      }
      ctx.type = rawContentType(undefined, head).type;
      ctx.body = rest;
      return;
    }
    const clean = cleanTreePath(path);
    const entry = clean === undefined ? undefined : await fileAt(dir, commit, clean);
    if (!clean || !entry || entry.type !== 'blob') throw notFound('File not found');
    const { head, rest } = await peekStream(blobStream(dir, entry.oid), SNIFF);
    const { type, attachment } = rawContentType(clean, head);
    // attachment() guesses a type from the name: ours is set after it.
    if (attachment) ctx.attachment(clean.slice(clean.lastIndexOf('/') + 1));
    ctx.type = type;
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = rest;
    if (entry.size !== undefined) ctx.length = entry.size;
  }

  /** The commit a hash names (a tag's name is followed to its commit), or 404. */
  async function commitNamed(ctx: ForgeContext): Promise<{ dir: string; commit: string }> {
    const project = await projectOf(ctx);
    const dir = repoDir(deps, project);
    const object = existsSync(dir) ? await objectByPrefix(dir, routeParams(ctx).commit ?? '') : undefined;
    const commit = object && (object.type === 'commit' || object.type === 'tag') ? await commitOf(dir, object.sha) : undefined;
    if (!commit) throw notFound('Commit not found');
    return { dir, commit };
  }

  async function patchOrDiff(ctx: ForgeContext, asPatch: boolean): Promise<void> {
    const { dir, commit } = await commitNamed(ctx);
    const info = await readCommit(dir, commit);
    const { head, rest } = await peekStream(diffStream(dir, info), 1);
    ctx.type = 'text/plain; charset=utf-8';
    if (!asPatch) {
      ctx.body = rest;
      return;
    }
    if (!head.length) {
      // Pagure leaves out commits that change nothing.
      rest.destroy();
      ctx.body = '';
      return;
    }
    ctx.body = Readable.from(
      (async function* () {
        yield Buffer.from(patchHeader(info));
        for await (const chunk of rest) yield chunk as Buffer;
        yield Buffer.from('\n');
      })(),
    );
  }

  /** A pull request's changes: its commits as mails (.patch), or one diff (.diff). */
  async function pullRequestPatch(ctx: ForgeContext, asPatch: boolean): Promise<void> {
    const project = await projectOf(ctx);
    const pr = await services.pullRequests.require(project, routeParams(ctx).requestid);
    const dir = repoDir(deps, project);
    const source = pr.projectFromId === null ? undefined : await services.projectQueries.byId(pr.projectFromId);
    const stream =
      pr.commitStart && pr.commitStop
        ? await rangeStream(dir, source ? repoDir(deps, source) : dir, pr.commitStart, pr.commitStop, asPatch)
        : undefined;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = stream ?? '';
  }

  for (const variant of VARIANTS) {
    router.get(`${variant}/pull-request/:requestid.patch`, (ctx) => pullRequestPatch(ctx, true));
    router.get(`${variant}/pull-request/:requestid.diff`, (ctx) => pullRequestPatch(ctx, false));
    router.get(`${variant}/raw/*rest`, raw);
    router.get(`${variant}/c/:commit.patch`, (ctx) => patchOrDiff(ctx, true));
    router.get(`${variant}/c/:commit.diff`, (ctx) => patchOrDiff(ctx, false));
  }
}
