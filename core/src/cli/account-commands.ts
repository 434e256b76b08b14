// pagurus user|group|token: managing accounts from the command line.
import type { Command } from 'commander';
import { isTokenAcl, parseFullname, projectFullname, USER_ACLS, type TokenAcl } from '../domain/index.js';
import { StartupError } from '../errors/index.js';
import type { Forge } from '../forge.js';
import type { GlobalOptions } from './commands.js';
import { say, table } from './output.js';
import { sshKeyCommands } from './ssh-key-commands.js';
import { readStdin, withForge } from './with-forge.js';

async function userNamed(forge: Forge, name: string) {
  const user = await forge.services.users.byName(name);
  if (!user) throw new StartupError(`no user named "${name}"`);
  return user;
}

async function groupNamed(forge: Forge, name: string) {
  const group = await forge.services.groups.byName(name);
  if (!group) throw new StartupError(`no group named "${name}"`);
  return group;
}

export function accountCommands(program: Command, global: () => GlobalOptions): void {
  const user = program.command('user').description('manage user accounts');
  user
    .command('create <name>')
    .description('create a user')
    .requiredOption('--email <address>', 'their email address')
    .option('--password <password>', 'their password (visible in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--fullname <name>', 'their full name')
    .option('--admin', 'make them a site admin')
    .action(
      async (name: string, options: { email: string; password?: string; passwordStdin?: boolean; fullname?: string; admin?: boolean }) => {
        if (options.password !== undefined && options.passwordStdin)
          throw new StartupError('give --password or --password-stdin, not both');
        const password = options.passwordStdin ? await readStdin() : options.password;
        await withForge(global(), async (forge) => {
          const created = await forge.services.users.create({
            name,
            email: options.email,
            password,
            fullname: options.fullname,
            admin: options.admin,
          });
          say(
            `created user ${created.name}${created.isAdmin ? ' (site admin)' : ''}${password === undefined ? ' without a password (API tokens only)' : ''}`,
          );
        });
      },
    );
  user
    .command('list')
    .description('list users')
    .action(() =>
      withForge(global(), async (forge) => {
        const users = await forge.services.users.list();
        const emails = await forge.services.users.emails(users.map((u) => u.id));
        table(
          ['NAME', 'FULL NAME', 'EMAIL', 'ADMIN'],
          users.map((u) => [u.name, u.fullname, emails.get(u.id)?.defaultEmail ?? '', u.isAdmin ? 'yes' : '']),
        );
      }),
    );
  user
    .command('admin <name>')
    .description('make a user a site admin, or not')
    .option('--on', 'make them a site admin')
    .option('--off', 'take it away')
    .action(async (name: string, options: { on?: boolean; off?: boolean }) => {
      if (Boolean(options.on) === Boolean(options.off)) throw new StartupError('give --on or --off');
      await withForge(global(), async (forge) => {
        await forge.services.users.setAdmin(name, Boolean(options.on));
        say(`${name} is ${options.on ? 'now' : 'no longer'} a site admin`);
      });
    });

  sshKeyCommands(user, global);

  const group = program.command('group').description('manage groups');
  group
    .command('create <name>')
    .description('create a group')
    .requiredOption('--creator <user>', 'the user who owns it (its first member)')
    .option('--display-name <text>', 'a longer name')
    .option('--description <text>', 'what it is for')
    .option('--type <type>', 'user or admin', 'user')
    .action((name: string, options: { creator: string; displayName?: string; description?: string; type: string }) =>
      withForge(global(), async (forge) => {
        const created = await forge.services.groups.create(await userNamed(forge, options.creator), {
          name,
          displayName: options.displayName,
          description: options.description,
          groupType: options.type as 'user' | 'admin',
        });
        say(`created group ${created.name}`);
      }),
    );
  group
    .command('list')
    .description('list groups with their members')
    .action(() =>
      withForge(global(), async (forge) => {
        const { groups } = await forge.services.groups.list({ offset: 0, limit: 100_000 });
        const members = await forge.services.groups.members(groups.map((g) => g.id));
        table(
          ['GROUP', 'TYPE', 'MEMBERS'],
          groups.map((g) => [g.name, g.groupType, (members.get(g.id) ?? []).join(',')]),
        );
      }),
    );
  for (const [command, verb] of [
    ['add-member', 'add'],
    ['remove-member', 'remove'],
  ] as const) {
    group
      .command(`${command} <group> <user>`)
      .description(`${verb} a member`)
      .action((groupName: string, userName: string) =>
        withForge(global(), async (forge) => {
          const target = await groupNamed(forge, groupName);
          if (verb === 'add') await forge.services.groups.addMember(null, target, userName);
          else await forge.services.groups.removeMember(null, target, userName);
          say(`${userName} ${verb === 'add' ? 'added to' : 'removed from'} ${groupName}`);
        }),
      );
  }

  const token = program.command('token').description('manage API tokens');
  token
    .command('create <user>')
    .description('create an API token and print it (it is shown only once)')
    .requiredOption('--acls <list>', '"all", or ACL names separated by commas')
    .option('--project <fullname>', 'bind it to one project (rpms/bash, forks/alice/bash)')
    .option('--description <text>', 'what it is for')
    .option('--expires <days>', 'days until it expires', '60')
    .action((userName: string, options: { acls: string; project?: string; description?: string; expires: string }) =>
      withForge(global(), async (forge) => {
        const owner = await userNamed(forge, userName);
        const acls: TokenAcl[] =
          options.acls === 'all'
            ? [...USER_ACLS]
            : (options.acls
                .split(',')
                .map((a) => a.trim())
                .filter(Boolean) as TokenAcl[]);
        const unknown = acls.filter((acl) => !isTokenAcl(acl));
        if (unknown.length) throw new StartupError(`unknown ACLs: ${unknown.join(', ')}`);
        const days = Number(options.expires);
        if (!Number.isInteger(days) || days < 1 || days > 3650) throw new StartupError('--expires takes a number of days from 1 to 3650');
        let projectId: number | null = null;
        if (options.project) {
          const path = parseFullname(options.project);
          const project = path && (await forge.services.projectQueries.find(path));
          if (!project) throw new StartupError(`no project named "${options.project}"`);
          projectId = project.id;
        }
        const { value } = await forge.services.tokens.create(owner, {
          acls,
          projectId,
          description: options.description,
          expiresAt: new Date(Date.now() + days * 86_400_000),
        });
        say(value);
      }),
    );
  token
    .command('list <user>')
    .description("list a user's tokens that still work")
    .action((userName: string) =>
      withForge(global(), async (forge) => {
        const tokens = await forge.services.tokens.list(await userNamed(forge, userName));
        const projects = new Map<number, string>();
        for (const id of new Set(tokens.map((t) => t.projectId).filter((p): p is number => p !== null))) {
          const project = await forge.services.projectQueries.byId(id);
          if (project) projects.set(id, projectFullname(project));
        }
        table(
          ['ID', 'PROJECT', 'EXPIRES', 'ACLS', 'DESCRIPTION'],
          tokens.map((t) => [
            String(t.id),
            t.projectId === null ? '-' : (projects.get(t.projectId) ?? '?'),
            t.expiresAt.toISOString().slice(0, 10),
            t.acls.join(','),
            t.description,
          ]),
        );
      }),
    );
  token
    .command('revoke <id>')
    .description('revoke a token by its id (see token list)')
    .action((id: string) =>
      withForge(global(), async (forge) => {
        if (!/^\d+$/.test(id)) throw new StartupError('a token id is a number (see pagurus token list <user>)');
        await forge.services.tokens.revoke(null, Number(id));
        say(`token ${id} revoked`);
      }),
    );
}
