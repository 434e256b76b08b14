// Commit flags: CI systems report a status on a commit; the same uid on the same commit
// updates the report. Written in one statement (insert ... on conflict), so two CI jobs
// posting the same uid at once end with one flag, never an error or a half-written row.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { USER_COLUMNS, userFromRow, type UserRow } from '../../db/index.js';
import type { ProjectRecord, PullRequestRecord, UserRecord } from '../../domain/index.js';
import type { PullRequestsService } from '../pulls/pull-requests-service.js';
import { Invalid } from '../../errors/index.js';
import type { ServiceContext } from '../context.js';
import { epochString } from '../json/common.js';
import { userJson } from '../json/user-json.js';
import { URL_PATTERN } from '../projects/project-input.js';
import type { ProjectsService } from '../projects/projects-service.js';
import type { FlagPayload } from '../../plugins/event-payloads.js';

/** Pagure's default FLAG_STATUSES_LABELS keys, in its order. */
export const FLAG_STATUSES = ['success', 'failure', 'error', 'pending', 'canceled'] as const;

export interface FlagInput {
  username: unknown;
  status: unknown;
  percent: unknown;
  comment: unknown;
  url: unknown;
  uid: unknown;
}

/** A flag as the API answers it (pull-request flags too: since Pagure 5.12 they are flags on the head commit), and as events carry it. */
export type FlagJson = FlagPayload;

interface FlagRow {
  commit_hash: string;
  uid: string;
  username: string;
  percent: number | null;
  comment: string;
  status: string;
  url: string;
  created_at: Date;
  updated_at: Date;
  user_id: number;
}

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '');

/** Checks the fields as Pagure's flag form does, all errors at once. */
export function readFlagInput(input: FlagInput): {
  username: string;
  status: string;
  percent: number | null;
  comment: string;
  url: string;
  uid: string | null;
} {
  const errors: Record<string, string[]> = {};
  const username = text(input.username);
  const status = text(input.status);
  const comment = text(input.comment);
  const url = text(input.url);
  const uid = text(input.uid);
  const percentText = text(input.percent);
  if (!username) errors.username = ['This field is required.'];
  if (!status) errors.status = ['This field is required.'];
  else if (!(FLAG_STATUSES as readonly string[]).includes(status)) errors.status = ['Not a valid choice.'];
  if (!comment) errors.comment = ['This field is required.'];
  if (!url) errors.url = ['This field is required.'];
  else if (!URL_PATTERN.test(url)) errors.url = ['Invalid input.'];
  let percent: number | null = null;
  if (percentText) {
    percent = /^\d{1,3}$/.test(percentText) ? Number(percentText) : NaN;
    if (Number.isNaN(percent) || percent > 100) errors.percent = ['Not a valid percentage: a whole number from 0 to 100.'];
  }
  if (uid.length > 32) errors.uid = ['Field cannot be longer than 32 characters.'];
  if (Object.keys(errors).length) throw Invalid('EINVALIDREQ', { errors });
  return { username, status, percent, comment, url, uid: uid || null };
}

export class FlagsService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly projects: ProjectsService,
    private readonly pullRequests?: PullRequestsService,
  ) {}

  private json(row: FlagRow, user: UserRecord): FlagJson {
    return {
      commit_hash: row.commit_hash,
      username: row.username,
      percent: row.percent,
      comment: row.comment,
      status: row.status,
      url: row.url,
      date_created: epochString(row.created_at),
      date_updated: epochString(row.updated_at),
      // Pagure shows the flagging user's addresses here; Pagurus never does.
      user: userJson(user, this.ctx.config.url),
    };
  }

  /** Adds the flag, or updates the one with the same uid on this commit. */
  async flagCommit(
    project: ProjectRecord,
    commitHash: string,
    input: FlagInput,
    by: { user: UserRecord; tokenId: number | null },
    pullRequest?: PullRequestRecord,
  ): Promise<{ message: 'Flag added' | 'Flag updated'; uid: string; flag: FlagJson }> {
    const fields = readFlagInput(input);
    const uid = fields.uid ?? randomUUID().replace(/-/g, '');
    return this.ctx.db.transaction(async (trx) => {
      const result = (await trx.raw(
        `insert into commit_flags (project_id, commit_hash, uid, user_id, token_id, username, status, percent, comment, url)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (project_id, commit_hash, uid) do update set
           status = excluded.status, percent = excluded.percent, comment = excluded.comment,
           url = excluded.url, updated_at = now()
         returning commit_hash, uid, username, percent, comment, status, url, created_at, updated_at, user_id, (xmax = 0) as inserted`,
        [project.id, commitHash, uid, by.user.id, by.tokenId, fields.username, fields.status, fields.percent, fields.comment, fields.url],
      )) as { rows: Array<FlagRow & { inserted: boolean }> };
      const row = result.rows[0]!;
      const owner = row.user_id === by.user.id ? by.user : await this.userById(row.user_id, trx);
      const flag = this.json(row, owner);
      const action = row.inserted ? 'added' : 'updated';
      const options = { agent: by.user.name, project };
      if (pullRequest && this.pullRequests) {
        await this.ctx.events.emit(
          trx,
          `pull-request.flag.${action}`,
          { pullrequest: await this.pullRequests.json(pullRequest, { db: trx }), flag },
          options,
        );
      } else {
        await this.ctx.events.emit(trx, `commit.flag.${action}`, { repo: await this.projects.json(project, trx), flag }, options);
      }
      return { message: row.inserted ? 'Flag added' : 'Flag updated', uid: row.uid, flag };
    });
  }

  /**
   * A commit's flags, oldest update first, as Pagure lists them: two queries whatever their number.
   * The third argument (a pull request's uid, from older callers) is ignored: every flag names its commit.
   */
  async ofCommit(project: ProjectRecord, commitHash: string): Promise<FlagJson[]> {
    const rows = (await this.ctx
      .db('commit_flags')
      .where({ project_id: project.id, commit_hash: commitHash })
      .orderBy([{ column: 'updated_at' }, { column: 'id' }])
      .select('commit_hash', 'uid', 'username', 'percent', 'comment', 'status', 'url', 'created_at', 'updated_at', 'user_id')) as FlagRow[];
    if (!rows.length) return [];
    const users = (await this.ctx
      .db('users')
      .whereIn('users.id', [...new Set(rows.map((r) => r.user_id))])
      .select(...USER_COLUMNS)) as UserRow[];
    const byId = new Map(users.map((u) => [u.id, userFromRow(u)]));
    return rows.map((row) => this.json(row, byId.get(row.user_id)!));
  }

  private async userById(id: number, db: Knex): Promise<UserRecord> {
    const row = (await db('users')
      .where('users.id', id)
      .first(...USER_COLUMNS)) as UserRow;
    return userFromRow(row);
  }
}
