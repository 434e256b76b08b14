// createTestForge: boots a forge exactly as the CLI does, on a database and queue of its
// own, listening on a free loopback port, and takes it all down again on close().
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { loadConfig, type ConfigKey, type PluginEntry } from '../config/index.js';
import { Forge } from '../forge.js';
import { parseFullname, PROJECT_TOKEN_ACLS, USER_ACLS, type ProjectRecord, type UserRecord } from '../domain/index.js';
import type { ProcessRole } from '../plugins/index.js';
import { MODE_LABEL, serverServices, type TestMode } from './modes.js';
import { deleteRedisKeys, dropSchema, pgliteTemplate, uniqueSuffix } from './services.js';

export interface TestForgeOptions {
  mode?: TestMode;
  /** Package names or paths (resolved from `baseDir`), or entries with options. */
  plugins?: Array<string | PluginEntry>;
  theme?: string;
  /** Any other config key, dotted: { 'worker.concurrency': 2 }. */
  config?: Partial<Record<ConfigKey, unknown>>;
  /** Where plugin and theme specs resolve from (default: the current directory). */
  baseDir?: string;
  role?: ProcessRole;
  /** Listen on a free port (web role only; default true). */
  listen?: boolean;
  /** Run queued jobs in this process, in both modes (default true: a test forge is a whole forge). */
  processJobs?: boolean;
  /** Where the forge logs (default: silent, or the level in PAGURUS_TEST_LOG). */
  logger?: Logger;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestForge {
  forge: Forge;
  mode: TestMode;
  /** The public URL, once listening. */
  url: string;
  /** The config overrides that reach this forge's database and queue, for spawning CLI processes against them. */
  env: Record<string, string>;
  /** fetch() relative to the forge's URL. */
  fetch(pathname: string, init?: RequestInit): Promise<Response>;
  /** A JSON API call: body objects are sent as JSON. */
  api<T = Record<string, unknown>>(
    method: string,
    pathname: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>>;
  /** A user with a password ("<name>-password1" unless given) and an email (<name>@example.test). */
  createUser(name: string, options?: { password?: string; admin?: boolean; fullname?: string; email?: string }): Promise<UserRecord>;
  /** An API token's value; `project` (a fullname) binds it to one project. */
  createToken(username: string, acls: readonly string[] | 'all', options?: { project?: string }): Promise<string>;
  /** A project with its repository, made as POST /api/0/new would (and waited for). */
  createProject(
    owner: string,
    name: string,
    options?: { namespace?: string; private?: boolean; readme?: boolean; description?: string },
  ): Promise<ProjectRecord>;
  /**
   * Waits until every durable subscriber has handled every event recorded so far (and the
   * `event` hook's listeners have returned); fails after `timeoutMs`.
   */
  drainEvents(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function createTestForge(options: TestForgeOptions = {}): Promise<TestForge> {
  const mode = options.mode ?? 'embedded';
  const role = options.role ?? 'web';
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pagurus-test-'));
  const suffix = uniqueSuffix();
  const env: Record<string, string> = { PAGURUS_DATA_DIR: dataDir };
  const cleanups: Array<() => Promise<void>> = [async () => rmSync(dataDir, { recursive: true, force: true })];
  if (mode === 'server') {
    const services = serverServices();
    if (!services) throw new Error(`${MODE_LABEL.server} mode needs PAGURUS_TEST_DATABASE_URL and PAGURUS_TEST_REDIS_URL`);
    Object.assign(env, {
      PAGURUS_DATABASE_URL: services.databaseUrl,
      PAGURUS_DATABASE_SCHEMA: `test_${suffix}`,
      PAGURUS_REDIS_URL: services.redisUrl,
      PAGURUS_REDIS_PREFIX: `pagurus-test-${suffix}`,
    });
    cleanups.push(() => dropSchema(services.databaseUrl, `test_${suffix}`));
    cleanups.push(() => deleteRedisKeys(services.redisUrl, `pagurus-test-${suffix}`));
  }
  const runCleanups = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  let forge: Forge;
  try {
    const config = loadConfig({
      env: {},
      cwd: options.baseDir ?? process.cwd(),
      overrides: {
        data_dir: dataDir,
        port: 0,
        host: '127.0.0.1',
        'log.level': process.env.PAGURUS_TEST_LOG ?? 'silent',
        // Tests make thousands of password hashes: a cheap scrypt cost keeps them fast (the
        // default, 17, costs half a second a hash). A test may ask for the real one in config.
        'login.password_cost': 12,
        // No storm guard unless a test asks for one: a held mail would wait out its window.
        'mail.batch_after': 10000,
        'database.url': env.PAGURUS_DATABASE_URL,
        'database.schema': env.PAGURUS_DATABASE_SCHEMA,
        'redis.url': env.PAGURUS_REDIS_URL,
        'redis.prefix': env.PAGURUS_REDIS_PREFIX,
        plugins: options.plugins ?? [],
        theme: options.theme,
        ...options.config,
      },
    });
    forge = await Forge.create({
      role,
      config,
      migrations: 'run',
      processJobs: options.processJobs ?? true,
      logger: options.logger ?? pino({ level: config.log.level }),
      ...(mode === 'embedded' ? { pgliteTemplate: await pgliteTemplate() } : {}),
    });
  } catch (error) {
    await runCleanups();
    throw error;
  }
  const url = role === 'web' && options.listen !== false ? await forge.listen() : '';
  const services = forge.services;
  const userNamed = async (name: string) => {
    const user = await services.users.byName(name);
    if (!user) throw new Error(`no user ${name}; make it with createUser first`);
    return user;
  };
  const fetchPath = (pathname: string, init?: RequestInit) => fetch(new URL(pathname, `${url}/`), init);
  return {
    forge,
    mode,
    url,
    env,
    fetch: fetchPath,
    async api<T>(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}) {
      const init: RequestInit = { method, headers: { Accept: 'application/json', ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
      }
      const response = await fetchPath(pathname, init);
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON: the test sees the text.
      }
      return { status: response.status, headers: response.headers, body: parsed as T };
    },
    createUser(name, userOptions = {}) {
      return services.users.create({
        name,
        email: userOptions.email ?? `${name}@example.test`,
        password: userOptions.password ?? `${name}-password1`,
        fullname: userOptions.fullname ?? name,
        admin: userOptions.admin ?? false,
      });
    },
    async createToken(username, acls, tokenOptions = {}) {
      const user = await userNamed(username);
      let projectId: number | null = null;
      if (tokenOptions.project) {
        const path = parseFullname(tokenOptions.project);
        const project = path && (await services.projectQueries.find(path));
        if (!project) throw new Error(`no project ${tokenOptions.project}`);
        projectId = project.id;
      }
      const { value } = await services.tokens.create(user, {
        acls: acls === 'all' ? (projectId === null ? USER_ACLS : PROJECT_TOKEN_ACLS) : acls,
        projectId,
      });
      return value;
    },
    async createProject(owner, name, projectOptions = {}) {
      const viewer = await services.access.viewer(await userNamed(owner));
      const { project, taskId } = await services.projects.create(viewer, {
        name,
        description: projectOptions.description ?? `The ${name} project`,
        namespace: projectOptions.namespace ?? null,
        url: '',
        avatarEmail: null,
        createReadme: projectOptions.readme ?? false,
        defaultBranch: null,
        private: projectOptions.private ?? false,
        mirroredFrom: null,
        ignoreExistingRepos: false,
      });
      const status = await forge.jobs.wait(taskId, 30_000);
      if (status?.state !== 'SUCCESS') throw new Error(`creating ${name} ended ${status?.state}: ${status?.error}`);
      return project;
    },
    async drainEvents(timeoutMs = 10_000) {
      await forge.events.idle();
      await forge.subscribers.drain(timeoutMs);
    },
    async close() {
      try {
        await forge.close();
      } finally {
        await runCleanups();
      }
    },
  };
}
