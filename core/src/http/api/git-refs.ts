// Branches, tags, branch aliases and clone URLs of a project's repository:
// .../git/branches, .../git/branch, .../git/tags, .../git/alias[/new|/drop], .../git/urls.
import { existsSync } from 'node:fs';
import { projectFullname, type ProjectRecord } from '../../domain/index.js';
import { Invalid, NotFound, Unauthorized } from '../../errors/index.js';
import {
  GitCommandError,
  REFS_HEADS,
  REFS_TAGS,
  createSymbolicRef,
  deleteSymbolicRef,
  isValidRefName,
  listRefs,
  readRef,
  branchesAndHead,
  setHead,
} from '../../git/index.js';
import type { ForgeContext } from '../../plugins/index.js';
import type { DomainServices } from '../../services/index.js';
import { checkProjectToken, viewerOf } from '../common/auth.js';
import { repoDir, withRepoLock, type GitBrowseDeps } from '../common/git-context.js';
import { body, isTrue, value } from './params.js';
import type { ProjectRoutes } from '../common/project-routes.js';

/** A required text field of a JSON or form body: a non-empty string, or undefined. */
function text(input: unknown): string | undefined {
  return typeof input === 'string' && input !== '' ? input : undefined;
}

/** A WTForms BooleanField: anything but false, "false", "0", "" or nothing is true. */
function formFlag(input: unknown): boolean {
  if (input === undefined || input === null || input === false || input === 0) return false;
  return !['', 'false', '0'].includes(String(input).trim().toLowerCase());
}

const shortName = (ref: string, prefix: string) => ref.slice(prefix.length);

/** The repository directory; a project whose repository is not there (yet) has no git data to show. */
function existingRepo(deps: GitBrowseDeps, project: ProjectRecord): string {
  const dir = repoDir(deps, project);
  if (!existsSync(dir)) throw NotFound('EEMPTYGIT');
  return dir;
}

async function branchesAnswer(dir: string, withCommits: boolean) {
  const { branches, head } = await branchesAndHead(dir);
  const names = branches.map((b) => shortName(b.ref, REFS_HEADS));
  if (!withCommits) return { total_branches: names.length, branches: names, default: head?.name ?? null };
  return {
    total_branches: names.length,
    branches: Object.fromEntries(branches.map((b) => [shortName(b.ref, REFS_HEADS), b.peeled])),
    default: head ? { [head.name]: head.commit } : {},
  };
}

async function tagsAnswer(dir: string, withCommits: boolean) {
  const tags = await listRefs(dir, REFS_TAGS);
  return {
    total_tags: tags.length,
    tags: withCommits
      ? Object.fromEntries(tags.map((t) => [shortName(t.ref, REFS_TAGS), t.peeled]))
      : tags.map((t) => shortName(t.ref, REFS_TAGS)),
  };
}

/** Pagure's alias listing: every symbolic ref pointing at a branch, {ref: target}. */
async function aliases(dir: string): Promise<Record<string, string>> {
  const refs = await listRefs(dir, 'refs/');
  return Object.fromEntries(refs.filter((r) => r.symref?.startsWith(REFS_HEADS)).map((r) => [r.ref, r.symref!]));
}

/** Follows a branch through aliases to the branch it ends at; undefined when it does not exist. */
async function resolveBranch(dir: string, branch: string): Promise<string | undefined> {
  let ref = `${REFS_HEADS}${branch}`;
  for (let hops = 0; hops < 5; hops += 1) {
    const found = await readRef(dir, ref);
    if (!found) return undefined;
    if ('object' in found) return ref;
    ref = found.symref;
  }
  return undefined;
}

// Branch and tag writes go through the repository service: it vetoes (canPush), writes
// with a compare-and-swap under the repository's lock, and announces them as pushes.
export function gitRefRoutes(routes: ProjectRoutes, services: DomainServices, deps: GitBrowseDeps): void {
  const viewer = (ctx: ForgeContext) => viewerOf(ctx, services);

  /** Commit access (on `branch`, for collaborators) or 401 ENOTHIGHENOUGH. */
  async function requireCommit(ctx: ForgeContext, project: ProjectRecord, branch?: string): Promise<void> {
    if (!(await services.access.has(await viewer(ctx), project, 'commit', branch))) throw Unauthorized('ENOTHIGHENOUGH');
  }

  routes.add('get', '/git/branches', async (ctx, project) => {
    ctx.body = await branchesAnswer(existingRepo(deps, project), isTrue(value(ctx, 'with_commits')));
  });

  routes.add(
    'post',
    '/git/branches',
    async (ctx, project) => {
      await services.projects.requireAdmin(await viewer(ctx), project);
      const dir = existingRepo(deps, project);
      const branch = value(ctx, 'branch_name');
      await withRepoLock(deps, project, async () => {
        const target = branch && isValidRefName(branch) ? await resolveBranch(dir, branch) : undefined;
        if (!target) throw Invalid('EGITERROR');
        await setHead(dir, target);
      });
      ctx.body = await branchesAnswer(dir, isTrue(value(ctx, 'with_commits')));
    },
    { acls: ['modify_project'] },
  );

  routes.add(
    'post',
    '/git/branch',
    async (ctx, project) => {
      const data = body(ctx);
      const branch = text(data.branch);
      const fromBranch = data.from_branch || undefined;
      const fromCommit = data.from_commit || undefined;
      if (fromBranch !== undefined && fromCommit !== undefined) throw Invalid('EINVALIDREQ');
      if (
        !branch ||
        (fromBranch !== undefined && typeof fromBranch !== 'string') ||
        (fromCommit !== undefined && typeof fromCommit !== 'string')
      ) {
        throw Invalid('EINVALIDREQ');
      }
      if (!isValidRefName(branch)) throw Invalid('EINVALIDREQ', { errors: { branch: ['Not a valid branch name.'] } });
      await requireCommit(ctx, project, branch);
      existingRepo(deps, project); // 404 EEMPTYGIT before anything is resolved
      // Pagure starts from "master" when neither is given; Pagurus from the default branch.
      await services.repository.createBranch(ctx.state.user ?? null, project, branch, {
        commit: fromCommit,
        branch: fromBranch,
      });
      ctx.body = { message: 'Project branch was created' };
    },
    { acls: ['create_branch'] },
  );

  routes.add('get', '/git/tags', async (ctx, project) => {
    ctx.body = await tagsAnswer(existingRepo(deps, project), isTrue(value(ctx, 'with_commits')));
  });

  routes.add(
    'post',
    '/git/tags',
    async (ctx, project) => {
      await requireCommit(ctx, project);
      const data = body(ctx);
      const tagname = typeof data.tagname === 'string' ? data.tagname.trim() : '';
      const commitHash = typeof data.commit_hash === 'string' ? data.commit_hash.trim() : '';
      const message = data.message === undefined || data.message === null ? '' : String(data.message);
      const errors: Record<string, string[]> = {};
      if (!tagname) errors.tagname = ['This field is required.'];
      else if (!isValidRefName(tagname)) errors.tagname = ['Not a valid tag name.'];
      if (!commitHash) errors.commit_hash = ['This field is required.'];
      if (message.includes('\0')) errors.message = ['Not a valid message.'];
      if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
      const force = formFlag(data.force) && deps.git.apiUpdateTags;
      const dir = existingRepo(deps, project);
      const user = ctx.state.user!;
      const email = (await services.users.emails([user.id])).get(user.id)?.defaultEmail ?? `${user.name}@users.noreply`;
      const created = await services.repository.writeTag(user, project, {
        name: tagname,
        target: commitHash,
        message,
        tagger: { name: user.fullname || user.name, email },
        force,
      });
      ctx.body = { ...(await tagsAnswer(dir, isTrue(value(ctx, 'with_commits')))), tag_created: created !== false };
    },
    { acls: ['modify_project', 'tag_project'] },
  );

  routes.add('get', '/git/alias', async (ctx, project) => {
    checkProjectToken(ctx, project.id, { userTokens: true });
    ctx.body = await aliases(existingRepo(deps, project));
  });

  /** alias_from and alias_to: non-empty strings naming possible branches (`message`: Pagure's text for alias/new). */
  function aliasInput(ctx: ForgeContext, message?: string): { from: string; to: string } {
    const data = body(ctx);
    const from = text(data.alias_from);
    const to = text(data.alias_to);
    if (!from || !to || !isValidRefName(from) || !isValidRefName(to))
      throw Invalid('EINVALIDREQ', message === undefined ? {} : { message });
    return { from, to };
  }

  routes.add(
    'post',
    '/git/alias/new',
    async (ctx, project) => {
      const { from, to } = aliasInput(ctx, 'Invalid input for alias_from or alias_to');
      await services.projects.requireAdmin(await viewer(ctx), project);
      const dir = existingRepo(deps, project);
      await withRepoLock(deps, project, async () => {
        if (!(await readRef(dir, `${REFS_HEADS}${to}`))) throw Invalid('EBRANCHNOTFOUND');
        if (await readRef(dir, `${REFS_HEADS}${from}`)) {
          throw Invalid('ENOCODE', `Could not create alias from ${from} to ${to}. Reference already existing?`);
        }
        try {
          await createSymbolicRef(dir, `${REFS_HEADS}${from}`, `${REFS_HEADS}${to}`);
        } catch (error) {
          if (error instanceof GitCommandError) throw Invalid('EGITERROR', { cause: error });
          throw error;
        }
      });
      ctx.body = await aliases(dir);
    },
    { acls: ['create_git_alias', 'modify_git_alias', 'modify_project'] },
  );

  routes.add(
    'post',
    '/git/alias/drop',
    async (ctx, project) => {
      const { from, to } = aliasInput(ctx);
      await services.projects.requireAdmin(await viewer(ctx), project);
      const dir = existingRepo(deps, project);
      await withRepoLock(deps, project, async () => {
        const toRef = await readRef(dir, `${REFS_HEADS}${to}`);
        if (!toRef) throw Invalid('EBRANCHNOTFOUND');
        const fromRef = await readRef(dir, `${REFS_HEADS}${from}`);
        // The alias alias/new made (from → to); or, as Pagure's drop reads its arguments, to → from.
        if (fromRef && 'symref' in fromRef && fromRef.symref === `${REFS_HEADS}${to}`) await deleteSymbolicRef(dir, `${REFS_HEADS}${from}`);
        else if ('symref' in toRef && toRef.symref === `${REFS_HEADS}${from}`) await deleteSymbolicRef(dir, `${REFS_HEADS}${to}`);
      });
      ctx.body = await aliases(dir);
    },
    { acls: ['delete_git_alias', 'modify_git_alias', 'modify_project'] },
  );

  routes.add('get', '/git/urls', async (ctx, project) => {
    // Pagure's login-optional endpoint: no token is fine, a bad one is not.
    if (ctx.state.tokenProblem) throw Unauthorized('EINVALIDTOK', { errors: ctx.state.tokenProblem });
    const urls: Record<string, string> = {};
    let ssh = deps.git.urlSsh;
    if (ssh && ctx.state.user && ctx.state.token) ssh = withUsername(ssh, ctx.state.user.name);
    if (ssh) urls.ssh = `${ssh}${projectFullname(project)}.git`;
    if (deps.git.urlGit) urls.git = `${deps.git.urlGit}${projectFullname(project)}.git`;
    ctx.body = { total_urls: Object.keys(urls).length, urls };
  });
}

/** Python's str.format(username=...): only when "{username}" is the template's one field. */
function withUsername(template: string, username: string): string {
  const fields = template.replace(/\{\{|\}\}/g, '').match(/\{[^}]*\}/g) ?? [];
  if (fields.some((field) => field !== '{username}')) return template;
  return template.replace(/\{\{|\}\}|\{username\}/g, (m) => (m === '{{' ? '{' : m === '}}' ? '}' : username));
}
