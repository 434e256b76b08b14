// Hostile input on every route the routers list (core's and a plugin's): NUL bytes, invalid
// UTF-8, long strings, huge and negative numbers and arrays where a string is expected, in
// each path parameter, the query string, a JSON body and a form body. No answer may be a 5xx;
// /api/0 errors are Pagure's JSON; NUL and bad UTF-8 are refused before any handler, with
// nothing written.
import assert from 'node:assert/strict';
import { listRoutes, type RouteEntry } from '../src/http/index.js';
import { createTestForge, describeModes, type TestForge } from '../src/testing/index.js';
import { FIXTURE_PLUGIN, ROUTES_PLUGIN } from './support/fixtures.js';
import { tempDir } from './support/git-client.js';
import { Browser } from './support/page-client.js';
import { pushContent } from './support/repo-content.js';

interface Hostile {
  label: string;
  /** Percent-encoded, for paths and query strings. */
  url: string;
  /** Refused at the edge whatever the route: 400 (404 for raw files and blobs). */
  refusedInUrl: boolean;
}

const LONG_URL = 'x'.repeat(6000); // long, yet under Node's 16 KiB limit on a request's head
const LONG_BODY = 'x'.repeat(100 * 1024);
const HUGE = '18446744073709551616';

const URL_VALUES: Hostile[] = [
  { label: 'NUL', url: 'a%00b', refusedInUrl: true },
  { label: 'invalid UTF-8', url: '%ff%fe', refusedInUrl: true },
  { label: '6 kB', url: LONG_URL, refusedInUrl: false },
  { label: '2^64', url: HUGE, refusedInUrl: false },
  { label: '2^31', url: '2147483648', refusedInUrl: false },
  { label: '-1', url: '-1', refusedInUrl: false },
];

/** Query parameters read by many routes; the "generic" request sets them all at once. */
const QUERY_NAMES = [
  'since',
  'status',
  'author',
  'assignee',
  'tags',
  'pattern',
  'branch',
  'created',
  'updated',
  'closed',
  'order',
  'order_key',
  'weeks_range',
  'milestones',
  'priority',
  'identifier',
  'username',
  'owner',
  'namespace',
  'fork',
  'short',
  'acl',
  'projects',
  'next',
  'q',
  'repopage',
  'forkpage',
  'offset',
  'line',
  'commit',
  'ref',
];

/** Body fields read by many routes; the long value goes only into the first ones (bodies have a 1 MiB limit). */
const BODY_FIELDS = [
  'title',
  'issue_content',
  'comment',
  'content',
  'initial_comment',
  'description',
  'name',
  'tags',
  'branch_from',
  'username',
  'status',
  'close_status',
  'assignee',
  'user',
  'group',
  'branch',
  'branch_to',
  'repo',
  'repo_from',
  'namespace',
  'url',
  'percent',
  'uid',
  'priority',
  'milestone',
  'depends',
  'blocks',
  'from',
  'to',
  'ref',
  'commit',
  'commit_hash',
  'tag',
  'tagname',
  'message',
  'acl',
  'user_type',
  'id',
  'row',
  'line',
  'tree_id',
  'filename',
  'value',
  'main_admin',
  'email',
  'fullname',
  'key',
  'ssh_key',
  'acls',
  'field',
  'note',
  'priorities',
  'milestones',
  'custom_keys',
  'weight',
  'date',
  'new_name',
  'alias_from',
  'alias_to',
];
const LONG_FIELDS = 8;

/** `text` with each `marker` replaced by raw `bytes`. */
const withBytes = (text: string, marker: string, bytes: Buffer) =>
  Buffer.concat(text.split(marker).flatMap((part, i) => (i ? [bytes, Buffer.from(part)] : [Buffer.from(part)])));

interface Answer {
  status: number;
  type: string;
  text: string;
}

describeModes('hostile input on every route', (mode) => {
  let t: TestForge;
  let routes: RouteEntry[];
  let apiHeaders: Record<string, string>;
  let pageHeaders: Record<string, string>;
  const fill: Record<string, string> = {
    repo: 'hello',
    namespace: 'rpms',
    username: 'alice',
    issueid: '1',
    requestid: '1',
    commentid: '1',
    taskid: 'none',
    group: 'devs',
    date: '2024-01-01',
    field: 'severity',
    tag: 'v0.1',
    token: 'none',
    rest: 'main/f/README.md',
    path: 'README.md',
    range: 'main..feature/x',
    branch: 'main',
  };

  before(async function () {
    this.timeout(180_000);
    t = await createTestForge({ mode, plugins: [FIXTURE_PLUGIN, ROUTES_PLUGIN], config: { namespaces: ['rpms'] } });
    const alice = await t.createUser('alice', { admin: true });
    await t.createUser('bob');
    await t.forge.services.groups.create(alice, { name: 'devs' });
    apiHeaders = { Authorization: `token ${await t.createToken('alice', 'all')}` };
    await t.createProject('alice', 'hello', { readme: true });
    await t.createProject('alice', 'hello', { namespace: 'rpms', readme: true });
    const pushed = await pushContent(t.url, await tempDir(), 'hello', { user: 'alice', secret: 'alice-password1' });
    fill.commit = pushed.content;
    fill.commit_hash = pushed.content;
    const ok = async (method: string, path: string, body: unknown) => {
      const res = await t.api<Record<string, unknown>>(method, path, body, apiHeaders);
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    await ok('POST', '/api/0/fork', { repo: 'hello', wait: true });
    await ok('POST', '/api/0/fork', { repo: 'hello', namespace: 'rpms', wait: true });
    await ok('POST', '/api/0/hello/new_issue', { title: 'First', issue_content: 'An issue' });
    await ok('POST', '/api/0/hello/issue/1/comment', { comment: 'A comment' });
    const pr = await ok('POST', '/api/0/hello/pull-request/new', { title: 'A change', branch_to: 'main', branch_from: 'feature/x' });
    fill.uid = String(pr.uid);
    fill.requestid = String(pr.id); // issues and pull requests share one numbering
    await ok('POST', `/api/0/hello/pull-request/${fill.requestid}/comment`, { comment: 'A review' });
    const browser = new Browser(t);
    await browser.logIn('alice', 'alice-password1');
    const { token } = await browser.getForm('/settings');
    pageHeaders = { Cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; '), 'X-CSRF-Token': token };
    routes = listRoutes(t.forge.app!);
  });
  after(() => t?.close());

  const failures: string[] = [];
  /** Every bad answer of the test at once, each naming its route and value. */
  function assertNoFailures(): void {
    const found = failures.splice(0);
    assert.deepEqual(found, [], `${found.length} hostile requests were answered badly`);
  }

  const methodsOf = (route: RouteEntry) => route.methods.filter((m) => m !== 'HEAD');
  /** One of the four project path forms stands for all: they share their handlers. */
  const canonical = (route: RouteEntry) => !route.path.includes(':namespace') && !route.path.includes('/fork/');
  /** Routes that delete, log out or switch features off run last, so the others see the fixtures intact. */
  const late = (route: RouteEntry, method: string) =>
    method === 'DELETE' ||
    /\/(delete|logout|give|token\/revoke|options\/update|settings\/options|settings\/tracker|git\/modifyacls)$/.test(route.path);

  function fillPath(path: string, hostile?: { param: string; value: string }): string {
    return path.replace(/[:*](\w+)/g, (_match, name: string) => (name === hostile?.param ? hostile.value : (fill[name] ?? 'x')));
  }

  async function send(method: string, url: string, route: RouteEntry, body?: { type: string; data: string | Buffer }): Promise<Answer> {
    // A mount gets what its auth reads: a token, the session with its CSRF token, or nothing.
    const auth = route.mount?.auth ?? (route.area === 'api' ? 'token' : 'session');
    const headers: Record<string, string> = { ...(auth === 'token' ? apiHeaders : auth === 'session' ? pageHeaders : {}) };
    if (body) headers['Content-Type'] = body.type;
    const res = await t.fetch(url, { method, headers, body: body?.data, redirect: 'manual' });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  /** Checks one answer; `refused` means the input must have been refused at the edge. */
  function check(what: string, route: RouteEntry, url: string, answer: Answer, refused: boolean): void {
    const problem = (text: string) => void failures.push(`${what} → ${answer.status}: ${text} [${answer.text.slice(0, 160)}]`);
    if (answer.status >= 500) return problem('a server error');
    const api = url.startsWith('/api/') || route.mount?.errors === 'api';
    let code: unknown;
    if (api && answer.status >= 400) {
      try {
        code = (JSON.parse(answer.text) as { error_code?: unknown }).error_code;
      } catch {
        // checked below
      }
      if (typeof code !== 'string' || !answer.type.startsWith('application/json')) return problem("not Pagure's error JSON");
    }
    if (refused) {
      // A bad path on a raw file or blob is just not found; a bad query there is still a bad request.
      const statusIsTheAnswer = !api && !url.includes('?') && /\/(raw|blob)\//.test(url);
      const expected = statusIsTheAnswer ? 404 : 400;
      if (answer.status !== expected) return problem(`expected ${expected}`);
      if (api && code !== 'EINVALIDREQ') return problem('expected EINVALIDREQ');
    }
  }

  /** Runs the requests a few at a time. */
  async function inBatches(jobs: Array<() => Promise<void>>, size = 8): Promise<void> {
    for (let i = 0; i < jobs.length; i += size) await Promise.all(jobs.slice(i, i + size).map((job) => job()));
  }

  function queryJobs(route: RouteEntry, method: string): Array<() => Promise<void>> {
    const jobs: Array<() => Promise<void>> = [];
    const base = fillPath(route.path);
    const variants: Array<[string, Hostile | undefined, string]> = [];
    for (const value of URL_VALUES) {
      variants.push([`page=${value.url}`, value, `page=${value.label}`]);
      if (value.label === '2^31') continue; // just past int4 matters for page only
      variants.push([`per_page=${value.url}`, value, `per_page=${value.label}`]);
      // One long value at a time: all of them would pass Node's 16 KiB limit on the request head.
      const names = value.url.length > 100 ? QUERY_NAMES.slice(0, 1) : QUERY_NAMES;
      variants.push([names.map((name) => `${name}=${value.url}`).join('&'), value, `query=${value.label}`]);
    }
    variants.push(['page=1&page=2&per_page=1&per_page=2', undefined, 'page=array']);
    variants.push([QUERY_NAMES.map((name) => `${name}=1&${name}=2`).join('&'), undefined, 'query=array']);
    for (const [query, value, label] of variants) {
      const url = `${base}?${query}`;
      jobs.push(async () =>
        check(`${method} ${route.path} ${label}`, route, url, await send(method, url, route), value?.refusedInUrl ?? false),
      );
    }
    return jobs;
  }

  function bodyJobs(route: RouteEntry, method: string): Array<() => Promise<void>> {
    if (method === 'GET') return [];
    const url = fillPath(route.path);
    const json = (value: unknown, long = false) =>
      JSON.stringify(Object.fromEntries(BODY_FIELDS.map((f, i) => [f, long && i >= LONG_FIELDS ? 'x' : value])));
    const form = (value: string) => BODY_FIELDS.map((f) => `${f}=${value}`).join('&');
    const bodies: Array<[string, string, string | Buffer, boolean]> = [
      ['json NUL', 'application/json', json('a\u0000b'), true],
      ['json NUL key', 'application/json', JSON.stringify({ 'ti\u0000tle': 'x', nested: { deep: ['ok', 'a\u0000'] } }), true],
      ['json invalid UTF-8', 'application/json', withBytes(json('@BAD@'), '@BAD@', Buffer.from([0xff, 0xfe])), false],
      ['json 100 kB', 'application/json', json(LONG_BODY, true), false],
      ['json 2^64', 'application/json', json(HUGE), false],
      ['json -1', 'application/json', json(-1), false],
      ['json number 2^64', 'application/json', json(18446744073709551616), false],
      ['json array', 'application/json', json(['1', '2']), false],
      ['json object', 'application/json', json({ a: 1 }), false],
      ['form NUL', 'application/x-www-form-urlencoded', form('a%00b'), true],
      ['form invalid UTF-8', 'application/x-www-form-urlencoded', form('%ff%fe'), false],
      [
        'form 100 kB',
        'application/x-www-form-urlencoded',
        BODY_FIELDS.map((f, i) => `${f}=${i < LONG_FIELDS ? LONG_BODY : 'x'}`).join('&'),
        false,
      ],
      ['form 2^64', 'application/x-www-form-urlencoded', form(HUGE), false],
      ['form -1', 'application/x-www-form-urlencoded', form('-1'), false],
      ['form array', 'application/x-www-form-urlencoded', `${form('1')}&${form('2')}`, false],
    ];
    return bodies.map(
      ([label, type, data, refused]) =>
        async () =>
          // A raw mount parses nothing, so a NUL in a body is the plugin's bytes, not refused.
          check(
            `${method} ${route.path} ${label}`,
            route,
            url,
            await send(method, url, route, { type, data }),
            refused && route.mount?.body !== 'raw',
          ),
    );
  }

  it("lists every router's routes, a plugin's included", () => {
    const paths = new Set(routes.map((r) => r.path));
    for (const path of [
      '/api/0/projects',
      '/api/0/:repo/issue/:issueid',
      '/api/0/fork/:username/:namespace/:repo',
      '/api/0/_fixture/notes',
      '/fixture/hello',
      '/api/0/fork/:username/:namespace/:repo/routes/token',
      '/:namespace/:repo/routes-page',
      '/_routes/token/flag',
      '/_routes/raw/upload',
      '/:repo/raw/*rest',
      '/_health',
    ]) {
      assert.ok(paths.has(path), `${path} is listed`);
    }
    assert.ok(routes.length > 400, `${routes.length} routes`);
  });

  it('answers hostile path parameters without a server error, refusing NUL and invalid UTF-8 at the edge', async function () {
    this.timeout(300_000);
    const jobs: Array<() => Promise<void>> = [];
    for (const route of routes) {
      // The other project path forms differ from the canonical one in how they find the project.
      const params = [...route.path.matchAll(/[:*](\w+)/g)]
        .map((m) => m[1]!)
        .filter((p) => canonical(route) || p === 'namespace' || p === 'username');
      for (const method of methodsOf(route)) {
        for (const param of params) {
          // Just past int4 matters for ids only; the other values go everywhere.
          for (const value of URL_VALUES.filter((v) => v.label !== '2^31' || param.endsWith('id'))) {
            const url = fillPath(route.path, { param, value: value.url });
            jobs.push(async () =>
              check(`${method} ${route.path} :${param}=${value.label}`, route, url, await send(method, url, route), value.refusedInUrl),
            );
          }
        }
      }
    }
    await inBatches(jobs);
    assertNoFailures();
  });

  it('answers hostile query parameters without a server error', async function () {
    this.timeout(300_000);
    await inBatches(
      routes.filter(canonical).flatMap((route) =>
        methodsOf(route)
          .filter((m) => !late(route, m))
          .flatMap((m) => queryJobs(route, m)),
      ),
    );
    assertNoFailures();
  });

  it('answers hostile JSON and form bodies without a server error, refusing NUL bytes', async function () {
    this.timeout(300_000);
    await inBatches(
      routes.filter(canonical).flatMap((route) =>
        methodsOf(route)
          .filter((m) => !late(route, m))
          .flatMap((m) => bodyJobs(route, m)),
      ),
      4,
    );
    assertNoFailures();
  });

  it('writes nothing for a refused request', async () => {
    const issues = async () => Number((await t.forge.db.knex('issues').count({ n: '*' }))[0]!.n);
    const notes = async () => Number((await t.forge.db.knex('fixture_notes').count({ n: '*' }))[0]!.n);
    const [issuesBefore, notesBefore] = [await issues(), await notes()];
    const refusedJson = await t.api('POST', '/api/0/hello/new_issue', { title: 'Fine', issue_content: 'a\u0000b' }, apiHeaders);
    assert.deepEqual(
      [refusedJson.status, refusedJson.body],
      [
        400,
        {
          error: 'Invalid or incomplete input submitted',
          error_code: 'EINVALIDREQ',
          errors: { issue_content: ['The value contains a NUL byte'] },
        },
      ],
    );
    const refusedQuery = await t.api('POST', '/api/0/hello/new_issue?title=a%00', { title: 'Fine', issue_content: 'Fine' }, apiHeaders);
    assert.deepEqual(
      [refusedQuery.status, refusedQuery.body],
      [
        400,
        { error: 'Invalid or incomplete input submitted', error_code: 'EINVALIDREQ', errors: { title: ['The value contains a NUL byte'] } },
      ],
    );
    const page = await send(
      'POST',
      '/hello/new_issue',
      { area: 'web', path: '/:repo/new_issue', methods: ['POST'] },
      {
        type: 'application/x-www-form-urlencoded',
        data: 'title=Fine&issue_content=a%00b',
      },
    );
    assert.equal(page.status, 400);
    assert.match(page.type, /^text\/html/);
    const note = await t.api('POST', '/api/0/_fixture/notes', { note: 'a\u0000b' }, apiHeaders);
    assert.equal(note.status, 400);
    assert.deepEqual([await issues(), await notes()], [issuesBefore, notesBefore]);
  });

  it("answers Pagure's JSON for bad UTF-8 and out-of-range numbers in the query, and a status for bad paths", async () => {
    const bad = await t.api('GET', '/api/0/projects?pattern=%ff%fe');
    assert.deepEqual(
      [bad.status, bad.body],
      [
        400,
        {
          error: 'Invalid or incomplete input submitted',
          error_code: 'EINVALIDREQ',
          errors: { pattern: ['The value is not valid UTF-8'] },
        },
      ],
    );
    const huge = await t.api('GET', `/api/0/projects?page=${HUGE}`);
    assert.deepEqual(
      [huge.status, huge.body],
      [
        400,
        {
          error: 'Invalid or incomplete input submitted',
          error_code: 'EINVALIDREQ',
          errors: { page: ['Not a whole number from 1 to 2147483647.'] },
        },
      ],
    );
    assert.equal((await t.api('GET', '/api/0/projects?page=2147483647')).status, 200, 'the largest page is only empty');
    assert.equal(
      (await t.api<{ error_code: string }>('GET', `/api/0/projects?per_page=${HUGE}`)).body.error_code,
      'EINVALIDPERPAGEVALUE',
      'as any per_page above 100',
    );
    const path = await t.api('GET', '/api/0/hel%00lo/issues');
    assert.deepEqual(
      [path.status, path.body],
      [
        400,
        { error: 'Invalid or incomplete input submitted', error_code: 'EINVALIDREQ', errors: { path: ['The path contains a NUL byte'] } },
      ],
    );
    assert.equal((await t.fetch('/hello/raw/main/f/READ%00ME.md')).status, 404);
    assert.equal((await t.fetch('/hello/blob/main/f/%ff')).status, 404);
    assert.equal((await t.fetch('/hello/issues?status=%ff')).status, 400);
    const overflow = await t.fetch(`/api/0/projects?pattern=${'x'.repeat(100 * 1024)}`);
    assert.equal(overflow.status, 431, 'Node refuses a 100 kB request line itself');
    assert.deepEqual(
      await overflow.json(),
      { error: "The request's line or headers are too large", error_code: 'EINVALIDREQ' },
      "with Pagure's error JSON",
    );
  });

  it('answers hostile input on the routes that delete or switch things off, last', async function () {
    this.timeout(300_000);
    const lateRoutes = routes.filter(canonical).flatMap((route) =>
      methodsOf(route)
        .filter((m) => late(route, m))
        .map((m) => [route, m] as const),
    );
    await inBatches(lateRoutes.flatMap(([route, m]) => queryJobs(route, m)));
    await inBatches(
      lateRoutes.flatMap(([route, m]) => bodyJobs(route, m)),
      4,
    );
    assertNoFailures();
  });
});
