// The composition root: reads the config, loads plugins, opens the database and the
// queue, applies plugins, and builds the HTTP app or the worker. Nothing else wires parts.
import { hkdfSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { loadConfig, resolveSecret, urlIsDefault, type Config, type LoadConfigOptions } from './config/index.js';
import {
  coreMigrations,
  createRepoLocks,
  migrate,
  openDatabase,
  pendingMigrations,
  type Database,
  type MigrationSet,
  type RepoLocks,
} from './db/index.js';
import { StartupError } from './errors/index.js';
import { answerClientError, createHttpApp, TemplateStore, type ForgeApp } from './http/index.js';
import {
  createJobProcessor,
  defineGitJobs,
  defineProjectJobs,
  defineTicketJobs,
  JobOutbox,
  Jobs,
  tapCommitReferences,
  tapPullRequestRefresh,
} from './jobs/index.js';
import { gitProblem, gitReads, objectFiles, Repositories } from './git/index.js';
import {
  createHooks,
  instrumentHooks,
  loadPlugins,
  loadConfiguredTheme,
  themeChain,
  type ForgeApi,
  type ForgeAuthApi,
  type ForgeGitApi,
  type ForgeHooks,
  type ForgeServices,
  type LoadedPlugin,
  type LoadedTheme,
  type ProcessRole,
} from './plugins/index.js';
import { BullQueue, InlineQueue, LocalPubSub, probeRedis, RedisPubSub, type PubSub, type QueuePort } from './queue/index.js';
import {
  createServices,
  defineMailDigestJob,
  fnmatch,
  defineMailJobs,
  MailBatches,
  EventBus,
  SubscriberDispatcher,
  HealthService,
  LogMailer,
  SmtpMailer,
  TaskService,
  ticketMailSubscriber,
  MERGE_WHEN_READY_JOB,
  type DomainServices,
  type ServiceContext,
} from './services/index.js';
import { createPluginGit } from './plugins/git-api.js';
import { createPluginServices } from './plugin-services.js';
import { createGitServe } from './plugin-git-serve.js';
import { createPluginAuth, LoginMethods } from './plugin-auth.js';
import { CORE_VERSION } from './version.js';

export interface CreateForgeOptions extends LoadConfigOptions {
  role: ProcessRole;
  /** An already loaded config; otherwise it is loaded from file/env/overrides. */
  config?: Config;
  /**
   * "run" applies pending migrations; "check" refuses to start while any are pending.
   * Default: "run" for the embedded server (it alone owns its database), else "check".
   */
  migrations?: 'run' | 'check';
  /** Run queued jobs in this process. Default: workers, and the web process of the embedded mode. */
  processJobs?: boolean;
  /** Build the web app (routes, templates) in a process whose role is not 'web': a plugin command's server. */
  serveHttp?: boolean;
  logger?: Logger;
  /** Tests start fresh PGlite databases from a dump, skipping initdb. */
  pgliteTemplate?: Blob;
}

const CORE_TEMPLATES = fileURLToPath(new URL('../templates/', import.meta.url));
/** How often job-running processes look for pushes whose job never ran (besides at start). */
const RECONCILE_EVERY_MS = 5 * 60_000;

function holderName(role: ProcessRole): string {
  return role === 'web' ? 'the server' : role === 'worker' ? 'a worker' : role === 'cli' ? 'a pagurus command' : `pagurus ${role}`;
}

export function migrationSets(plugins: readonly LoadedPlugin[]): MigrationSet[] {
  return [
    coreMigrations,
    ...plugins.filter((p) => p.definition.migrations?.length).map((p) => ({ owner: p.name, migrations: p.definition.migrations! })),
  ];
}

export class Forge {
  readonly hooks: ForgeHooks = createHooks();
  readonly events: EventBus;
  /** Feeds durable subscribers from the event log, in processes that run jobs. */
  readonly subscribers: SubscriberDispatcher;
  readonly jobs: Jobs;
  readonly locks: RepoLocks;
  readonly services: DomainServices & { health: HealthService; tasks: TaskService };
  readonly repositories: Repositories;
  readonly templates: TemplateStore | undefined;
  private appInstance: ForgeApp | undefined;
  private pluginServices: ForgeServices | undefined;
  private pluginGit: ForgeGitApi | undefined;
  private pluginAuth: ForgeAuthApi | undefined;
  /** The plugins' ways to log in (forge.auth.defineLoginMethod). */
  private readonly loginMethods = new LoginMethods();
  private server: Server | undefined;
  private processing = false;
  private readonly mailBatches: MailBatches;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly config: Config,
    readonly log: Logger,
    readonly role: ProcessRole,
    readonly plugins: readonly LoadedPlugin[],
    readonly theme: LoadedTheme | undefined,
    readonly db: Database,
    readonly queue: QueuePort,
    readonly pubsub: PubSub,
    readonly secret: string,
    serveHttp = false,
  ) {
    instrumentHooks(this.hooks, log);
    this.events = new EventBus(this.hooks, db.knex, pubsub, log);
    this.subscribers = new SubscriberDispatcher(this.events, db.knex, pubsub, log, config.events);
    this.jobs = new Jobs(queue, log, new JobOutbox(db.knex));
    this.locks = createRepoLocks(db);
    this.repositories = new Repositories(config.git.reposDir);
    gitReads.configure({ maxProcesses: config.git.readProcesses, idleMs: config.git.readIdleSeconds * 1000 });
    objectFiles.enabled = config.git.readInProcess;
    const context: ServiceContext = {
      db: db.knex,
      config,
      hooks: this.hooks,
      events: this.events,
      jobs: this.jobs,
      mailer: config.mail.smtpUrl ? new SmtpMailer(config.mail.smtpUrl, config.mail.from) : new LogMailer(log),
      log,
    };
    this.services = {
      ...createServices(context, { repositories: this.repositories, locks: this.locks }, secret),
      health: new HealthService(db, queue),
      tasks: new TaskService(queue, (id) => this.jobs.outbox!.has(id)),
    };
    // Notification mail: the "mail" subscriber queues mail.send jobs (or holds them for a
    // digest, past an address's count for its window), in every process alike.
    defineMailJobs(this.jobs, context.mailer);
    this.mailBatches = new MailBatches(context);
    defineMailDigestJob(this.jobs, this.mailBatches);
    this.events.subscribe(ticketMailSubscriber(context, this.mailBatches));
    // Merge when ready: the events that can change the answer queue its check.
    this.events.subscribe(this.services.mergeWhenReady.subscriber());
    this.jobs.define<{ pullRequestPk: number }>({
      name: MERGE_WHEN_READY_JOB,
      attempts: 3,
      lockKey: (data) => `merge-when-ready:${data.pullRequestPk}`,
      run: async (data) => ({ outcome: await this.services.mergeWhenReady.check(data.pullRequestPk) }),
    });
    if (role === 'web' || serveHttp) this.templates = new TemplateStore();
  }

  /** Builds a forge for one process. Start-up problems throw StartupError. */
  static async create(options: CreateForgeOptions): Promise<Forge> {
    const config = options.config ?? loadConfig(options);
    const log = options.logger ?? pino({ level: config.log.level, base: { role: options.role } });
    const context = { baseDir: config.baseDir, coreVersion: CORE_VERSION };
    const plugins = await loadPlugins(config.plugins, context);
    const theme = loadConfiguredTheme(config.theme, context);
    const secret = resolveSecret(config);
    // Probe the remote services first: a wrong URL should fail in a moment, not after initdb.
    if (options.role === 'worker' && !config.redis.url) {
      throw new StartupError('pagurus worker needs redis.url (PAGURUS_REDIS_URL); without Redis the server runs jobs itself');
    }
    if (options.role === 'worker' && !config.database.url) {
      throw new StartupError(
        'pagurus worker needs database.url (PAGURUS_DATABASE_URL); the embedded database belongs to the server, which runs jobs itself',
      );
    }
    const gitTrouble = await gitProblem();
    if (gitTrouble) throw new StartupError(gitTrouble);
    if (config.redis.url) await probeRedis(config.redis.url);
    const opened: Array<() => Promise<void>> = [];
    try {
      const db = await openDatabase({
        url: config.database.url,
        dataDir: config.dataDir,
        schema: config.database.schema,
        poolMax: config.database.poolMax,
        waitSeconds: config.database.waitSeconds,
        onWarning: (message) => log.warn({ database: true }, String(message)),
        holder: holderName(options.role),
        pgliteTemplate: options.pgliteTemplate,
      });
      opened.push(() => db.close());
      await Forge.prepareSchema(db, plugins, options.migrations ?? (options.role === 'web' && db.kind === 'pglite' ? 'run' : 'check'), log);

      const onRedisError = (error: Error) => log.error({ err: error }, 'redis error');
      const queue: QueuePort = config.redis.url
        ? new BullQueue(config.redis.url, config.redis.prefix, onRedisError, { lockMs: config.worker.lockSeconds * 1000 })
        : new InlineQueue();
      opened.push(() => queue.close());
      const pubsub: PubSub = config.redis.url ? new RedisPubSub(config.redis.url, config.redis.prefix, onRedisError) : new LocalPubSub();
      opened.push(() => pubsub.close());

      const forge = new Forge(config, log, options.role, plugins, theme, db, queue, pubsub, secret, options.serveHttp);
      await forge.applyPlugins();
      // With the embedded database no worker can open it, so its server runs the jobs.
      const runsJobs =
        options.processJobs ?? (options.role === 'worker' || (options.role === 'web' && (queue.kind === 'inline' || db.kind === 'pglite')));
      if (runsJobs) await forge.startJobs();
      return forge;
    } catch (error) {
      for (const close of opened.reverse()) await close().catch(() => undefined);
      throw error;
    }
  }

  private static async prepareSchema(db: Database, plugins: readonly LoadedPlugin[], mode: 'run' | 'check', log: Logger): Promise<void> {
    const sets = migrationSets(plugins);
    if (mode === 'run') {
      const ran = await migrate(db, sets);
      if (ran.length) log.info({ migrations: ran.map((m) => `${m.owner}/${m.name}`) }, 'database migrated');
      return;
    }
    const pending = await pendingMigrations(db, sets);
    if (pending.length) {
      const names = pending
        .slice(0, 3)
        .map((m) => `${m.owner}/${m.name}`)
        .join(', ');
      const more = pending.length > 3 ? `, and ${pending.length - 3} more` : '';
      throw new StartupError(
        `the database at ${db.location} is not migrated (${pending.length} pending: ${names}${more}); run: pagurus migrate`,
      );
    }
  }

  /** The forge as one plugin sees it: its own logger, everything else shared. */
  /** The forge as plugin `name` sees it (a plugin command's boot hands it this). */
  apiFor(name: string): ForgeApi {
    this.pluginServices ??= createPluginServices({
      services: this.services,
      db: this.db.knex,
      repositories: this.repositories,
      publicUrl: () => this.config.url,
    });
    return Object.freeze({
      hooks: this.hooks,
      config: this.config,
      log: this.log.child({ plugin: name }),
      db: this.db.knex,
      events: this.events,
      jobs: this.jobs,
      services: this.pluginServices,
      pubsub: this.pubsub,
      role: this.role,
      git: (this.pluginGit ??= createPluginGit({
        repositories: this.repositories,
        locks: this.locks,
        reservedNamespace: (name) => this.config.projects.reserved.some((pattern) => fnmatch(`${name}/x`, pattern)),
        serve: createGitServe({
          services: this.services,
          repositories: this.repositories,
          secret: this.secret,
          publicUrl: () => this.config.url,
        }),
      })),
      settings: this.services.pluginSettings.forPlugin(name),
      auth: (this.pluginAuth ??= createPluginAuth({
        methods: this.loginMethods,
        services: this.services,
        secret: this.secret,
        publicUrl: () => this.config.url,
        lifetimeDays: this.config.sessions.lifetimeDays,
      })),
      secretKey: (purpose: string) => Buffer.from(hkdfSync('sha256', this.secret, 'pagurus-plugin', `${name}\n${purpose}`, 32)),
      coreVersion: CORE_VERSION,
    });
  }

  private async applyPlugins(): Promise<void> {
    for (const plugin of this.plugins) {
      try {
        await plugin.definition.apply(this.apiFor(plugin.name), plugin.options);
      } catch (error) {
        throw new StartupError(`plugin "${plugin.spec}": failed to apply: ${(error as Error).message}`);
      }
    }
    defineProjectJobs(this.jobs, { services: this.services, repositories: this.repositories, events: this.events, db: this.db.knex });
    defineGitJobs(this.jobs, {
      services: this.services,
      repositories: this.repositories,
      events: this.events,
      hooks: this.hooks,
      jobs: this.jobs,
      db: this.db.knex,
      log: this.log,
      publicUrl: () => this.config.url,
      logAllCommits: this.config.git.logAllCommits,
      gcAfterPush: this.config.git.gcAfterPush,
    });
    defineTicketJobs(this.jobs, {
      services: this.services,
      repositories: this.repositories,
      events: this.events,
      jobs: this.jobs,
      db: this.db.knex,
      log: this.log,
      locks: this.locks,
    });
    tapPullRequestRefresh(this.hooks, this.services, this.jobs);
    tapCommitReferences(this.hooks, this.services, this.repositories, () => this.config.url);
    try {
      // Every registration hook runs once, now, so a plugin's mistake stops start-up.
      this.hooks.jobs.call(this.jobs);
    } catch (error) {
      throw new StartupError(`registering jobs failed: ${(error as Error).message}`);
    }
    this.jobs.seal();
    this.events.seal();
    if (this.templates) {
      this.loadTemplates(this.templates);
      this.appInstance = this.buildHttpApp(this.templates);
    }
    await this.hooks.init.promise(this.apiFor('core'));
  }

  /** Built after plugins are applied, so their routes are in it. */
  private buildHttpApp(templates: TemplateStore): ForgeApp {
    try {
      return createHttpApp({
        log: this.log,
        hooks: this.hooks,
        templates,
        health: this.services.health,
        tasks: this.services.tasks,
        services: this.services,
        jobs: this.jobs,
        projectNameRegex: this.config.projects.nameRegex,
        site: { instanceName: this.config.instanceName, coreVersion: CORE_VERSION },
        publicUrl: () => this.config.url,
        trustProxy: this.config.http.trustProxy,
        proxyHops: this.config.http.proxyHops,
        bodyLimitKb: this.config.http.bodyLimitKb,
        secret: this.secret,
        git: {
          repositories: this.repositories,
          instanceName: this.config.instanceName,
          allowPull: this.config.git.httpPull,
          allowPush: this.config.git.httpPush,
          limits: {
            perAddress: this.config.git.maxConcurrentPerAddress,
            perRepository: this.config.git.maxConcurrentPerRepo,
            idleTimeoutMs: this.config.git.httpTimeoutSeconds * 1000,
          },
        },
        browse: {
          repositories: this.repositories,
          locks: this.locks,
          hooks: this.hooks,
          publicUrl: () => this.config.url,
          git: this.config.git,
        },
        registration: this.config.registration,
        localLogin: this.config.login.local,
        loginMethods: () => this.loginMethods.all(),
        sessionLifetimeDays: this.config.sessions.lifetimeDays,
      });
    } catch (error) {
      throw new StartupError(`registering routes failed: ${(error as Error).message}`);
    }
  }

  /** The Koa app of a web forge. */
  get app(): ForgeApp | undefined {
    return this.appInstance;
  }

  private loadTemplates(store: TemplateStore): void {
    store.setLayer('core');
    store.addDirectory(CORE_TEMPLATES);
    this.hooks.templates.intercept({ tap: (tap) => store.setLayer(`plugin ${tap.name}`) });
    try {
      this.hooks.templates.call(store);
    } catch (error) {
      throw new StartupError(`registering templates failed: ${(error as Error).message}`);
    }
    if (this.theme) {
      store.setLayer('theme');
      // The themes it builds on first: its own files override theirs by name.
      for (const theme of themeChain(this.theme)) store.addDirectory(theme.dir);
    }
  }

  /** Starts taking jobs from the queue, and feeding durable subscribers, in this process. */
  async startJobs(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    this.queue.process(createJobProcessor(this.jobs, this.locks, this.log), this.config.worker.concurrency);
    await this.subscribers.start();
    // Mail held for a digest whose job was lost (the embedded queue forgets on restart).
    await this.mailBatches.sweep();
    // Pushes whose git.receive job never ran (a web process died mid-push, a queue lost it),
    // and durable jobs the queue lost.
    const after = this.config.worker.reconcileAfterSeconds * 1000;
    const reconcile = () =>
      Promise.all([this.services.pushLedger.reconcile(after, this.log), this.jobs.reconcile(after)]).catch((error: unknown) =>
        this.log.warn({ err: error }, 'reconciling pushes and jobs failed'),
      );
    await reconcile();
    // Again as often as things become old enough to reconcile, and at least every 5 minutes.
    this.reconcileTimer = setInterval(() => void reconcile(), Math.min(RECONCILE_EVERY_MS, after));
    this.reconcileTimer.unref();
  }

  /** Serves HTTP; when no url was configured, the public URL becomes the address listened on. */
  async listen(port = this.config.port, host = this.config.host): Promise<string> {
    if (!this.app) throw new Error('only a web forge listens');
    const handle = this.app.callback();
    // Koa answers its own errors (ctx.onerror), so the request's promise is not awaited here.
    const server = createServer((req, res) => void handle(req, res));
    server.on('clientError', answerClientError);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new StartupError(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`)),
      );
      server.listen(port, host, resolve);
    });
    this.server = server;
    const actual = (server.address() as AddressInfo).port;
    if (urlIsDefault(this.config)) {
      const loopback = ['127.0.0.1', '0.0.0.0', '::', 'localhost'].includes(host);
      this.config.url = `http://${loopback ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${actual}`;
    }
    await this.hooks.ready.promise({ forge: this.apiFor('core'), role: this.role });
    return this.config.url;
  }

  /** Called by the worker once jobs are being taken. */
  async ready(): Promise<void> {
    await this.hooks.ready.promise({ forge: this.apiFor('core'), role: this.role });
  }

  /** Stops serving, lets running jobs and event deliveries end, closes connections. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // Streams never end on their own: their plugins end them first, or close() would wait for them.
    await this.hooks.stopping.promise(this.apiFor('core'));
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 10_000);
      await closed;
      clearTimeout(timer);
    }
    await this.hooks.close.promise(this.apiFor('core'));
    clearInterval(this.reconcileTimer);
    await this.subscribers.stop();
    await this.queue.close();
    await this.events.idle();
    await this.pubsub.close();
    await this.db.close();
    gitReads.close(this.config.git.reposDir);
    objectFiles.close(this.config.git.reposDir);
  }
}

export function createForge(options: CreateForgeOptions): Promise<Forge> {
  return Forge.create(options);
}
