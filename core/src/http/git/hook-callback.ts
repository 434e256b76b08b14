// The forge's side of the git hooks: receive-pack's pre-receive and post-receive hooks POST
// the pushed ref updates here with the signed push identity; pre-receive gets the push
// policy's verdict, post-receive queues the git.receive job. Only git hooks call this.
import type { Middleware } from 'koa';
import { faultPoint, projectUrlPath, repositoryPath, type ProjectRecord } from '../../domain/index.js';
import { aliasTargets, forgetRefs, headTarget, isNullRev, REFS_HEADS, type Repositories } from '../../git/index.js';
import type { ForgeContextExtras, ForgeState, JobQueueApi } from '../../plugins/index.js';
import {
  deployKeyName,
  GIT_JOBS,
  hookLine,
  pushIdOf,
  pusherName,
  receiveJobKey,
  readSettings,
  type DomainServices,
  type Pusher,
  type PushAs,
  type PushIdentities,
  type PushIdentity,
  type RefUpdate,
} from '../../services/index.js';

export const HOOK_CALLBACK_PATH = '/_pagurus/git-hook';

/**
 * What receive-pack's hooks need to call the forge back at `baseUrl` and say who pushes
 * (a signed identity); nothing for a fetch (`pushAs` undefined). Git over HTTP and plugins
 * carrying git (forge.git.serve) give their git this same environment.
 */
export function hookEnvironment(
  identities: PushIdentities,
  baseUrl: string,
  pushAs: PushAs | undefined,
  projectId: number,
  repository: string,
): NodeJS.ProcessEnv {
  if (pushAs === undefined) return {};
  return {
    PAGURUS_HOOK_URL: `${baseUrl.replace(/\/+$/, '')}${HOOK_CALLBACK_PATH}`,
    PAGURUS_HOOK_TOKEN: identities.issue({ ...pushAs, projectId, repository }),
  };
}

/** Enough for a push of some hundred thousand refs (a mirror's tags, say). */
const MAX_BODY = 64 * 1024 * 1024;

export interface HookCallbackOptions {
  services: DomainServices;
  repositories: Repositories;
  identities: PushIdentities;
  jobs: JobQueueApi;
  /** The forge's public URL, for the links printed after a push. */
  publicUrl: () => string;
}

interface HookBody {
  hook: 'pre-receive' | 'post-receive';
  updates: RefUpdate[];
  objects: Record<string, string | null>;
}

async function readJson(stream: NodeJS.ReadableStream): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function parseBody(value: unknown): HookBody | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const body = value as Partial<HookBody>;
  if (body.hook !== 'pre-receive' && body.hook !== 'post-receive') return undefined;
  if (!Array.isArray(body.updates)) return undefined;
  const updates = body.updates.filter(
    (u): u is RefUpdate => !!u && typeof u.ref === 'string' && typeof u.oldRev === 'string' && typeof u.newRev === 'string',
  );
  if (updates.length !== body.updates.length) return undefined;
  return { hook: body.hook, updates, objects: body.objects && typeof body.objects === 'object' ? body.objects : {} };
}

/** Only the quarantine variables, and only paths inside the repository, reach git. */
function quarantineEnv(objects: Record<string, string | null>, repository: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_QUARANTINE_PATH']) {
    const value = objects[key];
    if (typeof value !== 'string' || !value) continue;
    const inside = value.split(':').every((dir) => dir === repository || dir.startsWith(`${repository}/`));
    if (inside) env[key] = value;
  }
  return env;
}

/**
 * The updates as git made them: a push to a branch alias (a symbolic ref) moved the alias'
 * target, which is what post-receive reports (pre-receive refused deleting an alias). When
 * an alias and its target were pushed together git wrote the target once: one update each.
 */
async function writtenUpdates(repository: string, updates: readonly RefUpdate[]): Promise<RefUpdate[]> {
  const aliases = await aliasTargets(
    repository,
    updates.map((u) => u.ref),
  );
  const written = new Map<string, RefUpdate>();
  for (const update of updates) {
    const ref = aliases.get(update.ref) ?? update.ref;
    if (!written.has(ref)) written.set(ref, { ...update, ref });
  }
  return [...written.values()];
}

/**
 * What git prints after a push of branches other than the default one, as Pagure does: a
 * link to open a pull request from each (into the parent, for a fork), when PRs are on.
 */
async function pullRequestHints(
  options: HookCallbackOptions,
  project: ProjectRecord,
  repository: string,
  updates: readonly RefUpdate[],
): Promise<string[]> {
  const pushed = updates.filter((u) => u.ref.startsWith(REFS_HEADS) && !isNullRev(u.newRev)).map((u) => u.ref.slice(REFS_HEADS.length));
  if (!pushed.length) return [];
  const target = project.isFork && project.parentId !== null ? await options.services.projectQueries.byId(project.parentId) : project;
  if (!target || !readSettings(target).pull_requests) return [];
  const head = (await headTarget(repository))?.slice(REFS_HEADS.length);
  const base = options.publicUrl().replace(/\/+$/, '');
  const lines: string[] = [];
  for (const branch of pushed) {
    if (branch === head) continue;
    lines.push(
      `Create a pull request for ${branch}:`,
      `  ${base}/${projectUrlPath(project)}/diff/${encodeURIComponent(head ?? 'main')}..${branch.split('/').map(encodeURIComponent).join('/')}`,
    );
  }
  return lines;
}

const pusherAs = (pusher: Pusher): { userId: number } | { deployKeyId: number } =>
  pusher.user ? { userId: pusher.user.id } : { deployKeyId: pusher.deployKey.id };

/** The pusher the identity names: a user who still exists, or the project's deploy key. */
async function pusherOf(services: DomainServices, identity: PushIdentity, project: ProjectRecord): Promise<Pusher | undefined> {
  if (identity.deployKeyId !== undefined)
    return { deployKey: { id: identity.deployKeyId, projectId: project.id, name: deployKeyName(project, identity.deployKeyId) } };
  const user = (await services.users.byIds([identity.userId])).get(identity.userId);
  return user && { user };
}

export function hookCallback(options: HookCallbackOptions): Middleware<ForgeState, ForgeContextExtras> {
  const { services } = options;
  return async (ctx) => {
    const answer = (status: number, ok: boolean, messages: string[]) => {
      ctx.status = status;
      ctx.body = { ok, messages };
    };
    if (ctx.method !== 'POST') return answer(405, false, ['Use POST']);
    const token = (ctx.get('Authorization').match(/^Bearer (.+)$/) ?? [])[1] ?? '';
    const identity = options.identities.verify(token);
    if (!identity) return answer(401, false, ['This push was not authorised by Pagurus.']);
    const pushId = pushIdOf(token);
    let body: HookBody | undefined;
    try {
      body = parseBody(await readJson(ctx.req));
    } catch {
      body = undefined;
    }
    if (!body) return answer(400, false, ['The hook sent a request Pagurus does not understand.']);

    const project = await services.projectQueries.byId(identity.projectId);
    const pusher = project && (await pusherOf(services, identity, project));
    if (!project || !pusher) return answer(404, false, ['The project or the pusher no longer exists.']);
    const repository = options.repositories.pathOf(repositoryPath(project));
    if (repository !== identity.repository) return answer(409, false, ['The project moved while this push was running; push again.']);

    if (body.hook === 'pre-receive') {
      const refusals = await services.pushPolicy.check({
        pusher,
        project,
        repository,
        updates: body.updates,
        objects: quarantineEnv(body.objects, repository),
      });
      if (refusals.length) {
        ctx.state.log.info({ project: project.id, user: pusherName(pusher), refusals }, 'push refused');
        return answer(200, false, ['Pagurus refused this push:', ...refusals.map((r) => `  ${r}`)]);
      }
      // Written down before git moves a ref: should this process die before post-receive
      // queues the job, a reconcile finds the push and queues it.
      const accepted = await writtenUpdates(repository, body.updates);
      await services.pushLedger.record(pushId, project, pusherAs(pusher), accepted.map(hookLine));
      await faultPoint('push:accepted');
      return answer(200, true, []);
    }
    // The refs just moved: reads must not answer from what was known of them before.
    forgetRefs(repository);
    await faultPoint('push:refs-moved');
    const updates = await writtenUpdates(repository, body.updates);
    await options.jobs.enqueue(
      GIT_JOBS.receive,
      { projectId: project.id, ...pusherAs(pusher), updates: updates.map(hookLine), pushId },
      { key: receiveJobKey(pushId) },
    );
    return answer(200, true, await pullRequestHints(options, project, repository, updates));
  };
}
