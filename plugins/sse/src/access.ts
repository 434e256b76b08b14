// Who may follow what: the channels a stream asks for are checked when it opens (an
// invisible project or issue answers 404, as its page would), and each private event is
// checked again for the stream's viewer, with answers kept for a few seconds.
import { Invalid, NotFound, type ForgeServices, type Viewer } from '@pagurus/core';
import type { SseMessage, TargetKind } from './message.js';

export interface ChannelSpec {
  /** As the client named it: "project:12", "issue:12:3", "pr:12:4". */
  name: string;
  project: number;
  kind: TargetKind | null;
  n: number | null;
}

const CHANNEL = /^(?:project:(\d{1,12})|(issue|pr):(\d{1,12}):(\d{1,12}))$/;

/** Parses `channels=project:12,issue:12:3`; refuses anything else with 400. */
export function parseChannels(raw: unknown, max: number): ChannelSpec[] {
  if (typeof raw !== 'string' || !raw.trim())
    throw Invalid('EINVALIDREQ', 'Name the channels to follow: ?channels=project:<id>,issue:<id>:<n>');
  const names = [...new Set(raw.split(',').map((s) => s.trim()))].filter(Boolean);
  if (names.length > max) throw Invalid('EINVALIDREQ', `At most ${max} channels per stream`);
  return names.map((name) => {
    const match = CHANNEL.exec(name);
    if (!match) throw Invalid('EINVALIDREQ', `Unknown channel: ${name.slice(0, 80)}`);
    if (match[1]) return { name, project: Number(match[1]), kind: null, n: null };
    return { name, project: Number(match[3]), kind: match[2] as TargetKind, n: Number(match[4]) };
  });
}

/** Whether the viewer may follow the channel now (a lookup, no cache). */
export async function mayFollow(services: ForgeServices, viewer: Viewer, channel: ChannelSpec): Promise<boolean> {
  const project = await services.projects.byId(channel.project);
  if (!project || !(await services.access.canView(viewer, project))) return false;
  if (channel.kind === 'issue') {
    const issue = await services.issues.get(project, channel.n!);
    return !!issue && (await services.issues.canSee(viewer, project, issue));
  }
  if (channel.kind === 'pr') return !!(await services.pullRequests.get(project, channel.n!));
  return true;
}

/** Checks every channel for opening a stream: 404 for the first the viewer may not follow. */
export async function authorizeChannels(services: ForgeServices, viewer: Viewer, channels: readonly ChannelSpec[]): Promise<void> {
  for (const channel of channels) {
    if (!(await mayFollow(services, viewer, channel))) {
      throw NotFound(channel.kind === 'issue' ? 'ENOISSUE' : channel.kind === 'pr' ? 'ENOREQ' : 'ENOPROJECT');
    }
  }
}

/** One stream's viewer and its recent answers: may this (private) event be sent? */
export class EventGate {
  // Made on the first private event: most streams never need one.
  private answers: Map<string, { ok: boolean; until: number }> | undefined;

  constructor(
    private readonly services: ForgeServices,
    public viewer: Viewer,
    private readonly ttlMs: number,
  ) {}

  /** True or false at once for public events; a promise when a lookup may be needed. */
  allows(message: SseMessage): boolean | Promise<boolean> {
    if (!message.priv.p && !message.priv.i) return true;
    if (message.project === null) return false;
    // A private issue's event without its number (a comment edited) cannot be checked: not sent.
    if (message.priv.i && (message.kind !== 'issue' || message.n === null)) return false;
    const key = message.priv.i ? `issue:${message.project}:${message.n}` : `project:${message.project}`;
    const known = this.answers?.get(key);
    if (known && known.until > Date.now()) return known.ok;
    const channel: ChannelSpec = message.priv.i
      ? { name: key, project: message.project, kind: 'issue', n: message.n }
      : { name: key, project: message.project, kind: null, n: null };
    return mayFollow(this.services, this.viewer, channel).then(
      (ok) => {
        (this.answers ??= new Map()).set(key, { ok, until: Date.now() + this.ttlMs });
        return ok;
      },
      () => false,
    );
  }

  /** Forgets what was known about a project (its access or an issue's privacy changed). */
  forget(project: number): void {
    const answers = this.answers;
    if (!answers) return;
    for (const key of answers.keys()) if (key.split(':')[1] === String(project)) answers.delete(key);
  }
}
