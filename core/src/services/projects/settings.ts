// Project settings: Pagure's option keys with their defaults, and how updates are read.
import type { ProjectRecord } from '../../domain/index.js';
import { Invalid } from '../../errors/index.js';
import { checkBranchPatterns } from '../access/fnmatch.js';

export type SettingValue = boolean | number | string | null;

export const SETTING_DEFAULTS = {
  issue_tracker: true,
  project_documentation: false,
  pull_requests: true,
  'Only_assignee_can_merge_pull-request': false,
  'Minimum_score_to_merge_pull-request': -1,
  'Web-hooks': null,
  'Enforce_signed-off_commits_in_pull-request': false,
  always_merge: false,
  issues_default_to_private: false,
  fedmsg_notifications: true,
  stomp_notifications: true,
  mqtt_notifications: true,
  pull_request_access_only: false,
  'notify_on_pull-request_flag': false,
  notify_on_commit_flag: false,
  issue_tracker_read_only: false,
  'disable_non_fast-forward_merges': false,
  open_metadata_access_to_all: false,
  // Pagurus' own: branch patterns (fnmatch, comma-separated) that refuse non-fast-forward
  // pushes and deletion; Pagure has this as its "Block non fast-forward pushes" hook.
  block_non_fast_forward: null,
} as const satisfies Record<string, SettingValue>;

export type SettingKey = keyof typeof SETTING_DEFAULTS;
/** Booleans, but for the minimum score (a number) and the web-hooks (text or null). */
export type Settings = Record<SettingKey, SettingValue>;

const MIN_SCORE = 'Minimum_score_to_merge_pull-request';
const WEB_HOOKS = 'Web-hooks';
const BLOCK_NON_FF = 'block_non_fast_forward';
/** The settings that hold text (or null) rather than a flag. */
const TEXT_KEYS: ReadonlySet<SettingKey> = new Set([WEB_HOOKS, BLOCK_NON_FF]);

/** The branch patterns of block_non_fast_forward, as a list. */
export function protectedBranchPatterns(settings: Settings): string[] {
  const value = settings[BLOCK_NON_FF];
  return typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : [];
}

/** Forks start without their own issues and pull requests. */
export const FORK_SETTINGS: Partial<Settings> = { issue_tracker: false, pull_requests: false };

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTING_DEFAULTS, key);
}

function truthy(value: unknown): boolean {
  return value === true || (typeof value === 'string' && ['1', 'true', 't', 'y'].includes(value.trim().toLowerCase())) || value === 1;
}

/** Every key, stored values over defaults; unknown stored keys are dropped. */
export function readSettings(project: ProjectRecord): Settings {
  const settings: Settings = { ...SETTING_DEFAULTS };
  for (const [key, value] of Object.entries(project.settings)) {
    if (!isSettingKey(key)) continue;
    if (key === MIN_SCORE) settings[MIN_SCORE] = Number.parseInt(String(value), 10) || -1;
    else if (TEXT_KEYS.has(key)) settings[key] = value === null || value === undefined || value === '' ? null : String(value);
    else settings[key] = truthy(value);
  }
  return settings;
}

/** How the API sends values: "true"/"false" in any case, digit strings as numbers. */
function normalise(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value.toLowerCase() === 'true') return true;
  if (value.toLowerCase() === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/**
 * Applies the known keys present in `body` to `current` and returns the new settings and
 * the keys that changed. Keys absent from the body keep their value, as in Pagure's API.
 */
export function applySettings(current: Settings, body: Record<string, unknown>): { settings: Settings; changed: SettingKey[] } {
  const next = { ...current };
  for (const [key, raw] of Object.entries(body)) {
    if (!isSettingKey(key)) continue;
    const value = normalise(raw);
    if (key === MIN_SCORE) {
      if (!value) next[MIN_SCORE] = -1;
      else {
        const score = value === true ? 1 : Number(value);
        if (!Number.isInteger(score)) {
          throw Invalid('ENOCODE', "Please enter a numeric value for the 'minimum score to merge pull request' field.");
        }
        next[MIN_SCORE] = score;
      }
    } else if (TEXT_KEYS.has(key)) {
      next[key] = value ? String(value) : null;
      if (key === BLOCK_NON_FF) checkBranchPatterns(key, protectedBranchPatterns(next));
    } else {
      next[key] = value === true || value === 'y' || value === 1;
    }
  }
  const changed = (Object.keys(next) as SettingKey[]).filter((key) => next[key] !== current[key]).sort();
  return { settings: next, changed };
}
