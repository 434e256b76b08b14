// Many projects at once, with who holds what on each and who watches them: for reports over a
// whole forge (dist-git's extras files list 25,000 packages). A fixed number of queries
// whatever the number of projects, each streaming rows in project order.
import type { Knex } from 'knex';
import type { GrantsByLevel, InventoryEntry, InventoryFilter } from '../../plugins/index.js';
import type { ServiceContext } from '../context.js';
import { watchersOf, type WatchRow } from './watchers-service.js';

type Level = keyof GrantsByLevel;

const emptyGrants = (): GrantsByLevel => ({ admin: [], commit: [], collaborator: [], ticket: [] });

export class ProjectInventory {
  constructor(private readonly ctx: ServiceContext) {}

  /** The projects the filter selects, by namespace then name; four queries in all. */
  async list(filter: InventoryFilter = {}): Promise<InventoryEntry[]> {
    const db = this.ctx.db;
    const selected = (query: Knex.QueryBuilder) => {
      if (!filter.forks) query.where('p.is_fork', false);
      if (!filter.private) query.where('p.private', false);
      if (filter.namespaces) {
        const named = filter.namespaces.filter((n): n is string => n !== null);
        const bare = filter.namespaces.includes(null);
        query.where((w) => {
          w.whereIn('p.namespace', named);
          if (bare) w.orWhereNull('p.namespace');
        });
      }
      return query;
    };
    const ids = () => selected(db('projects as p').select('p.id'));
    const [projects, userRows, groupRows, watchRows] = (await Promise.all([
      selected(
        db('projects as p')
          .join('users as u', 'u.id', 'p.user_id')
          .select('p.id', 'p.name', 'p.namespace', 'p.is_fork', 'p.private', 'u.name as owner')
          .orderBy([{ column: 'p.namespace' }, { column: 'p.name' }, { column: 'p.id' }]),
      ),
      db('project_user_access as a')
        .join('users as u', 'u.id', 'a.user_id')
        .whereIn('a.project_id', ids())
        .orderBy('u.name')
        .select('a.project_id', 'u.name', 'a.access'),
      db('project_group_access as a')
        .join('groups as g', 'g.id', 'a.group_id')
        .whereIn('a.project_id', ids())
        .orderBy('g.name')
        .select('a.project_id', 'g.name', 'a.access'),
      db('watchers as w')
        .join('users as u', 'u.id', 'w.user_id')
        .whereIn('w.project_id', ids())
        .orderBy('u.name')
        .select('w.project_id', 'u.name', 'w.watch_issues', 'w.watch_commits'),
    ])) as [
      Array<{ id: number; name: string; namespace: string | null; is_fork: boolean; private: boolean; owner: string }>,
      Array<{ project_id: number; name: string; access: Level }>,
      Array<{ project_id: number; name: string; access: Level }>,
      Array<WatchRow & { project_id: number }>,
    ];
    const users = new Map<number, GrantsByLevel>();
    const groups = new Map<number, GrantsByLevel>();
    const grant = (map: Map<number, GrantsByLevel>, row: { project_id: number; name: string; access: Level }) => {
      let entry = map.get(row.project_id);
      if (!entry) map.set(row.project_id, (entry = emptyGrants()));
      entry[row.access]?.push(row.name);
    };
    for (const row of userRows) grant(users, row);
    for (const row of groupRows) grant(groups, row);
    const watches = new Map<number, WatchRow[]>();
    for (const row of watchRows) {
      const list = watches.get(row.project_id) ?? [];
      list.push(row);
      watches.set(row.project_id, list);
    }
    return projects.map((p) => {
      const u = users.get(p.id) ?? emptyGrants();
      const g = groups.get(p.id) ?? emptyGrants();
      const all = (grants: GrantsByLevel) => [...grants.admin, ...grants.commit, ...grants.collaborator, ...grants.ticket];
      return {
        id: p.id,
        name: p.name,
        namespace: p.namespace,
        owner: p.owner,
        forkOf: p.is_fork ? p.owner : null,
        private: p.private,
        users: u,
        groups: g,
        watchers: watchersOf(p.owner, all(u), all(g), watches.get(p.id) ?? []),
      };
    });
  }
}
