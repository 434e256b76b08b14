// A project's settings page, for its admins: details, options, who has access (users and
// groups, levels, collaborators' branch patterns), the tracker's tags, milestones,
// priorities and close statuses, project API tokens, giving the project away, deleting it.
import { GRANTABLE_LEVELS, rowId, type GrantableLevel } from '../../domain/index.js';
import { Invalid } from '../../errors/index.js';
import type { ForgeContext, ForgeRouter } from '../../plugins/index.js';
import {
  parseCloseStatuses,
  parseMilestones,
  parsePriorities,
  readSettings,
  SETTING_DEFAULTS,
  type DomainServices,
} from '../../services/index.js';
import { REFS_HEADS, setHead } from '../../git/index.js';
import { withRepoLock, type GitBrowseDeps } from '../common/git-context.js';
import { aclChoices, offeredAcls } from './acl-choices.js';
import {
  attempt,
  forField,
  form,
  formList,
  loginFirst,
  PROJECT_PATHS,
  projectHeader,
  projectView,
  withFieldNames,
  type ProjectView,
  viewContext,
} from './page-kit.js';
import { chosenAcls, expiryDate, newTokenFlash, tokenRows } from './settings-pages.js';
import { PLUGIN_SETTINGS_ANCHOR, pluginSettingsSections, savePluginSettings } from './plugin-settings-pages.js';
import { flash, type Flash } from './session.js';
import { commaList } from './ticket-view.js';

const LEVEL_HELP: Record<GrantableLevel, string> = {
  ticket: 'ticket: edit issues’ metadata',
  collaborator: 'collaborator: push to some branches',
  commit: 'commit: push, merge pull requests',
  admin: 'admin: all of that, and these settings',
};

/** Settings edited as text on the options form; the rest are checkboxes. */
const TEXT_OPTIONS = new Set(['Minimum_score_to_merge_pull-request', 'Web-hooks', 'block_non_fast_forward']);

/** "weight title" per line → the two lists setPriorities takes. */
function priorityLines(text: string): { weights: string[]; titles: string[] } {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const weights: string[] = [];
  const titles: string[] = [];
  for (const line of lines) {
    const match = /^(-?\d+)\s+(.+)$/.exec(line);
    if (!match) throw Invalid('EINVALIDREQ', { errors: { priorities: [`“${line}” is not “<number> <name>”`] } });
    weights.push(match[1]!);
    titles.push(match[2]!.trim());
  }
  return { weights, titles };
}

/** "name | date | inactive" per line → the lists setMilestones takes. */
function milestoneLines(text: string): { names: string[]; dates: string[]; active: string[] } {
  const names: string[] = [];
  const dates: string[] = [];
  const active: string[] = [];
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const [name = '', date = '', state = ''] = line.split('|').map((part) => part.trim());
    if (!name) throw Invalid('EINVALIDREQ', { errors: { milestones: [`“${line}” has no name`] } });
    names.push(name);
    dates.push(date);
    if (state.toLowerCase() !== 'inactive') active.push(name);
  }
  return { names, dates, active };
}

/** Where a settings form leads: another page than its section, a new token to show once. */
interface Outcome {
  to?: string;
  token?: Flash['token'];
}

export function projectSettingsPages(router: ForgeRouter, services: DomainServices, deps: GitBrowseDeps): void {
  async function adminView(ctx: ForgeContext): Promise<ProjectView | undefined> {
    if (!loginFirst(ctx)) return undefined;
    const view = await projectView(ctx, services, deps);
    await services.projects.requireAdmin(view.viewer, view.record);
    return view;
  }

  async function show(ctx: ForgeContext, view: ProjectView, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
    const [contributors, meta, tags, tokens, { branches, head }, templates] = await Promise.all([
      services.grants.contributors(view.record),
      services.tracker.meta(view.record),
      services.tracker.tags(view.record),
      services.tokens.list(ctx.state.user!),
      view.refs(),
      services.tracker.issueTemplates(view.record),
    ]);
    const settings = readSettings(view.record);
    const grants = (kind: 'user' | 'group', c: typeof contributors.users) => [
      ...c.admin.filter((name) => kind === 'group' || name !== view.record.ownerName).map((name) => ({ name, level: 'admin' })),
      ...c.commit.map((name) => ({ name, level: 'commit' })),
      ...c.collaborators.map((x) => ({ name: x.user, level: 'collaborator', branches: x.branches })),
      ...c.ticket.map((name) => ({ name, level: 'ticket' })),
    ];
    const values = (extra.values ?? {}) as Record<string, string>;
    await ctx.render('project-settings', {
      title: `Settings - ${view.fullname}`,
      project: projectHeader(view, 'settings'),
      action: `${view.base}/settings`,
      details: { description: values.description ?? view.record.description, url: values.url ?? view.record.url },
      owner: view.record.ownerName,
      branches: branches
        .filter((b) => !b.symref)
        .map((b) => ({ name: b.ref.slice(REFS_HEADS.length), selected: b.ref === `${REFS_HEADS}${head?.name}` })),
      users: grants('user', contributors.users),
      groups: grants('group', contributors.groups),
      levels: GRANTABLE_LEVELS.map((level) => ({ level, help: LEVEL_HELP[level], selected: level === (values.level ?? 'commit') })),
      flags: (Object.keys(SETTING_DEFAULTS) as Array<keyof typeof SETTING_DEFAULTS>)
        .filter((k) => !TEXT_OPTIONS.has(k))
        .map((key) => ({ key, label: key.replace(/[_-]/g, ' '), checked: settings[key] === true })),
      minScore: settings['Minimum_score_to_merge_pull-request'],
      webHooks: settings['Web-hooks'] ?? '',
      blockNonFf: settings.block_non_fast_forward ?? '',
      tags,
      templates,
      closeStatuses: meta.closeStatus.join(', '),
      priorities: Object.entries(meta.priorities)
        .filter(([k]) => k !== '')
        .map(([k, v]) => `${k} ${v}`)
        .join('\n'),
      milestones: meta.milestones.map((m) => `${m.name} | ${m.date ?? ''}${m.active ? '' : ' | inactive'}`).join('\n'),
      tokens: tokenRows(tokens.filter((t) => t.projectId === view.record.id)),
      acls: aclChoices('project', false, (extra.chosen as string[] | undefined) ?? []),
      isOwner: view.viewer.siteAdmin || view.record.userId === ctx.state.user!.id,
      values,
      errors: {},
      pluginSections: await pluginSettingsSections(ctx, services, view, extra),
      pluginLinks: await deps.hooks.projectSettingsLinks.promise([], viewContext(view)),
      ...extra,
    });
    ctx.status = status;
  }

  router.get(
    PROJECT_PATHS.map((p) => `${p}/settings`),
    async (ctx) => {
      const view = await adminView(ctx);
      if (view) await show(ctx, view);
    },
  );

  /** A form of the settings page: back to its section saying `done` once, or the page with the error by the field. */
  function action(
    suffix: string,
    anchor: string,
    done: string,
    run: (ctx: ForgeContext, view: ProjectView, values: Record<string, string>) => Promise<Outcome | void>,
  ) {
    router.post(
      PROJECT_PATHS.map((p) => `${p}/settings/${suffix}`),
      async (ctx) => {
        const view = await adminView(ctx);
        if (!view) return;
        const values = form(ctx);
        let outcome: Outcome | void = undefined;
        const failed = await attempt(async () => {
          outcome = await run(ctx, view, values);
        });
        if (failed) {
          await show(ctx, view, { values, errors: failed.errors, chosen: formList(ctx, 'acls'), failedForm: anchor }, failed.status);
          return;
        }
        // Assigned inside the closure above, which TypeScript's narrowing does not follow.
        const result = outcome as Outcome | void;
        flash(ctx, done, result?.token);
        ctx.redirect(result?.to ?? `${view.base}/settings#${anchor}`);
      },
    );
  }

  action('details', 'details', 'Details saved', async (_ctx, view, values) => {
    await services.projects.updateDetails(view.viewer, view.record, { description: values.description ?? '', url: values.url ?? '' });
  });

  action('default-branch', 'details', 'Default branch changed', async (_ctx, view, values) => {
    const name = values.branch ?? '';
    const { branches } = await view.refs();
    if (!branches.some((b) => b.ref === `${REFS_HEADS}${name}`))
      throw Invalid('EINVALIDREQ', { errors: { branch: ['Not a branch of this project'] } });
    await withRepoLock(deps, view.record, () => setHead(view.dir, `${REFS_HEADS}${name}`));
  });

  action('options', 'options', 'Options saved', async (ctx, view, values) => {
    const checked = new Set(formList(ctx, 'flags'));
    const body: Record<string, unknown> = {};
    for (const key of Object.keys(SETTING_DEFAULTS)) body[key] = TEXT_OPTIONS.has(key) ? (values[key] ?? '') : checked.has(key);
    await services.projects.updateSettings(view.viewer, view.record, body);
  });

  action('access/add', 'access', 'Access given', async (_ctx, view, values) => {
    const kind = values.kind === 'group' ? 'group' : 'user';
    const level = values.level as GrantableLevel;
    if (!(GRANTABLE_LEVELS as readonly string[]).includes(level))
      throw Invalid('EINVALIDREQ', { errors: { level: ['Not a valid choice.'] } });
    if (!(values.name ?? '').trim()) throw Invalid('EINVALIDREQ', { errors: { name: ['This field is required.'] } });
    const branches = commaList(values.branches);
    if (level === 'collaborator' && !branches.length)
      throw Invalid('EINVALIDREQ', { errors: { branches: ['Collaborators need branch patterns, such as f* or epel*'] } });
    await services.grants.change(view.viewer, view.record, {
      kind,
      name: values.name!.trim(),
      level,
      ...(level === 'collaborator' ? { branches } : {}),
    });
  });

  action('access/remove', 'access', 'Access removed', async (_ctx, view, values) => {
    await services.grants.change(view.viewer, view.record, {
      kind: values.kind === 'group' ? 'group' : 'user',
      name: values.name ?? '',
      level: null,
    });
  });

  action('tags/add', 'tracker', 'Tag added', async (_ctx, view, values) => {
    const tag = (values.tag ?? '').trim();
    if (!tag) throw Invalid('EINVALIDREQ', { errors: { tag: ['This field is required.'] } });
    await services.tracker.createTag(view.record, { tag, description: values.tag_description ?? '', color: values.tag_color || '#1e5a9c' });
  });

  action('tags/drop', 'tracker', 'Tag deleted', async (_ctx, view, values) => {
    await services.tracker.deleteTag(view.record, values.tag ?? '');
  });

  action('templates/save', 'templates', 'Template saved', async (_ctx, view, values) => {
    await services.tracker.saveIssueTemplate(view.record, { name: values.template_name ?? '', content: values.template_content ?? '' });
  });

  action('templates/drop', 'templates', 'Template deleted', async (_ctx, view, values) => {
    await services.tracker.deleteIssueTemplate(view.record, values.template_name ?? '');
  });

  action('tracker', 'tracker', 'Tracker settings saved', async (_ctx, view, values) => {
    const priorities = priorityLines(values.priorities ?? '');
    const milestones = milestoneLines(values.milestones ?? '');
    // All three are checked before any is stored, then stored together: a refusal writes nothing.
    const lists = {
      closeStatuses: await forField('close_statuses', async () => parseCloseStatuses(commaList(values.close_statuses))),
      priorities: await forField('priorities', async () => parsePriorities(priorities.weights, priorities.titles)),
      milestones: await forField('milestones', async () => parseMilestones(milestones.names, milestones.dates, milestones.active)),
    };
    await services.tracker.saveLists(view.record, lists);
  });

  action('token/new', 'tokens', 'Token created', async (ctx, view, values) => {
    const acls = chosenAcls(formList(ctx, 'acls'), offeredAcls('project', false));
    const expiresAt = expiryDate(values.token_expires);
    const { value, token } = await withFieldNames({ description: 'token_description', expiration_date: 'expires' }, () =>
      services.tokens.create(ctx.state.user!, {
        acls,
        projectId: view.record.id,
        description: values.token_description ?? '',
        ...(expiresAt ? { expiresAt } : {}),
      }),
    );
    return { token: newTokenFlash(value, token) };
  });

  action('token/revoke', 'tokens', 'Token revoked', async (ctx, _view, values) => {
    await services.tokens.revoke(ctx.state.user, rowId(values.id) ?? 0);
  });

  action('give', 'danger', 'Project given', async (_ctx, view, values) => {
    await services.projects.setMainAdmin(view.viewer, view.record, {
      mainAdmin: (values.user ?? '').trim() || undefined,
      retainAccess: Boolean(values.retain_access),
    });
    return { to: view.base };
  });

  action('plugins/:plugin', PLUGIN_SETTINGS_ANCHOR, 'Settings saved', savePluginSettings(services));

  action('delete', 'danger', 'Project deleted', async (_ctx, view, values) => {
    if ((values.confirm ?? '').trim() !== view.fullname)
      throw Invalid('EINVALIDREQ', { errors: { confirm: [`Type ${view.fullname} to confirm`] } });
    await services.projects.remove(view.viewer, view.record);
    return { to: '/projects' };
  });
}
