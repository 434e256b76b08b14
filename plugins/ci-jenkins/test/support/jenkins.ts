// A stand-in for Jenkins in tests, on loopback: the parts of Jenkins' REST API that
// python-jenkins and Pagure CI use (crumb issuer, buildWithParameters, a build's api/json),
// HTTP Basic auth with API tokens, CSRF crumbs, per-job trigger tokens, and the Notification
// plugin's JSON posted to a callback URL when the test says a build started or finished.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { StandIn, type StubAnswer, type StubRequest } from '@pagurus/core/testing';

export type JenkinsResult = 'SUCCESS' | 'FAILURE' | 'UNSTABLE' | 'ABORTED';
export type JenkinsPhase = 'STARTED' | 'COMPLETED' | 'FINALIZED';

export interface JenkinsOptions {
  /** User -> API token; when given, every request needs HTTP Basic auth `user:token`, else 401. */
  users?: Record<string, string>;
  /** When true, every POST needs a `Jenkins-Crumb` header carrying a crumb the issuer gave out, else 403. */
  csrf?: boolean;
  /** The jobs that exist; a job with a token is only triggered with `token=<it>`, else 403. */
  jobs: Record<string, { token?: string }>;
}

/** One accepted trigger: every parameter sent (query and form body, `token` included). */
export interface JenkinsTrigger {
  job: string;
  params: Record<string, string>;
  user?: string;
  crumb?: string;
  queueId: number;
  build: number;
}

/** A build as the stand-in keeps it; `params` leaves out `token`. */
export interface JenkinsBuild {
  job: string;
  number: number;
  queueId: number;
  params: Record<string, string>;
  result: JenkinsResult | null;
  building: boolean;
}

export class JenkinsStandIn extends StandIn {
  readonly triggers: JenkinsTrigger[] = [];
  private readonly builds = new Map<string, JenkinsBuild[]>();
  private readonly crumbs = new Set<string>();
  private queueIds = 0;

  constructor(private readonly options: JenkinsOptions) {
    super();
  }

  /** A build by job and number, or undefined. */
  build(job: string, number: number): JenkinsBuild | undefined {
    return this.builds.get(job)?.find((b) => b.number === number);
  }

  /** Ends a build with `result`. */
  finish(job: string, number: number, result: JenkinsResult): void {
    const build = this.mustFind(job, number);
    build.result = result;
    build.building = false;
  }

  /** POSTs the Notification plugin's JSON for a build in `phase` to `callbackUrl`; `status` only once it finished. */
  async notify(callbackUrl: string, job: string, number: number, phase: JenkinsPhase): Promise<Response> {
    const build = this.mustFind(job, number);
    const path = this.buildPath(job, number);
    const body = {
      name: job,
      display_name: job,
      url: `job/${encodeURIComponent(job)}/`,
      build: {
        full_url: `${this.url}${path}`,
        number,
        queue_id: build.queueId,
        phase,
        ...(build.result === null ? {} : { status: build.result }),
        url: path,
        scm: {},
        parameters: { ...build.params },
        log: '',
        artifacts: {},
      },
    };
    return fetch(callbackUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  }

  private mustFind(job: string, number: number): JenkinsBuild {
    const build = this.build(job, number);
    if (!build) throw new Error(`JenkinsStandIn: no build ${job} #${number}`);
    return build;
  }

  private buildPath(job: string, number: number): string {
    return `job/${encodeURIComponent(job)}/${number}/`;
  }

  /** Every answer carries the X-Jenkins header, as Jenkins' do. */
  protected answer(request: StubRequest): StubAnswer {
    const answer = this.handle(request);
    return { ...answer, headers: { 'x-jenkins': '2.440.3', ...answer.headers } };
  }

  private handle(request: StubRequest): StubAnswer {
    const url = new URL(request.url, 'http://127.0.0.1');
    let segments: string[];
    try {
      segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      return text(400, 'Bad path');
    }

    // Auth: with users configured, every request needs a valid user:token.
    const user = this.authenticate(request.headers.authorization);
    if (this.options.users && user === undefined) {
      return text(401, 'Invalid password/token for user', { 'www-authenticate': 'Basic realm="Jenkins"' });
    }

    // CSRF: every POST needs a crumb the issuer gave out.
    const crumb = header(request.headers, 'jenkins-crumb');
    if (this.options.csrf && request.method === 'POST' && (crumb === undefined || !this.crumbs.has(crumb))) {
      return text(403, 'No valid crumb was included in the request');
    }

    const [first, job, action, api, json, ...rest] = segments;
    if (first === 'crumbIssuer' && job === 'api' && action === 'json' && segments.length === 3 && request.method === 'GET') {
      return this.issueCrumb();
    }
    if (first === 'job' && job !== undefined && (action === 'buildWithParameters' || action === 'build') && segments.length === 3) {
      if (request.method !== 'POST') return text(405, 'Method Not Allowed');
      return this.trigger(request, job, url.searchParams, user, crumb);
    }
    if (first === 'job' && job !== undefined && /^\d+$/.test(action ?? '') && api === 'api' && json === 'json' && rest.length === 0) {
      const build = this.build(job, Number(action));
      if (!build) return text(404, 'Not Found');
      return jsonAnswer(200, this.buildJson(build));
    }
    return text(404, 'Not Found');
  }

  /** The user whose `Authorization: Basic` user:token matches, or undefined. */
  private authenticate(authorization: string | undefined): string | undefined {
    const users = this.options.users;
    const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
    if (!users || !match?.[1]) return undefined;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const name = decoded.slice(0, colon);
    return Object.hasOwn(users, name) && users[name] === decoded.slice(colon + 1) ? name : undefined;
  }

  private issueCrumb(): StubAnswer {
    if (!this.options.csrf) return text(404, 'Not Found');
    const crumb = randomBytes(32).toString('hex');
    this.crumbs.add(crumb);
    return jsonAnswer(200, { _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb, crumbRequestField: 'Jenkins-Crumb' });
  }

  /** buildWithParameters: checks the job and its token, queues build n, answers 201 with the queue item. */
  private trigger(
    request: StubRequest,
    job: string,
    query: URLSearchParams,
    user: string | undefined,
    crumb: string | undefined,
  ): StubAnswer {
    if (!Object.hasOwn(this.options.jobs, job)) return text(404, 'Not Found');
    const params = Object.fromEntries(query);
    if (/^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '')) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(request.text)));
    }
    const token = this.options.jobs[job]?.token;
    if (token !== undefined && params.token !== token) return text(403, 'Invalid token');

    const builds = this.builds.get(job) ?? [];
    this.builds.set(job, builds);
    const queueId = ++this.queueIds;
    const number = builds.length + 1;
    const { token: _token, ...buildParams } = params;
    builds.push({ job, number, queueId, params: buildParams, result: null, building: true });
    this.triggers.push({
      job,
      params,
      ...(user === undefined ? {} : { user }),
      ...(crumb === undefined ? {} : { crumb }),
      queueId,
      build: number,
    });
    return { status: 201, headers: { location: `${this.url}queue/item/${queueId}/`, 'content-length': '0' }, body: '' };
  }

  /** A build's api/json, as Jenkins answers it for a freestyle build with string parameters. */
  private buildJson(build: JenkinsBuild): Record<string, unknown> {
    return {
      _class: 'hudson.model.FreeStyleBuild',
      number: build.number,
      queueId: build.queueId,
      url: `${this.url}${this.buildPath(build.job, build.number)}`,
      result: build.result,
      building: build.building,
      fullDisplayName: `${build.job} #${build.number}`,
      actions: [
        {
          _class: 'hudson.model.ParametersAction',
          parameters: Object.entries(build.params).map(([name, value]) => ({
            _class: 'hudson.model.StringParameterValue',
            name,
            value,
          })),
        },
      ],
    };
  }
}

/** A request header as one string (the first, if repeated). */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function text(status: number, body: string, headers: Record<string, string> = {}): StubAnswer {
  return { status, headers: { 'content-type': 'text/plain;charset=utf-8', ...headers }, body };
}

function jsonAnswer(status: number, value: object): StubAnswer {
  return { status, headers: { 'content-type': 'application/json;charset=utf-8' }, body: value };
}
