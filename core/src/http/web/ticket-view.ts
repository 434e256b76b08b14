// What issue and pull-request pages share: comments rendered as Markdown for the reader,
// with their reactions, and the check that the tracker is on.
import { rowId, type ProjectRecord } from '../../domain/index.js';
import type { ForgeContext } from '../../plugins/index.js';
import { REACTIONS, type CommentJson, type DomainServices, type Viewer } from '../../services/index.js';
import { routeParams } from '../common/git-context.js';
import { markdownLinks, renderMarkdown } from './markdown.js';
import { notFound, projectHeader, type ProjectView } from './page-kit.js';

export interface RenderedComment extends CommentJson {
  html: string;
  mine: boolean;
  reactionList: Array<{ name: string; count: number; mine: boolean; users: string }>;
}

/** Renders a ticket's text and comments in one pass: every @name and #N is looked up once. */
export async function renderTicketTexts<C extends CommentJson>(
  services: DomainServices,
  viewer: Viewer,
  project: ProjectRecord,
  content: string,
  comments: readonly C[],
  baseUrl: string,
): Promise<{ contentHtml: string; comments: Array<C & RenderedComment> }> {
  const links = await markdownLinks(services, viewer, project, [content, ...comments.map((c) => c.comment)], baseUrl);
  const me = viewer.user?.name;
  return {
    contentHtml: renderMarkdown(content, links),
    comments: comments.map((c) => ({
      ...c,
      html: renderMarkdown(c.comment, links),
      mine: c.user.name === me,
      reactionList: REACTIONS.map((name) => {
        const users = c.reactions[name] ?? [];
        return { name, count: users.length, mine: me !== undefined && users.includes(me), users: users.join(', ') };
      }),
    })),
  };
}

/** Splits "a, b,c" into trimmed, non-empty parts. */
export function commaList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** The comment id of a route (…/comment/:commentid/…), or 404. */
export function commentIdOf(ctx: ForgeContext): number {
  const id = rowId(routeParams(ctx).commentid);
  if (id === undefined) throw notFound('Comment not found');
  return id;
}

/** The form that edits a comment of the ticket at `ticketPath` (the page the editor returns to). */
export async function commentEditPage(
  ctx: ForgeContext,
  view: ProjectView,
  tab: string,
  ticketPath: string,
  load: (id: number) => Promise<CommentJson>,
): Promise<void> {
  const id = commentIdOf(ctx);
  const comment = await load(id).catch(() => undefined);
  if (!comment) throw notFound('Comment not found');
  await ctx.render('comment-edit', {
    title: `Edit comment - ${view.fullname}`,
    project: projectHeader(view, tab),
    action: `${ticketPath}/comment/${id}/edit`,
    back: `${ticketPath}#comment-${id}`,
    values: { comment: comment.comment },
  });
}
