// Groups of users: creating them, listing them, and who is in them.
import { groupFromRow, type GroupRow } from '../../db/index.js';
import { LIMITS, type GroupRecord, type GroupType, type UserRecord } from '../../domain/index.js';
import { Conflict, Invalid, NotFound } from '../../errors/index.js';
import type { ServiceContext } from '../context.js';
import { checkLengths } from '../input-limits.js';
import { likePattern, type UsersService } from '../users/users-service.js';

export const GROUP_NAME = /^[a-zA-Z0-9_-]{1,255}$/;
const RESERVED_GROUP_NAMES = ['forks', 'group'];

export interface NewGroup {
  name: string;
  displayName?: string | undefined;
  description?: string | undefined;
  groupType?: GroupType | undefined;
}

/** A membership change refused: Pagure answers 400 EDBERROR with the reason in a one-item list. */
function refused(message: string) {
  return Invalid('EDBERROR', { errors: [message] });
}

export class GroupsService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly users: UsersService,
  ) {}

  async create(creator: UserRecord, input: NewGroup): Promise<GroupRecord> {
    const name = input.name.trim();
    if (!GROUP_NAME.test(name) || RESERVED_GROUP_NAMES.includes(name.toLowerCase())) {
      throw Invalid('EINVALIDREQ', { errors: { name: ['Use letters, digits, "_" and "-"; "forks" and "group" are reserved'] } });
    }
    const groupType = input.groupType ?? 'user';
    if (groupType !== 'user' && groupType !== 'admin') throw Invalid('EINVALIDREQ', { errors: { group_type: ['Not a valid choice.'] } });
    checkLengths([
      ['display_name', input.displayName?.trim(), LIMITS.groupDisplayName],
      ['description', input.description?.trim(), LIMITS.groupDescription],
    ]);
    return this.ctx.db.transaction(async (trx) => {
      if (await trx('groups').whereRaw('lower(name) = lower(?)', [name]).first('id')) {
        throw Conflict('ENOCODE', `There is already a group named ${name}`);
      }
      const [row] = (await trx('groups')
        .insert({
          name,
          display_name: input.displayName?.trim() || name,
          description: input.description?.trim() ?? '',
          group_type: groupType,
          creator_id: creator.id,
        })
        .returning('*')) as GroupRow[];
      // The creator is its first member.
      await trx('group_members').insert({ group_id: row!.id, user_id: creator.id });
      return groupFromRow(row!);
    });
  }

  async byName(name: string): Promise<GroupRecord | undefined> {
    const row = (await this.ctx.db('groups').where({ name }).first()) as GroupRow | undefined;
    return row && groupFromRow(row);
  }

  async require(name: string): Promise<GroupRecord> {
    const group = await this.byName(name);
    if (!group) throw NotFound('ENOGROUP');
    return group;
  }

  /** Groups by type then name; `pattern` matches the start of the name or the display name, without case. */
  async list(options: { pattern?: string | undefined; offset: number; limit: number }): Promise<{ total: number; groups: GroupRecord[] }> {
    const base = this.ctx.db('groups');
    if (options.pattern) {
      const like = likePattern(options.pattern, { prefix: true });
      base.where((q) => {
        q.where('name', 'ilike', like).orWhere('display_name', 'ilike', like);
      });
    }
    const [{ count }] = (await base.clone().count<Array<{ count: number }>>('* as count')) as [{ count: number }];
    const rows = (await base.orderBy(['group_type', 'name']).offset(options.offset).limit(options.limit).select('*')) as GroupRow[];
    return { total: Number(count), groups: rows.map(groupFromRow) };
  }

  /** Member names of each group, in the order they joined. */
  async members(groupIds: readonly number[]): Promise<Map<number, string[]>> {
    const result = new Map<number, string[]>(groupIds.map((id) => [id, []]));
    if (!groupIds.length) return result;
    const rows = (await this.ctx
      .db('group_members')
      .join('users', 'users.id', 'group_members.user_id')
      .whereIn('group_members.group_id', [...new Set(groupIds)])
      .orderBy(['group_members.added_at', 'users.id'])
      .select('group_members.group_id', 'users.name')) as Array<{ group_id: number; name: string }>;
    for (const row of rows) result.get(row.group_id)!.push(row.name);
    return result;
  }

  async isMember(group: GroupRecord, user: UserRecord): Promise<boolean> {
    return (await this.ctx.db('group_members').where({ group_id: group.id, user_id: user.id }).first('user_id')) !== undefined;
  }

  /** Names of the groups `user` belongs to. */
  async namesOf(user: UserRecord): Promise<string[]> {
    return (await this.ctx
      .db('group_members')
      .join('groups', 'groups.id', 'group_members.group_id')
      .where('group_members.user_id', user.id)
      .orderBy('groups.name')
      .pluck('groups.name')) as string[];
  }

  /**
   * Members, the creator and site admins may add people; `null` is the instance's operator
   * (the CLI). Adding a member twice changes nothing.
   */
  async addMember(actor: UserRecord | null, group: GroupRecord, username: string): Promise<void> {
    const user = await this.users.byName(username);
    if (!user) throw refused(`No user \`${username}\` found`);
    const allowed =
      actor === null || group.creatorId === actor.id || (await this.isMember(group, actor)) || (await this.users.isSiteAdmin(actor));
    if (!allowed) throw refused('You are not allowed to add user to this group');
    await this.ctx.db('group_members').insert({ group_id: group.id, user_id: user.id }).onConflict(['group_id', 'user_id']).ignore();
  }

  /**
   * Members, site admins and the operator (`null`) may remove people, never the creator;
   * `creatorToo` lets the operator remove the creator as well (for a group whose membership
   * another system owns, through the plugins' facade).
   */
  async removeMember(
    actor: UserRecord | null,
    group: GroupRecord,
    username: string,
    options: { creatorToo?: boolean } = {},
  ): Promise<void> {
    const user = await this.users.byName(username);
    if (!user) throw refused(`No user \`${username}\` found`);
    const allowed = actor === null || (await this.isMember(group, actor)) || (await this.users.isSiteAdmin(actor));
    if (!allowed) throw refused('You are not allowed to remove user from this group');
    if (user.id === group.creatorId && !(actor === null && options.creatorToo)) throw refused('The creator of a group cannot be removed');
    const removed = await this.ctx.db('group_members').where({ group_id: group.id, user_id: user.id }).delete();
    if (!removed) throw refused(`User \`${username}\` could not be found in the group \`${group.name}\``);
  }
}
