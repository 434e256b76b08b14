// Reads pagurus.config.yaml (optional), applies PAGURUS_* environment overrides and
// explicit overrides, and validates every key. Mistakes become one-line StartupErrors.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { StartupError } from '../errors/index.js';
import { CONFIG_KEYS, envNameOf, type ConfigKey, type KeySpec } from './keys.js';
import type { Config, PluginEntry } from './types.js';

export const DEFAULT_CONFIG_FILE = 'pagurus.config.yaml';

export interface LoadConfigOptions {
  /** Config file path (the CLI's --config); otherwise PAGURUS_CONFIG, then ./pagurus.config.yaml if present. */
  file?: string | undefined;
  /** Environment to read PAGURUS_* overrides from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Highest-precedence values by dotted key (CLI flags, tests). */
  overrides?: Partial<Record<ConfigKey, unknown>>;
}

type Raw = Partial<Record<ConfigKey, { value: unknown; source: string }>>;

const LEAVES = Object.keys(CONFIG_KEYS) as ConfigKey[];

function isLeaf(key: string): key is ConfigKey {
  return Object.hasOwn(CONFIG_KEYS, key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function findConfigFile(options: LoadConfigOptions, cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const explicit = options.file ?? env.PAGURUS_CONFIG;
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!existsSync(file)) throw new StartupError(`config file not found: ${file}`);
    return file;
  }
  const implicit = path.resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(implicit) ? implicit : undefined;
}

function readFileKeys(file: string, raw: Raw): void {
  const name = path.basename(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: false, uniqueKeys: true, lineCounter });
  const [problem] = doc.errors;
  if (problem) {
    const line = lineCounter.linePos(problem.pos[0]).line;
    throw new StartupError(`${name}${line ? `, line ${line}` : ''}: ${problem.message.split('\n')[0]}`);
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return;
  if (!isPlainObject(data)) throw new StartupError(`${name}: the file must hold a mapping of keys`);
  flatten(data, '', name, raw);
}

function flatten(object: Record<string, unknown>, prefix: string, source: string, raw: Raw): void {
  for (const [key, value] of Object.entries(object)) {
    const dotted = prefix + key;
    if (isLeaf(dotted)) {
      raw[dotted] = { value, source: `${source}: ${dotted}` };
    } else if (LEAVES.some((leaf) => leaf.startsWith(`${dotted}.`)) && isPlainObject(value)) {
      flatten(value, `${dotted}.`, source, raw);
    } else {
      throw new StartupError(`${source}: unknown key "${dotted}"${suggest(dotted)}`);
    }
  }
}

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The nearest known key or section at the same level, if one is close. */
function suggest(key: string): string {
  const section = key.includes('.') ? key.slice(0, key.lastIndexOf('.') + 1) : '';
  const names = new Set(
    LEAVES.filter((leaf) => leaf.startsWith(section)).map((leaf) => section + leaf.slice(section.length).split('.')[0]),
  );
  let best: string | undefined;
  let bestDistance = 4;
  for (const name of names) {
    const d = distance(key, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function readEnvKeys(env: NodeJS.ProcessEnv, raw: Raw): void {
  for (const key of LEAVES) {
    const name = envNameOf(key);
    const value = env[name];
    if (value === undefined || value === '') continue;
    const spec: KeySpec = CONFIG_KEYS[key];
    raw[key] = { value: spec.list ? parseList(value, name) : value, source: name };
  }
}

/** A list in the environment: a JSON array, or values separated by commas. */
function parseList(value: string, source: string): unknown {
  const text = value.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new StartupError(`${source}: not a valid JSON array`);
    }
  }
  return text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

function validate(raw: Raw): Record<ConfigKey, unknown> {
  const values = {} as Record<ConfigKey, unknown>;
  for (const key of LEAVES) {
    const entry = raw[key];
    const result = CONFIG_KEYS[key].schema.safeParse(entry?.value);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue && issue.path.length ? ` (at ${issue.path.join('.')})` : '';
      throw new StartupError(`${entry?.source ?? key}: ${issue?.message ?? 'invalid value'}${where}`);
    }
    values[key] = result.data;
  }
  return values;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = findConfigFile(options, cwd, env);
  const raw: Raw = {};
  if (file) readFileKeys(file, raw);
  readEnvKeys(env, raw);
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (!isLeaf(key)) throw new StartupError(`unknown config key "${key}"`);
    if (value !== undefined) raw[key] = { value, source: key };
  }
  const v = validate(raw);
  const baseDir = file ? path.dirname(file) : cwd;
  const port = v.port as number;
  const url = ((v.url as string | undefined) ?? `http://localhost:${port}`).replace(/\/+$/, '');
  return {
    url,
    host: v.host as string,
    port,
    dataDir: path.resolve(baseDir, v.data_dir as string),
    secret: (v.secret as string | undefined) ?? '',
    instanceName: v.instance_name as string,
    database: {
      url: v['database.url'] as string | undefined,
      schema: v['database.schema'] as string,
      poolMax: v['database.pool_max'] as number,
      waitSeconds: v['database.wait_seconds'] as number,
    },
    redis: { url: v['redis.url'] as string | undefined, prefix: v['redis.prefix'] as string },
    worker: {
      concurrency: v['worker.concurrency'] as number,
      lockSeconds: v['worker.lock_seconds'] as number,
      reconcileAfterSeconds: v['worker.reconcile_after_seconds'] as number,
    },
    http: {
      bodyLimitKb: v['http.body_limit_kb'] as number,
      trustProxy: v['http.trust_proxy'] as boolean,
      proxyHops: v['http.proxy_hops'] as number,
    },
    log: { level: v['log.level'] as Config['log']['level'] },
    plugins: v.plugins as PluginEntry[],
    theme: v.theme as string | undefined,
    admins: v.admins as string[],
    adminGroups: v.admin_groups as string[],
    registration: v.registration as boolean,
    registrationConfirmEmail: v.registration_confirm_email as boolean,
    namespaces: v.namespaces as string[],
    userNamespace: v.user_namespace as boolean,
    projects: {
      allowNew: v['projects.allow_new'] as boolean,
      allowDelete: v['projects.allow_delete'] as boolean,
      allowDeleteForks: (v['projects.allow_delete_forks'] as boolean | undefined) ?? (v['projects.allow_delete'] as boolean),
      private: v['projects.private'] as boolean,
      nameRegex: new RegExp(v['projects.name_regex'] as string),
      reserved: v['projects.reserved'] as string[],
    },
    git: {
      reposDir: path.resolve(baseDir, (v['git.repos_dir'] as string | undefined) ?? path.join(v.data_dir as string, 'repos')),
      defaultBranch: v['git.default_branch'] as string,
      httpPull: v['git.http_pull'] as boolean,
      httpPush: v['git.http_push'] as boolean,
      apiUpdateTags: v['git.api_update_tags'] as boolean,
      urlSsh: v['git.url_ssh'] as string | undefined,
      urlGit: v['git.url_git'] as string | undefined,
      allowDeleteBranch: v['git.allow_delete_branch'] as boolean,
      logAllCommits: v['git.log_all_commits'] as boolean,
      gcAfterPush: v['git.gc_after_push'] as boolean,
      maxObjectSize: (v['git.max_object_size_mb'] as number) * 1024 * 1024,
      httpTimeoutSeconds: v['git.http_timeout_seconds'] as number,
      maxConcurrentPerAddress: v['git.max_concurrent_per_address'] as number,
      maxConcurrentPerRepo: v['git.max_concurrent_per_repo'] as number,
      readProcesses: v['git.read_processes'] as number,
      readIdleSeconds: v['git.read_idle_seconds'] as number,
      readInProcess: v['git.read_in_process'] as boolean,
    },
    mail: {
      smtpUrl: v['mail.smtp_url'] as string | undefined,
      from: v['mail.from'] as string,
      batchAfter: v['mail.batch_after'] as number,
      batchWindowSeconds: v['mail.batch_window_seconds'] as number,
    },
    sessions: { lifetimeDays: v['sessions.lifetime_days'] as number },
    events: { retentionDays: v['events.retention_days'] as number, pollMs: v['events.poll_ms'] as number },
    login: {
      maxFailures: v['login.max_failures'] as number,
      lockoutMinutes: v['login.lockout_minutes'] as number,
      passwordCost: v['login.password_cost'] as number,
      local: v['login.local'] as boolean,
    },
    baseDir,
    file,
  };
}

/** True when url was not given, so the forge may replace it with the address it listens on. */
export function urlIsDefault(config: Config): boolean {
  return config.url === `http://localhost:${config.port}`;
}
