// What travels between processes for one forge event: a compact message with the event's
// log position, where it belongs (project, issue or pull request), who may see it, and the
// little a page needs to update in place. Comment text is not included: a page fetches it
// rendered for its own viewer (references they may not see stay plain).
import type { EventVisibility, ForgeEvent } from '@pagurus/core';

export type TargetKind = 'issue' | 'pr';

export interface SseMessage {
  /** The event's sequence in the log: the SSE `id`, what Last-Event-ID resumes from. */
  seq: number;
  topic: string;
  project: number | null;
  kind: TargetKind | null;
  /** The issue's or pull request's number in its project. */
  n: number | null;
  /** Visibility: the project is private / the issue is private. */
  priv: { p: boolean; i: boolean };
  agent: string | null;
  data: Record<string, unknown>;
}

type Body = Record<string, unknown>;
const record = (value: unknown): Body | undefined => (typeof value === 'object' && value !== null ? (value as Body) : undefined);
const nameOf = (user: unknown): string | null => {
  const name = record(user)?.name;
  return typeof name === 'string' ? name : null;
};
const numberOf = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) ? value : null);

function issueData(issue: Body): Body {
  return {
    title: issue.title,
    status: issue.status,
    close_status: issue.close_status ?? null,
    tags: issue.tags,
    assignee: nameOf(issue.assignee),
    milestone: issue.milestone ?? null,
    priority: issue.priority ?? null,
    private: issue.private,
  };
}

function pullRequestData(pr: Body): Body {
  return {
    title: pr.title,
    status: pr.status,
    tags: pr.tags,
    assignee: nameOf(pr.assignee),
    merge_status: pr.cached_merge_status,
    commit_stop: pr.commit_stop ?? null,
  };
}

function flagData(flag: Body): Body {
  return { username: flag.username, status: flag.status, comment: flag.comment, url: flag.url, percent: flag.percent ?? null };
}

/** The message for an event, or undefined when no page shows it (instance-wide events). */
export function toMessage(event: ForgeEvent): SseMessage | undefined {
  const body = event.body as Body;
  const issue = record(body.issue);
  const pr = record(body.pullrequest) ?? record(body.pull_request);
  const projectPayload = record(body.project) ?? record(pr?.project) ?? record(body.repo);
  // Events recorded before visibility existed carry none: they were public (private ones were dropped).
  const visibility = (event.visibility as EventVisibility | undefined) ?? { projectId: null, projectPrivate: false, issuePrivate: false };
  const project = visibility.projectId ?? numberOf(projectPayload?.id);
  if (project === null) return undefined;
  const kind: TargetKind | null =
    event.topic.startsWith('issue.') && issue ? 'issue' : event.topic.startsWith('pull-request.') && pr ? 'pr' : null;
  const n = kind === 'issue' ? numberOf(issue?.id) : kind === 'pr' ? numberOf(pr?.id) : null;
  let data: Body = {};
  if (kind === 'issue' && issue) {
    data = issueData(issue);
    const comments = Array.isArray(issue.comments) ? issue.comments : [];
    if (event.topic === 'issue.comment.added' && comments.length) data.comment = numberOf(record(comments[comments.length - 1])?.id);
  } else if (kind === 'pr' && pr) {
    data = pullRequestData(pr);
    if (record(body.comment)) data.comment = numberOf(record(body.comment)?.id);
    if (record(body.flag)) data.flag = flagData(record(body.flag)!);
    if (typeof body.merged === 'boolean') data.merged = body.merged;
  } else if (record(body.comment)) {
    data = { comment: numberOf(record(body.comment)?.id) };
  } else if (typeof body.branch === 'string') {
    data = { branch: body.branch };
  }
  return {
    seq: event.sequence,
    topic: event.topic,
    project,
    kind: n === null ? null : kind,
    n,
    priv: { p: visibility.projectPrivate, i: visibility.issuePrivate },
    agent: event.agent,
    data,
  };
}

/** A message read back from pub/sub (another process's JSON): checked before use. */
export function parseMessage(raw: unknown): SseMessage | undefined {
  const m = record(raw);
  if (!m || typeof m.seq !== 'number' || typeof m.topic !== 'string') return undefined;
  const priv = record(m.priv);
  if (!priv || typeof priv.p !== 'boolean' || typeof priv.i !== 'boolean') return undefined;
  const kind = m.kind === 'issue' || m.kind === 'pr' ? m.kind : null;
  return {
    seq: m.seq,
    topic: m.topic,
    project: numberOf(m.project),
    kind,
    n: kind ? numberOf(m.n) : null,
    priv: { p: priv.p, i: priv.i },
    agent: typeof m.agent === 'string' ? m.agent : null,
    data: record(m.data) ?? {},
  };
}

/** The channels a message is sent on: its project's, and its issue's or pull request's. */
export function channelsOf(message: SseMessage): string[] {
  if (message.project === null) return [];
  const channels = [`project:${message.project}`];
  if (message.kind && message.n !== null) channels.push(`${message.kind}:${message.project}:${message.n}`);
  return channels;
}

/** The SSE frame a browser receives: id, then the JSON a page applies. */
export function frameOf(message: SseMessage): string {
  const payload = {
    topic: message.topic,
    project: message.project,
    ...(message.kind === 'issue' ? { issue: message.n } : message.kind === 'pr' ? { pr: message.n } : {}),
    agent: message.agent,
    ...message.data,
  };
  return `id: ${message.seq}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/** Events that can change who may see a project or an issue: streams on it check again. */
export function changesAccess(topic: string): boolean {
  return (
    topic === 'project.edit' ||
    topic === 'project.deleted' ||
    topic.startsWith('project.user.') ||
    topic.startsWith('project.group.') ||
    topic === 'issue.edit' ||
    topic === 'issue.drop' ||
    topic === 'issue.assigned.reset' ||
    topic === 'issue.assigned.added'
  );
}
