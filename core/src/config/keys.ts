// Every configuration key, once: its schema, default, and the environment variable that
// overrides it (PAGURUS_ + the dotted path in upper case, dots as underscores).
import { z } from 'zod';

/** A whole number from `min` to `max`, from YAML or an environment string. */
function wholeNumber(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

const port = wholeNumber(0, 65535);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const httpUrl = z.string().refine((value) => /^https?:\/\/[^/\s]+/i.test(value) && URL.canParse(value), {
  message: 'must be an http:// or https:// URL',
});

const postgresUrl = z.string().refine((value) => /^postgres(ql)?:\/\//i.test(value) && URL.canParse(value), {
  message: 'must be a postgres:// or postgresql:// URL',
});

const redisUrl = z.string().refine((value) => /^rediss?:\/\//i.test(value) && URL.canParse(value), {
  message: 'must be a redis:// or rediss:// URL',
});

/** Booleans from YAML, or from environment strings: 1/0, true/false, yes/no, on/off. */
const flag = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  const text = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on', 'y', 't'].includes(text)) return true;
  if (['0', 'false', 'no', 'off', 'n', 'f'].includes(text)) return false;
  return value;
}, z.boolean());

const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier');

/** One plugin entry: a package name or path, with the options its schema accepts. */
const pluginEntry = z.union([
  z
    .string()
    .min(1)
    .transform((name) => ({ name, options: {} })),
  z.strictObject({
    name: z.string().min(1),
    options: z.record(z.string(), z.unknown()).default({}),
  }),
]);

export interface KeySpec {
  schema: z.ZodType;
  /** What the key is for, shown in the README. */
  doc: string;
  /** A list: its environment variable holds JSON, or values separated by commas. */
  list?: true;
}

const names = z.array(z.string().min(1));

const regexSource = z
  .string()
  .min(1)
  .refine((source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  }, 'must be a valid regular expression');

/** Pagure's default BLACKLISTED_PROJECTS: names that would clash with the forge's own URLs. */
const RESERVED_PROJECT_NAMES = [
  'static',
  'pv',
  'releases',
  'new',
  'api',
  'settings',
  'search',
  'fork',
  'logout',
  'login',
  'user',
  'users',
  'groups',
  'projects',
  'ssh_info',
  'issues',
  'pull-requests',
  'commits',
  'tree',
  'forks',
  'admin',
  'c',
  'wait',
  'dashboard',
  'docs/*',
  'tickets/*',
  'requests/*',
];

/** Leaf keys by dotted path. Nested sections in the YAML file follow the dots. */
export const CONFIG_KEYS = {
  url: { schema: httpUrl.optional(), doc: 'public base URL, used in full_url and links (default http://localhost:<port>)' },
  host: { schema: z.string().min(1).default('127.0.0.1'), doc: 'address the web server listens on' },
  port: { schema: port.default(8080), doc: 'port the web server listens on (0 picks a free one)' },
  data_dir: { schema: z.string().min(1).default('./data'), doc: 'where repositories, the embedded database and the secret live' },
  secret: {
    schema: z.string().min(32, 'must be at least 32 characters').optional(),
    doc: 'key signing sessions and tokens (generated into <data_dir>/secret if absent)',
  },
  instance_name: { schema: z.string().min(1).default('Pagurus'), doc: 'name shown in page titles and mails' },
  'database.url': { schema: postgresUrl.optional(), doc: 'PostgreSQL server; absent means the embedded PGlite database in <data_dir>/db' },
  'database.schema': { schema: identifier.default('public'), doc: 'PostgreSQL schema holding the tables' },
  'database.pool_max': { schema: wholeNumber(2, 200).default(10), doc: 'connections per process to the PostgreSQL server' },
  'database.wait_seconds': {
    schema: wholeNumber(1, 300).default(10),
    doc: 'how long a request waits for a database connection (all busy, or PostgreSQL away) before it is answered 503',
  },
  'redis.url': { schema: redisUrl.optional(), doc: 'Redis server for the queue and pub/sub; absent means the in-process queue' },
  'redis.prefix': {
    schema: z
      .string()
      .regex(/^[\w.:-]{1,64}$/, 'must be 1-64 letters, digits or _.:-')
      .default('pagurus'),
    doc: 'prefix of every Redis key and channel',
  },
  'worker.concurrency': { schema: wholeNumber(1, 64).default(4), doc: 'jobs one worker process runs at once' },
  'worker.reconcile_after_seconds': {
    schema: wholeNumber(1, 86400).default(60),
    doc: 'a push still waiting for its git.receive job this long after its pre-receive (its web process died, or the queue lost the job), or a durable job (merge, new project, fork, mail) the queue lost, is queued again, by job-running processes at their start and then every this many seconds (at most 5 minutes apart)',
  },
  'worker.lock_seconds': {
    schema: wholeNumber(1, 3600).default(30),
    doc: 'a running job holds its lock this long and renews it; a job whose worker died is taken up again by another worker after about this long (Redis queue only)',
  },
  'http.body_limit_kb': { schema: wholeNumber(1, 1048576).default(1024), doc: 'largest JSON or form body accepted, in KiB' },
  'http.trust_proxy': { schema: flag.default(false), doc: 'trust X-Forwarded-* headers from a reverse proxy' },
  'http.proxy_hops': {
    schema: wholeNumber(1, 10).default(1),
    doc: 'with trust_proxy: how many proxies append to X-Forwarded-For (the client is the address that many entries from the end)',
  },
  'log.level': { schema: logLevel.default('info'), doc: 'pino log level' },
  plugins: { schema: z.array(pluginEntry).default([]), doc: 'plugins to load, in order: package names or paths, with options', list: true },
  theme: { schema: z.string().min(1).optional(), doc: 'theme package name or path' },
  admins: { schema: names.default([]), doc: 'user names of site admins (also: pagurus user admin <name> --on)', list: true },
  admin_groups: { schema: names.default([]), doc: 'groups whose members are site admins', list: true },
  registration: { schema: flag.default(true), doc: 'let people create accounts on the web' },
  registration_confirm_email: {
    schema: flag.default(true),
    doc: "mail a link to each new address (a new account's, or one added in the settings) that must be opened before it counts and, for a new account, before it may log in",
  },
  namespaces: {
    schema: names.default([]),
    doc: 'namespaces projects may be created in (group names are allowed to their members)',
    list: true,
  },
  user_namespace: { schema: flag.default(false), doc: 'let users create projects in a namespace named after themselves' },
  'projects.allow_new': { schema: flag.default(true), doc: 'let users create projects' },
  'projects.allow_delete': { schema: flag.default(true), doc: 'let admins of a project delete it' },
  'projects.allow_delete_forks': { schema: flag.optional(), doc: 'let owners delete forks (default: projects.allow_delete)' },
  'projects.private': { schema: flag.default(true), doc: 'allow private projects' },
  'projects.name_regex': {
    schema: regexSource.default('^[a-zA-Z0-9_][a-zA-Z0-9_.+-]*$'),
    doc: 'regular expression project names must match',
  },
  'projects.reserved': {
    schema: names.default(RESERVED_PROJECT_NAMES),
    doc: 'project names (fnmatch patterns, "<ns>/<name>" or "<name>") nobody may create',
    list: true,
  },
  'git.http_pull': { schema: flag.default(true), doc: 'serve clones and fetches over HTTP' },
  'git.http_push': { schema: flag.default(true), doc: 'accept pushes over HTTP (with a password or a token with the commit ACL)' },
  'git.allow_delete_branch': { schema: flag.default(true), doc: 'let pushes delete branches (never the default branch)' },
  'git.log_all_commits': {
    schema: flag.default(false),
    doc: 'log commits of every branch in the activity log, not only the default branch',
  },
  'git.gc_after_push': { schema: flag.default(true), doc: 'run "git gc --auto" after each push' },
  'git.max_object_size_mb': {
    schema: wholeNumber(1, 1048576).default(100),
    doc: 'largest object (file, commit message, ...) a push may bring, in MiB, measured uncompressed',
  },
  'git.http_timeout_seconds': {
    schema: wholeNumber(1, 86400).default(600),
    doc: 'a clone, fetch or push over HTTP that moves no byte either way for this long is cut off and its git process stopped',
  },
  'git.max_concurrent_per_address': {
    schema: wholeNumber(1, 10000).default(8),
    doc: 'git processes (clones, fetches, pushes over HTTP) one client address may run at once in one web process; past it: 429',
  },
  'git.max_concurrent_per_repo': {
    schema: wholeNumber(1, 10000).default(32),
    doc: 'git processes one repository may run at once in one web process; past it: 503',
  },
  'git.read_processes': {
    schema: wholeNumber(1, 1024).default(16),
    doc: 'long-lived "git cat-file" processes one forge process keeps for reading repositories (pages, API, plugins); past it the least recently used idle one ends, and reads wait when all are busy',
  },
  'git.read_in_process': {
    schema: flag.default(true),
    doc: 'read objects named by their full id from the repositories\' pack and loose files in the forge process (no process started, as libgit2 does for Pagure); what it cannot find or read, and every other name, goes to the "git cat-file" processes. false: every read goes to them',
  },
  'git.read_idle_seconds': {
    schema: wholeNumber(1, 86400).default(60),
    doc: 'a reading process nobody used for this long ends',
  },
  'git.api_update_tags': {
    schema: flag.default(true),
    doc: "let POST /api/0/<repo>/git/tags with force=true move an existing tag (Pagure's ALLOW_API_UPDATE_GIT_TAGS)",
  },
  'git.url_ssh': {
    schema: z.string().min(1).optional(),
    doc: 'SSH clone URL prefix for /git/urls, "{username}" replaced by the caller (Pagure\'s GIT_URL_SSH); absent: none',
  },
  'git.url_git': {
    schema: z.string().min(1).optional(),
    doc: "git:// (or other) clone URL prefix for /git/urls (Pagure's GIT_URL_GIT); absent: none",
  },
  'git.repos_dir': { schema: z.string().min(1).optional(), doc: 'where bare repositories live (default <data_dir>/repos)' },
  'git.default_branch': {
    schema: z
      .string()
      .regex(/^[\w][\w./-]*$/, 'must be a branch name')
      .default('main'),
    doc: 'default branch of new repositories',
  },
  'mail.smtp_url': {
    schema: z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional(),
    doc: 'SMTP server for mail; absent means mails are written to the log',
  },
  'mail.from': { schema: z.string().min(3).default('pagurus@localhost'), doc: 'sender of the mails the forge sends' },
  'mail.batch_after': {
    schema: wholeNumber(1, 10000).default(10),
    doc: "notification mails one address gets in a window; past that, the window's further mails are held and sent together as one digest when it ends",
  },
  'mail.batch_window_seconds': {
    schema: wholeNumber(1, 86400).default(600),
    doc: 'length of that window, counted from the first mail it sends',
  },
  'events.retention_days': {
    schema: wholeNumber(1, 3650).default(30),
    doc: 'how long the event log keeps events: a durable subscriber stopped for longer misses the older ones',
  },
  'events.poll_ms': {
    schema: wholeNumber(50, 60000).default(500),
    doc: 'how often worker processes look for new events when no wake-up came (a commit wakes them at once)',
  },
  'sessions.lifetime_days': { schema: wholeNumber(1, 365).default(30), doc: 'how long a browser login lasts' },
  'login.max_failures': { schema: wholeNumber(1, 1000).default(5), doc: 'failed logins per account (and 4x per address) before a pause' },
  'login.lockout_minutes': {
    schema: wholeNumber(1, 1440).default(15),
    doc: 'length of that pause, and of the window failures are counted in',
  },
  'login.local': {
    schema: flag.default(true),
    doc: "log in with the forge's own passwords (web and git over HTTP); off when a login plugin (OpenID Connect) is the only way in: no password login, registration or reset, API tokens still work",
  },
  'login.password_cost': {
    schema: wholeNumber(10, 20).default(17),
    doc: 'scrypt cost of stored passwords, as log2(N); older hashes are redone at the next login (below 17 only for tests)',
  },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

export function envNameOf(key: string): string {
  return `PAGURUS_${key.replace(/\./g, '_').toUpperCase()}`;
}
