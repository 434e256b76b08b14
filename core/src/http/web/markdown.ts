// Markdown of comments and descriptions, as pages show it: CommonMark with GFM tables,
// task lists, emoji shortcodes, highlighted fenced code, and links for @user and for the
// #N references the reader may see. Raw HTML is never passed through, and the output goes
// through an allow-list sanitizer as well: no scripts, no event handlers, no javascript:
// or data: URLs, images from http(s) only.
import hljs from 'highlight.js/lib/common';
import MarkdownIt from 'markdown-it';
import { full as emoji } from 'markdown-it-emoji';
import taskLists from 'markdown-it-task-lists';
import sanitizeHtml from 'sanitize-html';
import type { ProjectRecord } from '../../domain/index.js';
import type { DomainServices, ResolvedReference, Viewer } from '../../services/index.js';
import { mentionedNames, ticketMentions } from '../../services/index.js';

/** What the links of a text point at, looked up before rendering. */
export interface MarkdownLinks {
  /** The forge's public URL, without a trailing slash. */
  baseUrl: string;
  /** The @names that are users. */
  users: ReadonlySet<string>;
  /** The #N references the reader may see, by their text as written ("#3", "rpms/pkg#3"). */
  references: ReadonlyMap<string, ResolvedReference>;
}

type Token = ReturnType<MarkdownIt['parse']>[number];

const MENTION = /(?<![\w@.])@([A-Za-z0-9][\w.-]*[A-Za-z0-9_]|[A-Za-z0-9])/g;

interface Found {
  index: number;
  length: number;
  href: string;
  title: string;
  className: string;
}

/** The @mentions and #N references of one text token that have somewhere to point. */
function linksIn(text: string, links: MarkdownLinks): Found[] {
  const found: Found[] = [];
  for (const match of text.matchAll(MENTION)) {
    const name = match[1]!;
    if (links.users.has(name))
      found.push({ index: match.index, length: match[0].length, href: `${links.baseUrl}/user/${name}`, title: name, className: 'mention' });
  }
  for (const mention of ticketMentions(text)) {
    const ref = links.references.get(mention.text);
    if (ref)
      found.push({
        index: mention.index,
        length: mention.text.length,
        href: ref.url,
        title: `[${ref.status}] ${ref.title}`,
        className: `ticket-ref ${ref.kind}`,
      });
  }
  found.sort((a, b) => a.index - b.index);
  // Overlaps cannot happen with these patterns, but a later match inside an earlier one is dropped.
  return found.filter((f, i) => i === 0 || f.index >= found[i - 1]!.index + found[i - 1]!.length);
}

/** A core rule: splits text tokens (outside links and code) around @mentions and #N references. */
function forgeLinks(md: MarkdownIt): void {
  md.core.ruler.after('inline', 'pagurus_links', (state) => {
    const links = state.env as MarkdownLinks | undefined;
    if (!links?.baseUrl) return;
    for (const block of state.tokens) {
      if (block.type !== 'inline' || !block.children) continue;
      const out: Token[] = [];
      let insideLink = 0;
      for (const token of block.children) {
        if (token.type === 'link_open') insideLink++;
        if (token.type === 'link_close') insideLink--;
        const found = token.type === 'text' && !insideLink ? linksIn(token.content, links) : [];
        if (!found.length) {
          out.push(token);
          continue;
        }
        let at = 0;
        const text = (content: string) => Object.assign(new state.Token('text', '', 0), { content });
        for (const f of found) {
          if (f.index > at) out.push(text(token.content.slice(at, f.index)));
          const open = new state.Token('link_open', 'a', 1);
          open.attrs = [
            ['href', f.href],
            ['class', f.className],
            ['title', f.title],
          ];
          out.push(open, text(token.content.slice(f.index, f.index + f.length)), new state.Token('link_close', 'a', -1));
          at = f.index + f.length;
        }
        if (at < token.content.length) out.push(text(token.content.slice(at)));
      }
      block.children = out;
    }
  });
}

const md = new MarkdownIt({
  html: false,
  linkify: true,
  typographer: false,
  highlight(code, lang) {
    if (!lang || !hljs.getLanguage(lang)) return '';
    return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
  },
})
  .use(emoji)
  .use(taskLists, { enabled: false, label: true })
  .use(forgeLinks);

/** markdown-it writes a table column's alignment as style="text-align:x"; this keeps it as class="align-x". */
function alignmentClass(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const align = /^text-align:(left|right|center)$/.exec(attribs.style ?? '')?.[1];
  return { tagName, attribs: align ? { class: `align-${align}` } : {} };
}

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'hr',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'blockquote',
    'pre',
    'code',
    'em',
    'strong',
    's',
    'del',
    'ul',
    'ol',
    'li',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'span',
    'input',
    'label',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'class', 'rel'],
    img: ['src', 'alt', 'title'],
    code: ['class'],
    span: ['class'],
    li: ['class'],
    ul: ['class'],
    th: ['class'],
    td: ['class'],
    input: ['type', 'class', 'checked', 'disabled'],
    ol: ['start'],
  },
  allowedClasses: {
    a: ['mention', 'ticket-ref', 'issue', 'pull-request'],
    code: [/^language-[\w+-]+$/],
    span: [/^hljs(-[\w-]+)?$/],
    li: ['task-list-item'],
    ul: ['contains-task-list'],
    input: ['task-list-item-checkbox'],
    th: ['align-left', 'align-right', 'align-center'],
    td: ['align-left', 'align-right', 'align-center'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener' }),
    // Column alignment as a class: the pages' CSP refuses style attributes.
    th: alignmentClass,
    td: alignmentClass,
    // Task-list boxes show state; they are never a form control.
    input: (tagName, attribs) => ({ tagName, attribs: attribs.type === 'checkbox' ? { ...attribs, disabled: '' } : {} }),
  },
  exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs.type !== 'checkbox',
};

/** Safe HTML for `text`, with the links `links` knows of. */
export function renderMarkdown(text: string, links: MarkdownLinks): string {
  return sanitizeHtml(md.render(text, { ...links }), SANITIZE);
}

/**
 * Looks up what the texts of one page link to, for `viewer`: the users they @mention and
 * the #N references they make (from `project`). A few queries, however many references they make.
 */
export async function markdownLinks(
  services: DomainServices,
  viewer: Viewer,
  project: ProjectRecord,
  texts: readonly string[],
  baseUrl: string,
): Promise<MarkdownLinks> {
  const all = texts.join('\n');
  const [users, references] = await Promise.all([
    services.users.existingNames(mentionedNames(all)),
    services.ticketReferences.resolve(viewer, project, all),
  ]);
  return { baseUrl: baseUrl.replace(/\/+$/, ''), users, references: new Map(references.map((r) => [r.text, r])) };
}
