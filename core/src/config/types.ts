// The validated configuration every other layer reads.

export interface PluginEntry {
  /** Package name, or a path (absolute, or relative to the config file). */
  name: string;
  options: Record<string, unknown>;
}

export interface Config {
  /** Public base URL, without a trailing slash. */
  url: string;
  host: string;
  port: number;
  /** Absolute path. */
  dataDir: string;
  secret: string;
  instanceName: string;
  /** `waitSeconds`: how long a request waits for a connection before it is answered 503. */
  database: { url: string | undefined; schema: string; poolMax: number; waitSeconds: number };
  redis: { url: string | undefined; prefix: string };
  /** `lockSeconds`: how long a dead worker's job stays locked before another worker takes it up (bull's lock and stalled check). */
  /** `reconcileAfterSeconds`: a push waiting this long for its job, or a durable job the queue lost, is queued again. */
  worker: { concurrency: number; lockSeconds: number; reconcileAfterSeconds: number };
  http: { bodyLimitKb: number; trustProxy: boolean; proxyHops: number };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  plugins: PluginEntry[];
  theme: string | undefined;
  /** Site admins by user name, and groups whose members are site admins. */
  admins: string[];
  adminGroups: string[];
  registration: boolean;
  /** New addresses wait for their mailed link to be opened (and a new account for its first). */
  registrationConfirmEmail: boolean;
  /** Namespaces open to everyone; members of a group may also use the group's name. */
  namespaces: string[];
  userNamespace: boolean;
  projects: {
    allowNew: boolean;
    allowDelete: boolean;
    allowDeleteForks: boolean;
    private: boolean;
    nameRegex: RegExp;
    /** fnmatch patterns of "<ns>/<name>" or "<name>". */
    reserved: string[];
  };
  /** reposDir is absolute. */
  git: {
    reposDir: string;
    defaultBranch: string;
    httpPull: boolean;
    httpPush: boolean;
    apiUpdateTags: boolean;
    urlSsh: string | undefined;
    urlGit: string | undefined;
    allowDeleteBranch: boolean;
    logAllCommits: boolean;
    gcAfterPush: boolean;
    /** Bytes. */ maxObjectSize: number;
    httpTimeoutSeconds: number;
    maxConcurrentPerAddress: number;
    maxConcurrentPerRepo: number;
    /** Pooled cat-file processes (git.read_processes). */
    readProcesses: number;
    readIdleSeconds: number;
    /** Objects read from the pack and loose files in this process first (git.read_in_process). */
    readInProcess: boolean;
  };
  mail: {
    smtpUrl: string | undefined;
    from: string;
    /** Notification mails per address and window before the rest wait for the window's digest. */
    batchAfter: number;
    batchWindowSeconds: number;
  };
  sessions: { lifetimeDays: number };
  events: { retentionDays: number; pollMs: number };
  /** `local`: the forge's own passwords log people in (off when a login plugin is the only way in). */
  login: { maxFailures: number; lockoutMinutes: number; passwordCost: number; local: boolean };
  /** Directory plugin and theme paths and package names resolve from. */
  baseDir: string;
  /** The file the config was read from, if any. */
  file: string | undefined;
}

export type RunMode = 'embedded' | 'server';

/** Embedded = PGlite + inline queue; server = PostgreSQL + Redis. Mixed setups are allowed. */
export function describeMode(config: Config): string {
  const db = config.database.url ? 'PostgreSQL' : 'PGlite';
  const queue = config.redis.url ? 'Redis' : 'inline queue';
  return `${db} + ${queue}`;
}
