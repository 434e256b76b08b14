// Pull-request pages: the list, opening one from a branch or a fork (/<repo>/diff/<to>..<from>,
// with branch pickers and a preview), a pull request with its commits, diff, inline
// comments, flags and merge box, and the forms that comment, edit, merge, close and reopen.
import { projectUrlPath, repositoryPath, type ProjectRecord, type PullRequestRecord } from '../../domain/index.js';
import { REFS_HEADS, listRefs, logCommits, rangeDiffText, commitOf } from '../../git/index.js';
import type { ForgeContext, ForgeRouter, JobQueueApi } from '../../plugins/index.js';
import {
  checkMergeAllowed,
  closedRefusal,
  PULL_REQUEST_JOBS,
  type DomainServices,
  type PullRequestStatusFilter,
} from '../../services/index.js';
import { Conflict, Forbidden, Invalid } from '../../errors/index.js';
import { encodePath, repoDir, routeParams, type GitBrowseDeps } from '../common/git-context.js';
import { parseDiff } from './code-view.js';
import {
  attempt,
  currentQuery,
  form,
  formList,
  loginFirst,
  notFound,
  PER_PAGE,
  PROJECT_PATHS,
  pageLinks,
  pageNumber,
  projectHeader,
  projectView,
  type ProjectView,
  viewContext,
} from './page-kit.js';
import { DIFF_LIMIT } from './project-pages.js';
import { annotateDiff, openTarget } from './pull-request-diff.js';
import { commaList, commentEditPage, commentIdOf, renderTicketTexts } from './ticket-view.js';

const STATUSES: PullRequestStatusFilter[] = ['Open', 'Merged', 'Closed', 'all'];
const MERGE_WAIT_MS = 60_000;
/** The merge status in words: `label` for the sidebar, `text` for the merge box. */
const MERGE_TEXT: Record<string, { label: string; text: string; ok: boolean }> = {
  FFORWARD: { label: 'Can be fast-forwarded', text: 'Can be fast-forwarded: the target branch moves forward to these commits.', ok: true },
  MERGE: { label: 'Can be merged (with a merge commit)', text: 'Can be merged, with a merge commit.', ok: true },
  CONFLICTS: {
    label: 'Has conflicts, cannot be merged automatically',
    text: 'Has conflicts with the target branch and cannot be merged automatically; rebase the source branch.',
    ok: false,
  },
  NO_CHANGE: { label: 'Nothing to merge', text: 'Nothing to merge: the target branch already has these changes.', ok: false },
};
const MERGE_PENDING = { label: 'Being computed…', text: 'The merge status is being computed.', ok: true, pending: true };

/** The commit a pull request's diff starts from (the parent of its first commit): the old side of its lines. */
async function baseCommit(dir: string, pr: PullRequestRecord): Promise<string | undefined> {
  return pr.commitStart ? commitOf(dir, `${pr.commitStart}^`).catch(() => undefined) : undefined;
}

export function pullRequestPages(router: ForgeRouter, services: DomainServices, deps: { browse: GitBrowseDeps; jobs: JobQueueApi }): void {
  const { pullRequests } = services;
  const { browse } = deps;
  const str = (ctx: ForgeContext, name: string) => (typeof ctx.query[name] === 'string' ? ctx.query[name].trim() : '');

  async function prView(ctx: ForgeContext): Promise<ProjectView> {
    const view = await projectView(ctx, services, browse);
    pullRequests.checkEnabled(view.record);
    return view;
  }

  async function list(ctx: ForgeContext): Promise<void> {
    const view = await prView(ctx);
    const status = (STATUSES as string[]).includes(str(ctx, 'status')) ? (str(ctx, 'status') as PullRequestStatusFilter) : 'Open';
    const filters = {
      status,
      ...(str(ctx, 'assignee') ? { assignee: str(ctx, 'assignee') } : {}),
      ...(str(ctx, 'author') ? { author: str(ctx, 'author') } : {}),
      ...(str(ctx, 'tags') ? { tags: commaList(str(ctx, 'tags')) } : {}),
    };
    const page = pageNumber(ctx);
    const found = await pullRequests.list(view.record, filters, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE });
    const json = await pullRequests.jsonList(found.prs);
    await ctx.render('pull-requests', {
      title: `Pull requests - ${view.fullname}`,
      project: projectHeader(view, 'pull-requests'),
      newHref: `${view.base}/diff`,
      total: found.total,
      prs: json.map((pr) => ({
        ...pr,
        href: `${view.base}/pull-request/${pr.id}`,
        from: pr.repo_from && pr.repo_from.fullname !== view.fullname ? `${pr.repo_from.fullname}:${pr.branch_from}` : pr.branch_from,
      })),
      statuses: STATUSES.map((s) => ({ value: s, selected: s === status })),
      filters: { assignee: str(ctx, 'assignee'), author: str(ctx, 'author'), tags: str(ctx, 'tags') },
      pager: pageLinks(page, found.total),
      query: currentQuery(ctx),
    });
  }

  /** The project a pull request from `source` targets: a fork's parent, else the project itself. */
  async function targetOf(source: ProjectRecord): Promise<ProjectRecord> {
    if (source.isFork && source.parentId !== null) {
      const parent = await services.projectQueries.byId(source.parentId);
      if (parent) return parent;
    }
    return source;
  }

  const branchNames = async (project: ProjectRecord) =>
    (await listRefs(repoDir(browse, project), REFS_HEADS)).map((r) => r.ref.slice(REFS_HEADS.length));

  /** /<repo>/diff/<to>..<from>: what the pull request would bring, and the form to open it. */
  async function newPullRequest(
    ctx: ForgeContext,
    values: Record<string, string> = {},
    errors: Record<string, string> = {},
    status = 200,
  ): Promise<void> {
    const source = await projectView(ctx, services, browse);
    const target = await targetOf(source.record);
    pullRequests.checkEnabled(target);
    const range = routeParams(ctx).range ?? '';
    const [sourceBranches, targetBranches] = await Promise.all([branchNames(source.record), branchNames(target)]);
    const at = range.indexOf('..');
    const to = at === -1 ? str(ctx, 'to') : range.slice(0, at);
    const from = at === -1 ? str(ctx, 'from') : range.slice(at + 2);
    const page: Record<string, unknown> = {
      title: `New pull request - ${source.fullname}`,
      project: projectHeader(source, 'pull-requests'),
      pickerAction: `${source.base}/diff`,
      sourceName: source.fullname,
      targetName: target.id === source.record.id ? source.fullname : `/${projectUrlPath(target)}`.slice(1),
      sourceBranches: sourceBranches.map((b) => ({ name: b, selected: b === from })),
      targetBranches: targetBranches.map((b) => ({ name: b, selected: b === to })),
      values,
      errors,
    };
    if (to && from) {
      const sourceDir = repoDir(browse, source.record);
      const targetDir = repoDir(browse, target);
      const [fromCommit, toCommit] = await Promise.all([
        commitOf(sourceDir, `${REFS_HEADS}${from}`),
        commitOf(targetDir, `${REFS_HEADS}${to}`),
      ]);
      if (!fromCommit) errors.branch_from = `Branch ${from} does not exist`;
      else if (!toCommit && targetBranches.length) errors.branch_to = `Branch ${to} could not be found in the target repo`;
      else {
        // A fork is compared in place, reading the target's objects too: nothing is written.
        const alternate = target.id !== source.record.id ? `${targetDir}/objects` : undefined;
        const [commits, diff] = await Promise.all([
          logCommits(sourceDir, fromCommit, { limit: 100, exclude: toCommit, alternate }),
          toCommit
            ? rangeDiffText(sourceDir, toCommit, fromCommit, DIFF_LIMIT, alternate)
            : Promise.resolve({ text: '', truncated: false }),
        ]);
        page.preview = true;
        page.commits = commits.map((c) => ({ ...c, href: `${source.base}/c/${c.hash}` }));
        page.files = parseDiff(diff.text);
        page.truncated = diff.truncated;
        page.action = `${source.base}/diff/${encodePath(to)}..${encodePath(from)}`;
        page.branchTo = to;
        page.branchFrom = from;
        if (!values.title && commits.length === 1) values.title = commits[0]!.subject;
        if (!values.title && commits.length !== 1) values.title = from;
      }
    }
    await ctx.render('pull-request-new', page);
    ctx.status = status;
  }

  router.get(
    PROJECT_PATHS.map((p) => `${p}/diff`),
    (ctx) => newPullRequest(ctx),
  );
  router.get(
    PROJECT_PATHS.map((p) => `${p}/diff/*range`),
    (ctx) => newPullRequest(ctx),
  );
  router.post(
    PROJECT_PATHS.map((p) => `${p}/diff/*range`),
    async (ctx) => {
      if (!loginFirst(ctx)) return;
      const source = await projectView(ctx, services, browse);
      const target = await targetOf(source.record);
      const range = routeParams(ctx).range ?? '';
      const at = range.indexOf('..');
      if (at === -1) throw notFound('Say which branches to compare: <target>..<source>');
      const values = form(ctx);
      let created: PullRequestRecord | undefined;
      const failed = await attempt(async () => {
        created = await pullRequests.create(source.viewer, target, source.record, {
          title: (values.title ?? '').trim(),
          branchTo: range.slice(0, at),
          branchFrom: range.slice(at + 2),
          initialComment: (values.initial_comment ?? '').trim() || null,
        });
      });
      if (failed) {
        await newPullRequest(ctx, values, failed.errors, failed.status);
        return;
      }
      ctx.redirect(`/${projectUrlPath(target)}/pull-request/${created!.id}`);
    },
  );

  async function show(
    ctx: ForgeContext,
    view: ProjectView,
    pr: PullRequestRecord,
    extra: Record<string, unknown> = {},
    status = 200,
    openAt = str(ctx, 'comment_on'),
  ): Promise<void> {
    const json = await pullRequests.json(pr, { comments: true });
    const source = pr.projectFromId === null ? undefined : await services.projectQueries.byId(pr.projectFromId);
    // The target repository holds the pull request's commits (refs/pull/<id>/head), even once a fork is gone.
    const dir = repoDir(browse, view.record);
    const me = ctx.state.user;
    const mayTag = Boolean(me) && (view.can.commit || json.user.name === me?.name);
    const [texts, flags, commits, diff, mayMerge, base, projectTags, panels, mergeWhenReady] = await Promise.all([
      renderTicketTexts(services, view.viewer, view.record, json.initial_comment ?? '', json.comments, browse.publicUrl()),
      services.flags.ofCommit(view.record, pr.commitStop ?? '').catch(() => []),
      pr.commitStop
        ? logCommits(dir, pr.commitStop, { limit: 250, exclude: pr.commitStart ? `${pr.commitStart}^` : undefined }).catch(() => [])
        : Promise.resolve([]),
      pr.commitStart && pr.commitStop
        ? rangeDiffText(dir, `${pr.commitStart}^`, pr.commitStop, DIFF_LIMIT).catch(() => ({ text: '', truncated: false }))
        : Promise.resolve({ text: '', truncated: false }),
      me
        ? checkMergeAllowed(services, view.viewer, view.record, pr).then(
            () => true,
            () => false,
          )
        : Promise.resolve(false),
      baseCommit(dir, pr),
      mayTag ? services.tracker.tags(view.record) : Promise.resolve([]),
      browse.hooks.pullRequestView.promise([], {
        ...viewContext(view),
        pullRequest: { id: json.id, title: json.title, status: json.status },
      }),
      pr.status === 'Open' ? services.mergeWhenReady.state(view.record, pr) : Promise.resolve(null),
    ]);
    const prBase = `${view.base}/pull-request/${pr.id}`;
    const split = ctx.query.view === 'split';
    const commentable = Boolean(me) && pr.status === 'Open';
    const files = parseDiff(diff.text);
    const where = annotateDiff(files, texts.comments, { base, head: pr.commitStop, commentable, openAt, split });
    const values = (extra.values ?? {}) as Record<string, string>;
    const errors = (extra.errors ?? {}) as Record<string, string>;
    const inlineTarget = commentable ? openTarget(files) : undefined;
    await ctx.render('pull-request', {
      panels,
      title: `PR#${pr.id}: ${json.title} - ${view.fullname}`,
      project: projectHeader(view, 'pull-requests'),
      pr: json,
      base: prBase,
      from: source ? `${source.isFork ? `${source.ownerName}/` : ''}${source.name}:${pr.branchFrom}` : pr.branchFrom,
      contentHtml: texts.contentHtml,
      // Every comment, in order: those on a line say which, and link to it.
      comments: texts.comments.map((c) => ({
        ...c,
        where: where.get(c),
        editHref: `${prBase}/comment/${c.id}/edit`,
        reactAction: `${prBase}/comment/${c.id}/react`,
        mayEdit: !c.notification && (c.mine || view.can.commit),
      })),
      flags,
      commits: commits.map((c) => ({ ...c, href: `/${projectUrlPath(source ?? view.record)}/c/${c.hash}` })),
      files,
      truncated: diff.truncated,
      split,
      unifiedHref: `${prBase}#changes`,
      splitHref: `${prBase}?view=split#changes`,
      commentable,
      inlineTarget,
      // An inline comment's error shows in the form under its line, not in the one at the bottom.
      generalErrors: inlineTarget ? {} : errors,
      generalComment: inlineTarget ? '' : values.comment,
      isOpen: pr.status === 'Open',
      isMerged: pr.status === 'Merged',
      mergeInfo: MERGE_TEXT[pr.mergeStatus ?? ''] ?? MERGE_PENDING,
      mayMerge: mayMerge && pr.status === 'Open',
      mergeWhenReady: mergeWhenReady && {
        ...mergeWhenReady,
        waitingFor: mergeWhenReady.required.length ? mergeWhenReady.required.join(', ') : 'every flag on its head',
      },
      mayMergeWhenReady: Boolean(me) && view.can.commit && pr.status === 'Open',
      mayClose: Boolean(me) && (view.can.commit || json.user.name === me?.name),
      mayEdit: Boolean(me) && (view.can.commit || json.user.name === me?.name),
      mayAssign: Boolean(me) && view.can.commit,
      mayTag,
      tagChoices: [...new Set([...projectTags, ...json.tags])].sort().map((name) => ({ name, checked: json.tags.includes(name) })),
      loggedIn: Boolean(me),
      patchHref: `${prBase}.patch`,
      values,
      errors,
      ...extra,
    });
    ctx.status = status;
  }

  async function prOf(ctx: ForgeContext, view: ProjectView): Promise<PullRequestRecord> {
    return pullRequests.require(view.record, routeParams(ctx).requestid);
  }

  router.get(
    PROJECT_PATHS.map((p) => `${p}/pull-request/:requestid`),
    async (ctx) => {
      const view = await prView(ctx);
      await show(ctx, view, await prOf(ctx, view));
    },
  );

  function prAction(
    suffix: string,
    action: (ctx: ForgeContext, view: ProjectView, pr: PullRequestRecord, values: Record<string, string>) => Promise<string | undefined>,
  ) {
    router.post(
      PROJECT_PATHS.map((p) => `${p}/pull-request/:requestid/${suffix}`),
      async (ctx) => {
        if (!loginFirst(ctx)) return;
        const view = await prView(ctx);
        const pr = await prOf(ctx, view);
        const values = form(ctx);
        let anchor: string | undefined;
        const failed = await attempt(async () => {
          anchor = await action(ctx, view, pr, values);
        });
        if (failed) {
          await show(ctx, view, await prOf(ctx, view), { values, errors: failed.errors }, failed.status, values.comment_on ?? '');
          return;
        }
        ctx.redirect(`${view.base}/pull-request/${pr.id}${anchor ? `#${anchor}` : ''}`);
      },
    );
  }

  prAction('comment', async (_ctx, view, pr, values) => {
    const row = Number(values.row);
    const inline = values.filename && Number.isSafeInteger(row) && row > 0;
    // A comment on a removed line names the base commit (the old side); any other, the head.
    const base = inline && values.commit ? await baseCommit(repoDir(browse, view.record), pr) : undefined;
    await pullRequests.comment(view.viewer, view.record, pr, {
      comment: (values.comment ?? '').trim(),
      ...(inline ? { filename: values.filename!, row, commit: base !== undefined && values.commit === base ? base : pr.commitStop } : {}),
    });
    return inline ? 'changes' : 'comments';
  });

  prAction('update', async (ctx, view, pr, values) => {
    // Everything is checked before anything is written: the assignee first, then the tags
    // (which their service call checks), and only then the assignment.
    const assignee = 'assignee' in values ? values.assignee.trim() : undefined;
    if (assignee !== undefined) {
      if (!view.can.commit) throw Forbidden('ENOPRCLOSE');
      if (assignee && !(await services.users.byName(assignee)))
        throw Invalid('EINVALIDREQ', { errors: { assignee: [`No user is called ${assignee}`] } });
    }
    if ('tags_shown' in values)
      await pullRequests.setTags(view.viewer, view.record, pr, [...new Set([...formList(ctx, 'tag'), ...commaList(values.new_tags)])]);
    if (assignee !== undefined) await pullRequests.assign(view.viewer, view.record, await prOf(ctx, view), assignee);
    return 'metadata';
  });

  prAction('edit', async (_ctx, view, pr, values) => {
    await pullRequests.update(view.viewer, view.record, pr, {
      title: (values.title ?? '').trim(),
      initialComment: (values.initial_comment ?? '').trim() || null,
    });
    return undefined;
  });

  prAction('merge-when-ready', async (_ctx, view, pr, values) => {
    await services.mergeWhenReady.set(view.viewer, view.record, pr, values.enable !== 'false');
    return 'merge-box';
  });

  prAction('close', async (_ctx, view, pr) => {
    await pullRequests.close(view.viewer, view.record, pr);
    return undefined;
  });

  prAction('reopen', async (_ctx, view, pr) => {
    await pullRequests.reopen(view.viewer, view.record, pr);
    return undefined;
  });

  prAction('comment/:commentid/react', async (ctx, view, pr, values) => {
    const id = commentIdOf(ctx);
    await pullRequests.react(view.viewer, pr, id, values.reaction ?? '');
    return `comment-${id}`;
  });

  prAction('comment/:commentid/edit', async (ctx, view, pr, values) => {
    const id = commentIdOf(ctx);
    await pullRequests.editComment(view.viewer, view.record, pr, id, (values.comment ?? '').trim());
    return `comment-${id}`;
  });

  router.get(
    PROJECT_PATHS.map((p) => `${p}/pull-request/:requestid/comment/:commentid/edit`),
    async (ctx) => {
      if (!loginFirst(ctx)) return;
      const view = await prView(ctx);
      const pr = await prOf(ctx, view);
      await commentEditPage(ctx, view, 'pull-requests', `${view.base}/pull-request/${pr.id}`, (id) => pullRequests.commentById(pr, id));
    },
  );

  prAction('merge', async (_ctx, view, pr, values) => {
    await checkMergeAllowed(services, view.viewer, view.record, pr);
    const closed = await closedRefusal(services.users, pr);
    if (closed) throw Conflict('ENOCODE', `The merge failed: ${closed}`);
    // Pinned to the head the page showed (its hidden field; without one, the recorded head).
    const shown = values.head === undefined ? pr.commitStop : values.head.trim() || null;
    if (shown !== null && !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(shown))
      throw Invalid('ENOCODE', 'The merge form names no commit: reload the page and merge again');
    const task = await deps.jobs.enqueue(PULL_REQUEST_JOBS.merge, {
      pullRequestPk: pr.pk,
      path: repositoryPath(view.record),
      userId: view.viewer.user!.id,
      expectedHead: shown,
    });
    const done = await deps.jobs.wait(task!.id, MERGE_WAIT_MS);
    if (done?.state === 'FAILURE') throw Conflict('ENOCODE', `The merge failed: ${done.error ?? 'unknown reason'}`);
    return undefined;
  });

  for (const variant of PROJECT_PATHS) router.get(`${variant}/pull-requests`, list);
}
