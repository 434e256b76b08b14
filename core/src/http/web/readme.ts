// A folder's README for the overview and the file browser: found by name, read up to a
// size, rendered when it is Markdown and shown as text otherwise.
import { readBlob, type TreeEntry } from '../../git/index.js';
import type { DomainServices } from '../../services/index.js';
import { markdownLinks, renderMarkdown } from './markdown.js';
import type { ProjectView } from './page-kit.js';

export interface Readme {
  name: string;
  html?: string;
  text?: string;
}

const README = /^readme(\.(md|markdown|txt|rst))?$/i;

export function isMarkdownFile(name: string): boolean {
  return /\.(md|markdown)$/i.test(name);
}

/** Markdown rendered for the viewer, with their @user and #N links. */
export async function markdownFor(services: DomainServices, view: ProjectView, text: string, baseUrl: string): Promise<string> {
  return renderMarkdown(text, await markdownLinks(services, view.viewer, view.record, [text], baseUrl));
}

/** The README among a folder's entries, read up to `maxBytes`; undefined when there is none. */
export async function readmeOf(
  services: DomainServices,
  view: ProjectView,
  entries: readonly TreeEntry[],
  baseUrl: string,
  maxBytes: number,
): Promise<Readme | undefined> {
  const entry = entries.find((e) => e.type === 'blob' && README.test(e.name));
  if (!entry) return undefined;
  const text = (await readBlob(view.dir, entry.oid, maxBytes)).data.toString('utf8');
  return isMarkdownFile(entry.name)
    ? { name: entry.name, html: await markdownFor(services, view, text, baseUrl) }
    : { name: entry.name, text };
}
