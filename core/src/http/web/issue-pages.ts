// Issue pages: the list with filters and sorting, the new-issue form, an issue with its
// comments and metadata, and the forms that change them. Every form posts, then redirects.
import type { IssueRecord } from '../../domain/index.js';
import { Invalid } from '../../errors/index.js';
import type { ForgeContext, ForgeRouter } from '../../plugins/index.js';
import type { DomainServices, IssueFilters } from '../../services/index.js';
import { routeParams, type GitBrowseDeps } from '../common/git-context.js';
import {
  attempt,
  currentQuery,
  forField,
  form,
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
import { flash } from './session.js';
import { commaList, commentEditPage, commentIdOf, renderTicketTexts } from './ticket-view.js';

const SORTS: Record<string, string> = { date_created: 'Newest', last_updated: 'Recently updated', priority: 'Priority', title: 'Title' };

export function issuePages(router: ForgeRouter, services: DomainServices, deps: GitBrowseDeps): void {
  const { issues } = services;

  async function trackerView(ctx: ForgeContext, write: boolean): Promise<ProjectView> {
    const view = await projectView(ctx, services, deps);
    issues.checkTracker(view.record, write);
    return view;
  }

  async function issueOf(ctx: ForgeContext, view: ProjectView): Promise<IssueRecord> {
    return issues.require(view.viewer, view.record, routeParams(ctx).issueid);
  }

  const str = (ctx: ForgeContext, name: string) => (typeof ctx.query[name] === 'string' ? ctx.query[name].trim() : '');

  async function list(ctx: ForgeContext): Promise<void> {
    const view = await trackerView(ctx, false);
    const status = str(ctx, 'status') || 'Open';
    const sort = SORTS[str(ctx, 'sort')] ? str(ctx, 'sort') : 'date_created';
    const filters: IssueFilters = {
      status,
      tags: commaList(str(ctx, 'tags')),
      milestones: str(ctx, 'milestone') ? [str(ctx, 'milestone')] : [],
      order: str(ctx, 'order') === 'asc' ? 'asc' : 'desc',
      orderKey: sort,
      search: str(ctx, 'search').slice(0, 200),
    };
    if (str(ctx, 'assignee')) filters.assignee = str(ctx, 'assignee');
    if (str(ctx, 'author')) filters.author = str(ctx, 'author');
    const meta = await services.tracker.meta(view.record);
    if (str(ctx, 'priority')) {
      const key = Object.entries(meta.priorities).find(([k, name]) => k === str(ctx, 'priority') || name === str(ctx, 'priority'))?.[0];
      if (key !== undefined && key !== '') filters.priority = Number(key);
    }
    const page = pageNumber(ctx);
    const found = await issues.list(view.viewer, view.record, filters, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE });
    const json = await issues.jsonList(view.record, found.issues);
    // An empty list says whether the filters hid every issue or there are none yet.
    const trackerEmpty =
      found.total === 0 &&
      (await issues.list(view.viewer, view.record, { status: 'all', tags: [], milestones: [], order: 'desc' }, { limit: 1, offset: 0 }))
        .total === 0;
    await ctx.render('issues', {
      title: `Issues - ${view.fullname}`,
      project: projectHeader(view, 'issues'),
      newHref: `${view.base}/new_issue`,
      total: found.total,
      trackerEmpty,
      issues: json.map((i) => ({
        ...i,
        href: `${view.base}/issue/${i.id}`,
        commentCount: i.comments.filter((c) => !c.notification).length,
      })),
      filters: {
        status,
        tags: str(ctx, 'tags'),
        assignee: str(ctx, 'assignee'),
        author: str(ctx, 'author'),
        milestone: str(ctx, 'milestone'),
        priority: str(ctx, 'priority'),
        search: str(ctx, 'search'),
        sort,
        order: filters.order,
      },
      statuses: ['Open', 'Closed', 'all', ...meta.closeStatus].map((s) => ({ value: s, selected: s === status })),
      sorts: Object.entries(SORTS).map(([value, label]) => ({ value, label, selected: value === sort })),
      milestones: meta.milestones.map((m) => ({ value: m.name, selected: m.name === str(ctx, 'milestone') })),
      priorities: Object.entries(meta.priorities)
        .filter(([k]) => k !== '')
        .map(([value, label]) => ({ value, label, selected: value === str(ctx, 'priority') })),
      pager: pageLinks(page, found.total),
      query: currentQuery(ctx),
    });
  }

  const newForm = async (ctx: ForgeContext, view: ProjectView, values: Record<string, string>, errors: Record<string, string> = {}) => {
    const [meta, templates] = await Promise.all([services.tracker.meta(view.record), services.tracker.issueTemplates(view.record)]);
    await ctx.render('issue-new', {
      title: `New issue - ${view.fullname}`,
      project: projectHeader(view, 'issues'),
      action: `${view.base}/new_issue`,
      values,
      errors,
      canSetMeta: view.can.ticket,
      templates: templates.map((t) => ({
        name: t.name,
        href: `${view.base}/new_issue?template=${encodeURIComponent(t.name)}`,
        current: t.name === values.template,
      })),
      priorities: Object.entries(meta.priorities)
        .filter(([k]) => k !== '')
        .map(([value, label]) => ({ value, label, selected: value === values.priority })),
      milestones: meta.milestones.filter((m) => m.active).map((m) => ({ value: m.name, selected: m.name === values.milestone })),
    });
  };

  router.get(
    PROJECT_PATHS.map((p) => `${p}/new_issue`),
    async (ctx) => {
      if (!loginFirst(ctx)) return;
      const view = await trackerView(ctx, true);
      const templates = await services.tracker.issueTemplates(view.record);
      const asked = str(ctx, 'template');
      const template = templates.find((t) => t.name === (asked || 'default'));
      if (asked && !template) throw notFound(`No issue template named ${asked}`);
      await newForm(ctx, view, {
        issue_content: template?.content ?? '',
        template: template?.name ?? '',
        private: view.settings.issues_default_to_private ? 'y' : '',
      });
    },
  );

  router.post(
    PROJECT_PATHS.map((p) => `${p}/new_issue`),
    async (ctx) => {
      if (!loginFirst(ctx)) return;
      const view = await trackerView(ctx, true);
      const values = form(ctx);
      let created: IssueRecord | undefined;
      const failed = await attempt(async () => {
        created = await issues.create(view.viewer, view.record, {
          title: (values.title ?? '').trim(),
          content: values.issue_content ?? '',
          private: Boolean(values.private),
          priority: view.can.ticket ? values.priority || null : null,
          milestone: view.can.ticket ? values.milestone || null : null,
          tags: view.can.ticket ? commaList(values.tag) : [],
          assignee: null,
        });
      });
      if (failed) {
        await newForm(ctx, view, values, failed.errors);
        ctx.status = failed.status;
        return;
      }
      flash(ctx, 'Issue created');
      ctx.redirect(`${view.base}/issue/${created!.id}`);
    },
  );

  async function show(
    ctx: ForgeContext,
    view: ProjectView,
    issue: IssueRecord,
    extra: Record<string, unknown> = {},
    status = 200,
  ): Promise<void> {
    const [json, meta, watching] = await Promise.all([
      issues.json(view.record, issue, { comments: true }),
      services.tracker.meta(view.record),
      ctx.state.user ? issues.isSubscribed(ctx.state.user, issue) : Promise.resolve(false),
    ]);
    const [texts, panels] = await Promise.all([
      renderTicketTexts(services, view.viewer, view.record, json.content, json.comments, deps.publicUrl()),
      deps.hooks.issueView.promise([], {
        ...viewContext(view),
        issue: { id: json.id, title: json.title, status: json.status, private: json.private },
      }),
    ]);
    const me = ctx.state.user;
    const mayEditMeta =
      view.can.ticket ||
      Boolean(view.record.settings.open_metadata_access_to_all) ||
      (me !== undefined && me !== null && json.assignee?.name === me.name);
    const base = `${view.base}/issue/${json.id}`;
    await ctx.render('issue', {
      title: `Issue #${json.id}: ${json.title} - ${view.fullname}`,
      project: projectHeader(view, 'issues'),
      issue: json,
      contentHtml: texts.contentHtml,
      comments: texts.comments.map((c) => ({
        ...c,
        editHref: `${base}/comment/${c.id}/edit`,
        reactAction: `${base}/comment/${c.id}/react`,
        mayEdit: !c.notification && (c.mine || view.can.commit),
      })),
      base,
      mayEdit: me ? json.user.name === me.name || view.can.ticket : false,
      mayEditMeta,
      loggedIn: Boolean(me),
      watching,
      statuses: ['Open', 'Closed'].map((s) => ({ value: s, selected: s === json.status })),
      closeStatuses: meta.closeStatus.map((s) => ({ value: s, selected: s === json.close_status })),
      priorities: Object.entries(meta.priorities)
        .filter(([k]) => k !== '')
        .map(([value, label]) => ({ value, label, selected: Number(value) === json.priority })),
      priorityName: json.priority === null ? undefined : (meta.priorities[String(json.priority)] ?? String(json.priority)),
      milestones: meta.milestones.map((m) => ({ value: m.name, selected: m.name === json.milestone })),
      dependsLinks: json.depends.map((id) => ({ id, href: `${view.base}/issue/${id}` })),
      blocksLinks: json.blocks.map((id) => ({ id, href: `${view.base}/issue/${id}` })),
      relatedPrs: json.related_prs.map((pr) => ({ ...pr, href: `${view.base}/pull-request/${pr.id}` })),
      panels,
      values: {},
      errors: {},
      ...extra,
    });
    ctx.status = status;
  }

  router.get(
    PROJECT_PATHS.map((p) => `${p}/issue/:issueid`),
    async (ctx) => {
      const view = await trackerView(ctx, false);
      await show(ctx, view, await issueOf(ctx, view));
    },
  );

  /** A POST on an issue: runs `action`, then back to the issue saying `done`; a refusal shows the issue with the error. */
  function issueAction(
    suffix: string,
    done: string | ((values: Record<string, string>) => string),
    action: (ctx: ForgeContext, view: ProjectView, issue: IssueRecord, values: Record<string, string>) => Promise<string | undefined>,
  ) {
    router.post(
      PROJECT_PATHS.map((p) => `${p}/issue/:issueid/${suffix}`),
      async (ctx) => {
        if (!loginFirst(ctx)) return;
        const view = await trackerView(ctx, true);
        const issue = await issueOf(ctx, view);
        const values = form(ctx);
        let anchor: string | undefined;
        const failed = await attempt(async () => {
          anchor = await action(ctx, view, issue, values);
        });
        if (failed) {
          await show(ctx, view, await issueOf(ctx, view), { values, errors: failed.errors }, failed.status);
          return;
        }
        flash(ctx, typeof done === 'string' ? done : done(values));
        ctx.redirect(`${view.base}/issue/${issue.id}${anchor ? `#${anchor}` : ''}`);
      },
    );
  }

  issueAction('comment', 'Comment added', async (_ctx, view, issue, values) => {
    const comment = await issues.comment(view.viewer, view.record, issue, (values.comment ?? '').trim());
    return `comment-${comment.id}`;
  });

  issueAction('update', 'Issue updated', async (ctx, view, issue, values) => {
    // Each change is checked by its service call; a refusal stops the rest.
    if (values.status && (values.status !== issue.status || (values.close_status ?? '') !== (issue.closeStatus ?? ''))) {
      await issues.setStatus(
        view.viewer,
        view.record,
        issue,
        values.status,
        values.status === 'Closed' ? values.close_status || undefined : undefined,
      );
    }
    if ('assignee' in values)
      await forField('assignee', async () => issues.assign(view.viewer, view.record, await issueOf(ctx, view), values.assignee!.trim()));
    if ('milestone' in values) await issues.setMilestone(view.viewer, view.record, await issueOf(ctx, view), values.milestone);
    if ('priority' in values) await issues.setPriority(view.viewer, view.record, await issueOf(ctx, view), values.priority);
    const numbers = (name: 'depending' | 'blocking') => {
      const list = commaList(values[name]).map((n) => n.replace(/^#/, ''));
      if (list.some((n) => !/^\d+$/.test(n))) throw Invalid('EINVALIDREQ', { errors: { [name]: ['Issue numbers, comma-separated'] } });
      return list.map(Number);
    };
    if ('tag' in values || 'depending' in values || 'blocking' in values) {
      await issues.setLinks(view.viewer, view.record, await issueOf(ctx, view), {
        ...('tag' in values ? { tags: commaList(values.tag) } : {}),
        ...('depending' in values ? { depending: numbers('depending') } : {}),
        ...('blocking' in values ? { blocking: numbers('blocking') } : {}),
      });
    }
    if ('private_shown' in values) await issues.setPrivate(view.viewer, view.record, await issueOf(ctx, view), Boolean(values.private));
    return 'metadata';
  });

  issueAction('edit', 'Issue updated', async (_ctx, view, issue, values) => {
    await issues.edit(view.viewer, view.record, issue, { title: (values.title ?? '').trim(), content: values.issue_content ?? '' });
    return undefined;
  });

  issueAction(
    'subscribe',
    (values) => (values.subscribe === '1' ? 'Subscribed to this issue' : 'Unsubscribed from this issue'),
    async (_ctx, view, issue, values) => {
      await issues.subscribe(view.viewer, issue, values.subscribe === '1');
      return 'metadata';
    },
  );

  issueAction('comment/:commentid/react', 'Reaction saved', async (ctx, view, issue, values) => {
    const id = commentIdOf(ctx);
    await issues.react(view.viewer, issue, id, values.reaction ?? '');
    return `comment-${id}`;
  });

  issueAction('comment/:commentid/edit', 'Comment updated', async (ctx, view, issue, values) => {
    const id = commentIdOf(ctx);
    await issues.editComment(view.viewer, view.record, issue, id, (values.comment ?? '').trim());
    return `comment-${id}`;
  });

  router.get(
    PROJECT_PATHS.map((p) => `${p}/issue/:issueid/comment/:commentid/edit`),
    async (ctx) => {
      if (!loginFirst(ctx)) return;
      const view = await trackerView(ctx, false);
      const issue = await issueOf(ctx, view);
      await commentEditPage(ctx, view, 'issues', `${view.base}/issue/${issue.id}`, (id) => issues.commentById(issue, id));
    },
  );

  for (const variant of PROJECT_PATHS) router.get(`${variant}/issues`, list);
}
