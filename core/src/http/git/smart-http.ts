// Git's smart HTTP protocol: resolve the project, authorise, then run upload-pack or
// receive-pack and stream the request into it and its output back, never buffering a pack.
import { createGunzip } from 'node:zlib';
import type { ChildProcessByStdio } from 'node:child_process';
import { PassThrough, pipeline, type Readable, type Writable } from 'node:stream';
import type { Middleware } from 'koa';
import type { Repositories } from '../../git/index.js';
import { PKT_FLUSH, pktLine, spawnService, type GitService } from '../../git/index.js';
import type { ForgeContext, ForgeContextExtras, ForgeState } from '../../plugins/index.js';
import type { DomainServices, PushIdentities } from '../../services/index.js';
import { gitCredentials } from './basic-auth.js';
import { hookEnvironment } from './hook-callback.js';
import { parseGitUrl } from './git-paths.js';
import { checkV2Fetch } from './fetch-wants.js';
import { ServiceSlots, watchIdle, type ServiceLimitOptions } from './service-limits.js';

export interface SmartHttpOptions {
  services: DomainServices;
  repositories: Repositories;
  instanceName: string;
  allowPull: boolean;
  allowPush: boolean;
  /** Signs who pushes, for receive-pack's hooks to hand back. */
  identities: PushIdentities;
  /** Concurrency caps (per client address, per repository) and the idle timeout of git requests. */
  limits: ServiceLimitOptions;
}

/**
 * Where the hooks call back: the very address and port that accepted this request, so the
 * call reaches this forge however it is deployed (behind a proxy, several processes).
 */
function hookUrl(ctx: ForgeContext): string {
  const socket = ctx.req.socket;
  let host = (socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  if (host === '::' || host === '0.0.0.0') host = '127.0.0.1';
  if (host.includes(':')) host = `[${host}]`;
  return `http://${host}:${socket.localPort}`;
}

function plain(ctx: ForgeContext, status: number, message: string): void {
  ctx.status = status;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = `${message}\n`;
}

/** Asks git for credentials: git only sends them after a 401 with a challenge. */
function challenge(ctx: ForgeContext, realm: string, message = 'Authentication required'): void {
  ctx.set('WWW-Authenticate', `Basic realm="${realm.replace(/"/g, '')}", charset="UTF-8"`);
  plain(ctx, 401, message);
}

const GIT_PROTOCOL = /^[\w.=:-]{1,100}$/;

export function smartHttp(options: SmartHttpOptions): Middleware<ForgeState, ForgeContextExtras> {
  const { services } = options;
  const slots = new ServiceSlots(options.limits);
  return async (ctx, next) => {
    const route = parseGitUrl(ctx.path, options.repositories.types);
    if (!route) return next();
    let service: GitService;
    if (route.endpoint === 'info/refs') {
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return plain(ctx, 405, 'Use GET for info/refs');
      const asked = ctx.query.service;
      if (asked !== 'git-upload-pack' && asked !== 'git-receive-pack')
        return plain(ctx, 403, 'Only the smart HTTP protocol is served: use a git client newer than 1.6.6');
      service = asked.slice(4) as GitService;
    } else {
      if (ctx.method !== 'POST') return plain(ctx, 405, `Use POST for ${route.endpoint}`);
      service = route.endpoint.slice(4) as GitService;
      if (!ctx.is(`application/x-git-${service}-request`))
        return plain(ctx, 415, `Expected a body of type application/x-git-${service}-request`);
    }
    const pushing = service === 'receive-pack';
    if (pushing ? !options.allowPush : !options.allowPull)
      return plain(ctx, 403, `${pushing ? 'Pushing' : 'Fetching'} over HTTP is disabled on this forge`);

    const credentials = await gitCredentials(ctx.get('Authorization'), ctx.ip, services);
    if (credentials.kind === 'invalid') return challenge(ctx, options.instanceName, 'Wrong user name, password or token');
    const actor = credentials.kind === 'user' ? { user: credentials.user, token: credentials.token } : { user: null };
    const decision = await services.gitAccess.decide(route, service, actor);
    if (!decision.ok) {
      if (decision.reason === 'authenticate') return challenge(ctx, options.instanceName);
      return plain(ctx, decision.reason === 'not-found' ? 404 : 403, decision.message);
    }
    const { project, repository } = decision;

    // Each request below runs one git process: it holds a slot until that process is gone.
    const slot = slots.acquire(ctx.ip, repository);
    if ('refused' in slot) {
      ctx.set('Retry-After', '10');
      return slot.refused === 'address'
        ? plain(ctx, 429, 'Too many git requests from your address at once: wait for one to finish')
        : plain(ctx, 503, `${project.name} is serving too many git requests at once: try again shortly`);
    }
    let child: ChildProcessByStdio<Writable, Readable, Readable> | undefined;
    const stopWatching = watchIdle(ctx.req.socket, options.limits.idleTimeoutMs, () => {
      ctx.state.log.warn({ service, idleMs: options.limits.idleTimeoutMs }, 'git request idle: cut off');
      child?.kill();
      ctx.req.destroy();
    });
    const done = () => {
      stopWatching();
      slot.release();
    };
    try {
      // Typed repositories run no hooks: nothing of the forge follows their pushes.
      const env = decision.hooks ? hookEnvironment(options.identities, hookUrl(ctx), decision.pushAs, project.id, repository) : {};
      child = await serve(ctx, { service, repository, advertise: route.endpoint === 'info/refs', env, hooks: decision.hooks });
    } finally {
      // Released as the process ends: its output's end comes first (before the response's
      // end reaches the client, who may send its next request at once), then 'exit', or
      // 'close' after an 'error' when it could not start.
      if (child) {
        child.stdout.once('end', done);
        child.once('exit', done).once('close', done);
      } else done();
    }
  };
}

interface ServeRequest {
  service: GitService;
  repository: string;
  advertise: boolean;
  env: NodeJS.ProcessEnv;
  hooks: boolean;
}

/**
 * Runs the git service for an authorised request and streams it: the request body in, the
 * answer out. Returns the process, or undefined when the request was answered without one.
 */
async function serve(
  ctx: ForgeContext,
  { service, repository, advertise, env, hooks }: ServeRequest,
): Promise<ChildProcessByStdio<Writable, Readable, Readable> | undefined> {
  const protocol = ctx.get('Git-Protocol');
  // Protocol v2 would serve any object by its name: its wants are checked first.
  let v2Request: Buffer | undefined;
  if (service === 'upload-pack' && !advertise && /version=2/.test(protocol)) {
    const checked = await checkV2Fetch(ctx, repository);
    if (!checked.ok) {
      ctx.status = checked.status;
      ctx.type = checked.status === 200 ? `application/x-git-${service}-result` : 'text/plain; charset=utf-8';
      ctx.body = checked.body;
      return undefined;
    }
    v2Request = checked.request;
  }
  const child = spawnService(service, repository, { advertise, protocol: GIT_PROTOCOL.test(protocol) ? protocol : undefined, env, hooks });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  child.on('close', (code) => {
    if (code !== 0) ctx.state.log.warn({ service, code, stderr: stderr.trim() }, 'git service failed');
  });
  child.on('error', (error) => ctx.state.log.error({ err: error }, 'could not start git'));
  // A client that goes away takes its git process with it.
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished && child.exitCode === null && child.signalCode === null) child.kill();
  });

  ctx.set('Cache-Control', 'no-cache, max-age=0, must-revalidate');
  ctx.set('Expires', 'Fri, 01 Jan 1980 00:00:00 GMT');
  ctx.set('Pragma', 'no-cache');
  if (advertise) {
    ctx.type = `application/x-git-${service}-advertisement`;
    child.stdin.end();
    const body = new PassThrough();
    // Protocol v2 answers without the service line, as git http-backend does.
    if (!/version=2/.test(protocol)) body.write(Buffer.concat([pktLine(`# service=git-${service}\n`), PKT_FLUSH]));
    child.stdout.pipe(body);
    ctx.body = body;
    return child;
  }
  ctx.type = `application/x-git-${service}-result`;
  const gzipped = /gzip/i.test(ctx.get('Content-Encoding'));
  const onError = (error: Error | null) => {
    if (error) {
      ctx.state.log.warn({ err: error }, 'git request stream failed');
      child.kill();
    }
  };
  if (v2Request) child.stdin.end(v2Request);
  else if (gzipped) pipeline(ctx.req, createGunzip(), child.stdin, onError);
  else pipeline(ctx.req, child.stdin, onError);
  ctx.body = child.stdout;
  return child;
}
