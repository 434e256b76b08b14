// Pagure's JSON for activity entries ({id, type, ref_id, date, date_created, user}) and the
// one-line HTML description (description_mk) its markdown renderer makes of each.
import { projectFullname, projectUrlPath, type ProjectRecord, type UserRecord } from '../../domain/index.js';
import { epochString, fullUrl } from '../json/common.js';
import { userJson, type UserJson } from '../json/user-json.js';
import type { ActivityEntry } from './activity-service.js';

export interface ActivityJson {
  id: number;
  type: string;
  ref_id: string;
  /** The UTC date of the entry, YYYY-MM-DD. */
  date: string;
  date_created: string;
  user: UserJson;
  description_mk: string;
}

/** A grouped day shows each project's commits as one line. */
export interface GroupedCommitsJson {
  description_mk: string;
}

const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttribute = (text: string) => escapeText(text).replace(/"/g, '&quot;');

/** Rendered text is wrapped as Pagure's markdown wraps every paragraph. */
const markdownParagraph = (html: string) => `<div class="markdown"><p>${html}</p></div>`;

/** Project names Pagure's `<project>#<commit>` link pattern recognises: letters, digits, "_" and "-". */
const LINKABLE_PART = /^[A-Za-z0-9_-]+$/;

/**
 * "<project>#<hash>" as Pagure renders it when its `<project>#<commit>` pattern recognises
 * it: a fork loses "forks/" ("alice/rpms/bash#…"), and the text links to the commit when
 * the project is public. Otherwise the plain text.
 */
function commitReference(project: ProjectRecord, ref: string): string {
  const hash = /^\w{40}/.exec(ref)?.[0];
  const parts = [project.namespace, project.name, project.isFork ? project.ownerName : null].filter((p): p is string => p !== null);
  if (!hash || !parts.every((p) => LINKABLE_PART.test(p))) return escapeText(`${projectFullname(project)}#${ref}`);
  const text = escapeText(
    `${project.isFork ? `${project.ownerName}/` : ''}${project.namespace ? `${project.namespace}/` : ''}${project.name}#${hash}`,
  );
  const rest = escapeText(ref.slice(hash.length));
  if (project.private) return text + rest;
  const href = `/${projectUrlPath(project)}/c/${hash}`;
  return `<a href="${escapeAttribute(href)}" title="Commit ${escapeAttribute(hash)}">${text}</a>${rest}`;
}

/** Pagure's verbs for each kind of entry; kinds added later bring their own. */
const VERBS: Record<string, string> = { committed: 'committed on' };

/** The description of one entry, as HTML: "alice committed on rpms/bash#<hash>". */
export function activityDescription(entry: ActivityEntry, user: Pick<UserRecord, 'name'>): string {
  const verb = VERBS[entry.kind] ?? '';
  const object =
    entry.kind === 'committed' ? commitReference(entry.project, entry.ref) : escapeText(`${projectFullname(entry.project)}#${entry.ref}`);
  return markdownParagraph(`${escapeText(user.name)} ${escapeText(verb)} ${object}`);
}

export function activityJson(entry: ActivityEntry, user: Pick<UserRecord, 'name' | 'fullname'>, baseUrl: string): ActivityJson {
  return {
    id: entry.id,
    type: entry.kind,
    ref_id: entry.ref,
    date: entry.utcDate,
    date_created: epochString(entry.occurredAt),
    user: userJson(user, baseUrl),
    description_mk: activityDescription(entry, user),
  };
}

/** "@alice pushed 3 commits to rpms/bash", the mention linking to the user's page. */
function pushedCommits(user: Pick<UserRecord, 'name'>, count: number, project: ProjectRecord, baseUrl: string): string {
  // Pagure's mention pattern takes the letters, digits and "_" after "@" as the name.
  const mention = /^\w+$/.test(user.name)
    ? `<a href="${escapeAttribute(fullUrl(baseUrl, `user/${user.name}`))}">@${escapeText(user.name)}</a>`
    : `@${escapeText(user.name)}`;
  return markdownParagraph(`${mention} pushed ${count} commits to ${escapeText(projectFullname(project))}`);
}

/**
 * The entries of one day, as /user/<name>/activity/<date> lists them. Grouped: first one
 * line per project with commits (in the order the projects first appear), a single commit
 * described as itself, then every other entry in full.
 */
export function activityDayJson(
  entries: readonly ActivityEntry[],
  user: Pick<UserRecord, 'name' | 'fullname'>,
  baseUrl: string,
  grouped: boolean,
): Array<ActivityJson | GroupedCommitsJson> {
  if (!grouped) return entries.map((entry) => activityJson(entry, user, baseUrl));
  const commits = new Map<string, ActivityEntry[]>();
  const others: ActivityEntry[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'committed') {
      others.push(entry);
      continue;
    }
    const key = projectFullname(entry.project);
    const list = commits.get(key);
    if (list) list.push(entry);
    else commits.set(key, [entry]);
  }
  const lines: GroupedCommitsJson[] = [...commits.values()].map((list) => ({
    description_mk: list.length === 1 ? activityDescription(list[0]!, user) : pushedCommits(user, list.length, list[0]!.project, baseUrl),
  }));
  return [...lines, ...others.map((entry) => activityJson(entry, user, baseUrl))];
}
