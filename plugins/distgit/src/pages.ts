// A package's dist-git side on its overview, for people with a browser: who maintains it or
// why it is orphaned, whether it is retired, its monitoring, the orphan form and the Take
// button, links to Fedora's services; and the forms' targets, which do what the /_dg
// endpoints do, as the logged-in viewer, then say so and go back to the overview.
import {
  isForgeError,
  type ForgeApi,
  type ForgeContext,
  type PagePanel,
  type ProjectPageRoutes,
  type ProjectScope,
  type ProjectViewContext,
} from '@pagurus/core';
import { bugzillaPanel } from './bugzilla.js';
import { MONITORING_STATUSES, ORPHAN_REASONS } from './monitoring.js';
import type { DistgitOptions } from './options.js';
import type { Packages } from './packages.js';

const LABELS: Record<(typeof MONITORING_STATUSES)[number], string> = {
  'no-monitoring': 'No monitoring',
  monitoring: 'Monitoring: bugs for new releases',
  'monitoring-with-scratch': 'Monitoring, with scratch builds',
  'monitoring-all': 'All versions: bugs for every release',
  'monitoring-all-scratch': 'All versions, with scratch builds',
  'monitoring-stable': 'Stable versions only',
  'monitoring-stable-scratch': 'Stable versions, with scratch builds',
};

const fill = (template: string, project: { namespace: string | null; name: string }) =>
  template.replaceAll('{name}', encodeURIComponent(project.name)).replaceAll('{namespace}', encodeURIComponent(project.namespace ?? ''));

export function registerPages(forge: ForgeApi, packages: Packages, options: DistgitOptions): void {
  // A package's overview: the Package panel first, the Bugzilla panel last, from one read of
  // the project, of its dist-git state and of the viewer's groups.
  forge.hooks.projectView.tapPromise('distgit', async (panels: PagePanel[], { project, viewer, can }: ProjectViewContext) => {
    if (!packages.isPackage(project)) return panels;
    const record = await forge.services.projects.byId(project.id);
    if (!record) return panels;
    const user = viewer ? await forge.services.users.byName(viewer.name) : undefined;
    const [state, active, roles] = await Promise.all([
      packages.state(record),
      packages.active(record),
      forge.services.access.viewer(user ?? null).then((asViewer) => packages.roles(asViewer)),
    ]);
    const [orphan, monitoring, overrides] = await Promise.all([
      packages.orphanStatus(record, state),
      packages.monitoring(record, state),
      packages.overrides(record, state),
    ]);
    const data = {
      base: `/${project.fullname}`,
      owner: record.ownerName,
      orphan: orphan.orphan ? orphan : undefined,
      canTake: orphan.orphan && roles.packager,
      active,
      unretire: fill(options.unretire_url, project),
      canCommit: can.commit,
      canOrphan: !orphan.orphan && (can.admin || roles.releng),
      monitoringLabel: LABELS[monitoring],
      statuses: MONITORING_STATUSES.map((value) => ({ value, label: LABELS[value], selected: value === monitoring })),
      reasons: ORPHAN_REASONS,
      links: options.links
        .filter((link) => !link.namespaces || link.namespaces.includes(project.namespace ?? ''))
        .map((link) => ({ label: link.label, url: fill(link.url, project) })),
    };
    const bugzilla = bugzillaPanel(options, record, overrides, can);
    return [{ id: 'distgit-package', title: 'Package', partial: 'distgit/package', data }, ...panels, ...(bugzilla ? [bugzilla] : [])];
  });

  // A branch holding dead.package is retired (its release reached its end, or the package
  // was retired there): marked on the branches page; the others are active.
  forge.hooks.branchBadges.tapPromise('distgit', async (badges, { project, branches }) => {
    if (!packages.isPackage(project)) return badges;
    const record = await forge.services.projects.byId(project.id);
    if (!record) return badges;
    const dead = await Promise.all(
      branches.map(async ({ name }) => (await forge.git.readBlob(record, name, 'dead.package', { maxBytes: 1 })) !== undefined),
    );
    branches.forEach(({ name }, i) => {
      if (dead[i]) badges[name] = [...(badges[name] ?? []), { label: 'retired', tone: 'muted' }];
    });
    return badges;
  });

  forge.hooks.projectWebRoutes.tap('distgit', (routes: ProjectPageRoutes) => {
    /** Runs a form's action for a package, then flashes its outcome and goes back to the overview. */
    const action = (suffix: string, run: (ctx: ForgeContext, scope: ProjectScope, body: Record<string, unknown>) => Promise<string>) =>
      routes.post(
        `/distgit/${suffix}`,
        async (ctx, scope) => {
          if (!packages.isPackage(scope.project)) {
            ctx.status = 404;
            return;
          }
          const body = (ctx.request.body ?? {}) as Record<string, unknown>;
          try {
            ctx.flash(await run(ctx, scope, body));
          } catch (error) {
            if (!isForgeError(error)) throw error;
            const details =
              error.errors && typeof error.errors === 'object' && !Array.isArray(error.errors) ? Object.values(error.errors).flat() : [];
            ctx.flash(details.length ? details.join(' ') : error.message);
          }
          ctx.redirect(`/${scope.project.namespace}/${scope.project.name}`);
        },
        { forks: false },
      );

    action('monitoring', async (_ctx, { viewer, project }, body) => {
      const status = await packages.setMonitoring(viewer, project, body.anitya_status);
      return `Monitoring set: ${LABELS[status]}`;
    });
    action('orphan', async (_ctx, { viewer, project }, body) => {
      await packages.orphan(viewer, project, body);
      return `${project.namespace}/${project.name} is orphaned`;
    });
    action('take', async (_ctx, { viewer, project }) => {
      await packages.take(viewer, project);
      return `You maintain ${project.namespace}/${project.name} now`;
    });
    action('bzoverrides', async (_ctx, { viewer, project }, body) => {
      await packages.setOverrides(viewer, project, body);
      return 'Bugzilla assignees updated';
    });
  });
}
