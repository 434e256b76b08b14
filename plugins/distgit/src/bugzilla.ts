// A package's bugs live in Bugzilla, not in core's tracker (off for packages): its Issues tab
// goes to the namespace's Bugzilla product, and its overview shows who the bugs are assigned
// to, as the overrides say (the main admin when none is set).
import type { ForgeApi, NavLink, PagePanel, ProjectRecord, ProjectRef, ProjectViewContext } from '@pagurus/core';
import type { DistgitOptions } from './options.js';
import type { Overrides, Packages } from './packages.js';

export function bugzillaBugs(options: DistgitOptions, project: { namespace: string | null; name: string }): string | undefined {
  const product = project.namespace === null ? undefined : options.bugzilla_products[project.namespace];
  if (!product) return undefined;
  const query = new URLSearchParams({ bug_status: '__open__', product, component: project.name });
  return `${options.bugzilla_url.replace(/\/+$/, '')}/buglist.cgi?${query.toString()}`;
}

export function registerBugzillaTab(forge: ForgeApi, packages: Packages, options: DistgitOptions): void {
  forge.hooks.projectTabs.tap('distgit', (tabs: NavLink[], { project }: { project: ProjectRef }) => {
    const bugs = packages.isPackage(project) ? bugzillaBugs(options, project) : undefined;
    if (!bugs) return tabs;
    const tab = { id: 'issues', label: 'Issues', href: bugs };
    const at = tabs.findIndex((t) => t.id === 'pull-requests');
    const rest = tabs.filter((t) => t.id !== 'issues');
    return at < 0 ? [...rest, tab] : [...rest.slice(0, at), tab, ...rest.slice(at)];
  });
}

/** The Bugzilla panel of a package's overview: who its bugs go to per product, and where they are. */
export function bugzillaPanel(
  options: DistgitOptions,
  record: ProjectRecord,
  overrides: Overrides,
  can: ProjectViewContext['can'],
): PagePanel | undefined {
  const bugs = bugzillaBugs(options, record);
  if (!bugs) return undefined;
  const assignee = (field: string, product: string, override: string | null) => ({
    field,
    product,
    name: override ?? record.ownerName,
    group: override?.startsWith('@') ?? false,
    override: override !== null,
  });
  const assignees = [assignee('fedora_assignee', options.bugzilla_products[record.namespace!]!, overrides.fedora_assignee)];
  if (record.namespace === 'rpms') assignees.push(assignee('epel_assignee', options.bugzilla_epel_product, overrides.epel_assignee));
  const data = { assignees, bugs, canAdmin: can.admin, base: `/${record.namespace}/${record.name}` };
  return { id: 'distgit-bugzilla', title: 'Bugzilla', partial: 'distgit/bugzilla', data };
}
