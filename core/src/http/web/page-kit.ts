// What every page handler needs: the posted form, field errors for templates, pagination,
// and the project a URL names with what the viewer may do there.
import { existsSync } from 'node:fs';
import { projectFullname, projectRef, projectUrlPath, type ProjectRecord, type UserRecord } from '../../domain/index.js';
import { ForgeError, isForgeError, NotFound, type FieldErrors } from '../../errors/index.js';
import { branchesAndHead, prepareReads, REFS_HEADS, type BranchListing } from '../../git/index.js';
import type { ForgeContext, ForgeHooks, ProjectViewContext } from '../../plugins/index.js';
import { readSettings, type DomainServices, type Settings, type Viewer } from '../../services/index.js';
import { viewerOf } from '../common/auth.js';
import { commitOfIdentifier, repoDir, type GitBrowseDeps } from '../common/git-context.js';
import { resolveProject } from '../common/project-path.js';

export { PROJECT_PATHS } from '../common/project-path.js';

/** The posted form as strings; a repeated field keeps its first value (see formList). */
export function form(ctx: ForgeContext): Record<string, string> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '']),
  );
}

/** Every value of a repeated form field (checkboxes). */
export function formList(ctx: ForgeContext, name: string): string[] {
  const value = ((ctx.request.body ?? {}) as Record<string, unknown>)[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Where to go after a form: a path on this site only. */
export function safeNext(next: string | undefined): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/** Field errors of a ForgeError, as templates show them next to each field; `form` holds the rest. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!isForgeError(error)) throw error;
  const errors: FieldErrors | undefined = error.errors;
  if (errors && typeof errors === 'object' && !Array.isArray(errors)) {
    return Object.fromEntries(Object.entries(errors).map(([field, messages]) => [field, messages.join(' ')]));
  }
  if (Array.isArray(errors) && errors.length) return { form: errors.join(' ') };
  if (typeof errors === 'string' && errors) return { form: errors };
  return { form: error.message };
}

/** Runs a form's action; a refusal (ForgeError) comes back as field errors and its status. */
export async function attempt(action: () => Promise<void>): Promise<{ errors: Record<string, string>; status: number } | undefined> {
  try {
    await action();
    return undefined;
  } catch (error) {
    if (!isForgeError(error) || error.status >= 500) throw error;
    return { errors: fieldErrors(error), status: error.status };
  }
}

/**
 * Runs a service call whose field names differ from the form's: its refusal is shown by the
 * form's fields, `names` mapping the service's names ('*': every other one, and a refusal
 * without field errors) to the form's.
 */
export async function withFieldNames<T>(names: Record<string, string>, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!isForgeError(error) || error.status >= 500) throw error;
    const errors: Record<string, string[]> = {};
    for (const [field, message] of Object.entries(fieldErrors(error))) (errors[names[field] ?? names['*'] ?? field] ??= []).push(message);
    throw new ForgeError(error.kind, error.code, { message: error.message, errors, cause: error });
  }
}

/** Runs a service call whose refusal, whatever its field names, is about one field of the form. */
export const forField = <T>(field: string, action: () => Promise<T>): Promise<T> => withFieldNames({ '*': field }, action);

/**
 * The logged-in user; the anonymous are sent to the login page, which brings them back
 * (for a GET; after a POST, to the page the form was on). Handlers return when it is undefined.
 */
export function loginFirst(ctx: ForgeContext): UserRecord | undefined {
  if (ctx.state.user) return ctx.state.user;
  const back = ctx.method === 'GET' ? ctx.url : safeNext(ctx.get('Referer').replace(/^https?:\/\/[^/]+/, ''));
  ctx.redirect(`/login?next=${encodeURIComponent(back)}`);
  return undefined;
}

export const PER_PAGE = 30;

export interface PageLinks {
  page: number;
  pages: number;
  total: number;
  previous: number | undefined;
  next: number | undefined;
}

/** ?page=N, 1-based; nonsense reads as page 1. */
export function pageNumber(ctx: ForgeContext): number {
  const n = Number.parseInt(String(ctx.query.page ?? '1'), 10);
  return Number.isFinite(n) && n >= 1 && n <= 100_000 ? n : 1;
}

export function pageLinks(page: number, total: number, perPage = PER_PAGE): PageLinks {
  const pages = Math.max(1, Math.ceil(total / perPage));
  return { page, pages, total, previous: page > 1 ? page - 1 : undefined, next: page < pages ? page + 1 : undefined };
}

/** Links for a list read one item past the page (`more` says whether that item came): no total needed. */
export function peekLinks(page: number, more: boolean): Omit<PageLinks, 'pages' | 'total'> {
  return { page, previous: page > 1 ? page - 1 : undefined, next: more ? page + 1 : undefined };
}

/** The query of the current page without `page`, for pagination links. */
export function currentQuery(ctx: ForgeContext): Record<string, string | string[]> {
  const { page: _page, ...rest } = ctx.query as Record<string, string | string[]>;
  return rest;
}

export interface ProjectTab {
  id: string;
  label: string;
  href: string;
  current: boolean;
}

export interface ProjectView {
  record: ProjectRecord;
  viewer: Viewer;
  settings: Settings;
  dir: string;
  /** The URL path of the project, with a leading slash. */
  base: string;
  fullname: string;
  /** The branches and the default branch, read once per request (one git process); none before the repository exists. */
  refs(): Promise<BranchListing>;
  can: { admin: boolean; commit: boolean; ticket: boolean };
  /** The plugins' hooks (the tabs are theirs to change). */
  hooks: ForgeHooks;
}

/**
 * The project a page's URL names, if the viewer may see it (else 404), with the viewer's
 * rights. A page that reads the repository says so (`readsGit`): when objects are read
 * through processes (git.read_in_process off), its reading process starts while the viewer's
 * rights are looked up, so a repository's first page does not wait for it.
 */
export async function projectView(
  ctx: ForgeContext,
  services: DomainServices,
  deps: GitBrowseDeps,
  options: { readsGit?: boolean } = {},
): Promise<ProjectView> {
  const record = await resolveProject(ctx, services);
  const dir = repoDir(deps, record);
  if (options.readsGit && existsSync(dir)) prepareReads(dir);
  const viewer = await viewerOf(ctx, services);
  const grant = await services.access.grant(viewer.user, record);
  const [admin, commit, ticket] = await Promise.all([
    services.access.decide(viewer, record, grant, 'admin'),
    services.access.decide(viewer, record, grant, 'commit'),
    services.access.decide(viewer, record, grant, 'ticket'),
  ]);
  let refs: Promise<BranchListing> | undefined;
  return {
    record,
    viewer,
    settings: readSettings(record),
    dir,
    base: `/${projectUrlPath(record)}`,
    fullname: projectFullname(record),
    refs: () => (refs ??= existsSync(dir) ? branchesAndHead(dir) : Promise.resolve({ branches: [], head: undefined })),
    can: { admin, commit, ticket },
    hooks: deps.hooks,
  };
}

/** What the view hooks (tabs, panels, badges, settings links) know of a project page. */
export function viewContext(view: ProjectView): ProjectViewContext {
  return {
    viewer: view.viewer.user ? { name: view.viewer.user.name } : null,
    project: projectRef(view.record),
    private: view.record.private,
    settings: view.settings,
    can: view.can,
  };
}

/** The data of the project header partial: name, description, fork parent, tabs. */
export function projectHeader(view: ProjectView, current: string, parent?: ProjectRecord): Record<string, unknown> {
  const tabs: Array<Omit<ProjectTab, 'current'>> = [
    { id: 'overview', label: 'Overview', href: view.base },
    { id: 'files', label: 'Files', href: `${view.base}/tree` },
    { id: 'commits', label: 'Commits', href: `${view.base}/commits` },
    { id: 'branches', label: 'Branches', href: `${view.base}/branches` },
  ];
  if (view.settings.issue_tracker) tabs.push({ id: 'issues', label: 'Issues', href: `${view.base}/issues` });
  if (view.settings.pull_requests) tabs.push({ id: 'pull-requests', label: 'Pull requests', href: `${view.base}/pull-requests` });
  if (view.can.admin) tabs.push({ id: 'settings', label: 'Settings', href: `${view.base}/settings` });
  const shown = view.hooks.projectTabs.call(tabs, viewContext(view));
  return {
    name: view.fullname,
    base: view.base,
    description: view.record.description,
    url: view.record.url,
    private: view.record.private,
    isFork: view.record.isFork,
    parent: parent && { name: projectFullname(parent), href: `/${projectUrlPath(parent)}` },
    tabs: shown.map((tab) => ({ ...tab, current: tab.id === current })),
    can: view.can,
  };
}

export const notFound = (message: string) => NotFound('ENOCODE', message);

/** A branch's name from its full ref. */
export const branchName = (ref: string) => ref.slice(REFS_HEADS.length);

/**
 * The commit an identifier from a URL names: a branch from the listing the page already
 * read, without another git process, else whatever git resolves (a hash, a tag).
 */
export async function commitNamed(view: ProjectView, identifier: string): Promise<string | undefined> {
  const branch = (await view.refs()).branches.find((b) => b.ref === `${REFS_HEADS}${identifier}` && !b.symref);
  return branch ? branch.object : commitOfIdentifier(view.dir, identifier);
}
