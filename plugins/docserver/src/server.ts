// `pagurus docserver`: each public project's docs repository, served from its configured
// branch (or its default one) at Pagure's URLs. HTML as it is, Markdown and reStructuredText
// rendered, other files with their type; a folder shows its index.html, README.md or
// index.rst, or else a listing. Every answer carries the isolation headers, an ETag (the
// blob's id) and "no-cache", so a push is served at once and an unchanged file costs a 304.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { renderMarkdown, type ForgeApi, type ForgeGitApi, type GitTreeEntry, type ProjectRecord } from '@pagurus/core';
import mime from 'mime-types';
import { RenderCache } from './cache.js';
import { SECURITY_HEADERS } from './isolation.js';
import type { DocserverOptions } from './options.js';
import { escapeHtml, listing, page } from './page.js';
import { parseDocPath } from './paths.js';
import type { RstRenderer } from './rst.js';

/** What a folder shows instead of a listing, first found first. */
export const INDEX_FILES = ['index.html', 'index.htm', 'index.md', 'README.md', 'index.rst', 'README.rst'];
/** Files up to this size are read whole through the pooled readers; larger ones stream. */
const WHOLE_BYTES = 1024 * 1024;
/** Markdown and reStructuredText larger than this are served as text, not rendered. */
const RENDER_MAX_BYTES = 2 * 1024 * 1024;

export interface DocServerDeps {
  forge: ForgeApi;
  docs: ForgeGitApi;
  options: DocserverOptions;
  rst: RstRenderer;
}

type Rendered = 'markdown' | 'rst';
const renderedKind = (name: string): Rendered | undefined =>
  /\.(md|markdown)$/i.test(name) ? 'markdown' : /\.rst$/i.test(name) ? 'rst' : undefined;

/** An answer other than the file (404, ...), thrown from deep in a request. */
class Answer extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function docServer(deps: DocServerDeps): Server {
  const cache = new RenderCache(deps.options.cache_bytes);
  const handle = docHandler(deps, cache);
  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      deps.forge.log.error({ err: error, url: req.url }, 'docserver: a request failed');
      if (!res.headersSent) send(res, req, 500, 'text/plain; charset=utf-8', 'The documentation could not be served.\n');
      else res.destroy();
    });
  });
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function docHandler(deps: DocServerDeps, cache: RenderCache) {
  const { forge, docs, options } = deps;

  /** The first project a candidate names that anyone may see. */
  async function publicProject(candidates: readonly string[]): Promise<ProjectRecord | undefined> {
    for (const name of candidates) {
      const project = await forge.services.projects.find(name);
      if (project) return project.private ? undefined : project;
    }
    return undefined;
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, req, 405, 'text/plain; charset=utf-8', 'Only GET and HEAD.\n', { Allow: 'GET, HEAD' });
    }
    const url = new URL(req.url ?? '/', 'http://docs.invalid');
    try {
      const parsed = parseDocPath(url.pathname);
      if (!parsed) throw new Answer(404, 'No documentation here.');
      const project = await publicProject(parsed.candidates);
      if (!project) throw new Answer(404, 'No documentation here.');
      if (!url.pathname.startsWith(parsed.root)) return redirect(res, req, `${parsed.root}${url.search}`);
      const branch = options.branch ?? (await docs.defaultBranch(project))?.name;
      const commit = branch && (await docs.resolve(project, branch));
      if (!commit) throw new Answer(404, `${project.name} has no documentation yet.`);
      const title = project.namespace ? `${project.namespace}/${project.name}` : project.name;
      const file = parsed.file;
      if (file === '' || file.endsWith('/')) return await folder(req, res, project, commit, file.replace(/\/+$/, ''), title);
      const slash = file.lastIndexOf('/');
      const entries = await docs.listTree(project, commit, slash < 0 ? '' : file.slice(0, slash));
      const entry = entries?.find((e) => e.name === file.slice(slash + 1));
      if (!entry || entry.type === 'commit') throw new Answer(404, 'No such file.');
      if (entry.type === 'tree') return redirect(res, req, `${url.pathname}/${url.search}`);
      await serveFile(req, res, project, commit, entry, file, title);
    } catch (error) {
      if (!(error instanceof Answer)) throw error;
      send(
        res,
        req,
        error.status,
        'text/html; charset=utf-8',
        page(String(error.status), 'the documentation server', `<p>${escapeHtml(error.message)}</p>`),
        {
          'Cache-Control': 'no-cache',
        },
      );
    }
  };

  async function folder(req: IncomingMessage, res: ServerResponse, project: ProjectRecord, commit: string, path: string, title: string) {
    const entries = await docs.listTree(project, commit, path);
    if (!entries) throw new Answer(404, 'No such folder.');
    for (const name of INDEX_FILES) {
      const index = entries.find((e) => e.type === 'blob' && e.name === name);
      if (index) return serveFile(req, res, project, commit, index, path ? `${path}/${index.name}` : index.name, title);
    }
    const etag = `"${commit}:${path}"`;
    if (notModified(req, res, etag)) return;
    send(res, req, 200, 'text/html; charset=utf-8', listing(title, path ? `${path}/` : '', entries), {
      ETag: etag,
      'Cache-Control': 'no-cache',
    });
  }

  async function serveFile(
    req: IncomingMessage,
    res: ServerResponse,
    project: ProjectRecord,
    commit: string,
    entry: GitTreeEntry,
    path: string,
    title: string,
  ) {
    const kind = renderedKind(entry.name);
    const size = entry.size ?? 0;
    if (kind && size <= RENDER_MAX_BYTES) {
      const etag = `"${entry.oid}-${kind}"`;
      if (notModified(req, res, etag)) return;
      const key = `${entry.oid}:${kind}`;
      let html = cache.get(key);
      if (html === undefined) {
        const blob = await docs.readBlob(project, commit, path, { maxBytes: RENDER_MAX_BYTES });
        if (!blob) throw new Answer(404, 'No such file.');
        const source = blob.data.toString('utf8');
        html = page(entry.name, title, kind === 'markdown' ? renderMarkdown(source) : await rst(source));
        cache.set(key, html);
      }
      return send(res, req, 200, 'text/html; charset=utf-8', html, { ETag: etag, 'Cache-Control': 'no-cache' });
    }
    const etag = `"${entry.oid}"`;
    if (notModified(req, res, etag)) return;
    const type = contentType(entry.name);
    const headers = { ...SECURITY_HEADERS, 'Content-Type': type, ETag: etag, 'Cache-Control': 'no-cache' };
    if (size <= WHOLE_BYTES) {
      const blob = await docs.readBlob(project, commit, path, { maxBytes: WHOLE_BYTES });
      if (!blob) throw new Answer(404, 'No such file.');
      res.writeHead(200, { ...headers, 'Content-Length': String(blob.data.length) });
      res.end(req.method === 'HEAD' ? undefined : blob.data);
      return;
    }
    const blob = await docs.openBlob(project, commit, path);
    if (!blob) throw new Answer(404, 'No such file.');
    res.writeHead(200, { ...headers, 'Content-Length': String(blob.size) });
    if (req.method === 'HEAD') {
      blob.stream.destroy();
      res.end();
      return;
    }
    blob.stream.on('error', (error) => {
      forge.log.warn({ err: error, file: path }, 'docserver: a file stopped streaming');
      res.destroy();
    });
    res.on('close', () => blob.stream.destroy());
    blob.stream.pipe(res);
  }

  async function rst(source: string): Promise<string> {
    try {
      return await deps.rst.render(source);
    } catch (error) {
      forge.log.warn({ err: error }, 'docserver: reStructuredText could not be rendered; served as text');
      return `<pre>${escapeHtml(source)}</pre>`;
    }
  }
}

function redirect(res: ServerResponse, req: IncomingMessage, location: string): void {
  send(res, req, 301, 'text/plain; charset=utf-8', `Moved to ${location}\n`, { Location: location });
}

function notModified(req: IncomingMessage, res: ServerResponse, etag: string): boolean {
  const asked = req.headers['if-none-match'];
  if (!asked || !asked.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) return false;
  res.writeHead(304, { ...SECURITY_HEADERS, ETag: etag, 'Cache-Control': 'no-cache' });
  res.end();
  return true;
}

/** The file's type by its name; text as UTF-8; what a browser would guess at is a download. */
export function contentType(name: string): string {
  const type = mime.lookup(name) || 'application/octet-stream';
  return type.startsWith('text/') || type === 'application/javascript' || type === 'application/json' || type === 'image/svg+xml'
    ? `${type}; charset=utf-8`
    : type;
}
