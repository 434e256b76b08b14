// The plugin's options, as the admin gives them under `plugins:` in pagurus.config.yaml.
import { z } from '@pagurus/core';

/** A branch pattern: a regular expression a whole branch name must match ("f[0-9]+"). */
const branchPattern = z.string().refine(
  (value) => {
    try {
      new RegExp(`^(?:${value})$`);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a regular expression' },
);

export const optionsSchema = z.object({
  /** The namespaces that hold packages; the /_dg endpoints and the extras cover these. */
  namespaces: z.array(z.string().min(1)).min(1).default(['rpms', 'modules', 'container', 'flatpaks', 'tests']),
  /** The user an orphaned package is given to. It must exist (the README says how to make it). */
  orphan_user: z.string().min(1).default('orphan'),
  /** Members may be given commit access to packages and may take orphaned ones. */
  packager_group: z.string().min(1).default('packager'),
  /** Members may push to every package except those marked exempt. */
  provenpackager_group: z.string().min(1).default('provenpackager'),
  /** Members may push to every package, exempt ones too, and orphan or give any package. */
  releng_group: z.string().min(1).default('releng'),
  /** The branch a new package starts on. */
  initial_branch: z.string().min(1).default('rawhide'),
  /** Aliases of the initial branch made with a new package (symbolic refs: a push to main updates rawhide). */
  initial_aliases: z.array(z.string().min(1)).default(['main']),
  /** The branches pushes may reach (regular expressions matching the whole name); the default branch alias counts as its target. */
  supported_branches: z.array(branchPattern).min(1).default(['rawhide', 'main', 'f[0-9]+', 'epel[0-9]+', 'epel[0-9]+\\.[0-9]+']),
  /**
   * The extras files are built again at the latest after this long: changes of watchers, which
   * send no event, show within it; everything else shows at once.
   */
  extras_max_age_seconds: z.number().int().min(1).default(300),
  /** The Bugzilla that tracks the packages' bugs (the Issues tab and the Bugzilla panel link there). */
  bugzilla_url: z.string().url().default('https://bugzilla.redhat.com'),
  /** The Bugzilla product of each namespace; a namespace without one has no Issues tab. */
  bugzilla_products: z.record(z.string(), z.string().min(1)).default({
    rpms: 'Fedora',
    container: 'Fedora Container Images',
    modules: 'Fedora Modules',
    flatpaks: 'Fedora',
  }),
  /** The product for EPEL branches of rpms, whose assignee is the epel override. */
  bugzilla_epel_product: z.string().min(1).default('Fedora EPEL'),
  /**
   * Links shown on a package's overview ({name} and {namespace} are filled in), for the
   * namespaces listed (all when none are).
   */
  links: z.array(z.object({ label: z.string().min(1), url: z.string().min(1), namespaces: z.array(z.string()).optional() })).default([
    {
      label: 'Builds in Koji',
      url: 'https://koji.fedoraproject.org/koji/search?terms={name}&type=package&match=exact',
      namespaces: ['rpms'],
    },
    { label: 'Updates in Bodhi', url: 'https://bodhi.fedoraproject.org/updates/?packages={name}', namespaces: ['rpms'] },
    { label: 'Fedora Packages', url: 'https://packages.fedoraproject.org/pkgs/{name}/', namespaces: ['rpms'] },
    { label: 'Koschei', url: 'https://koschei.fedoraproject.org/package/{name}', namespaces: ['rpms'] },
  ]),
  /** Where a retired package's page sends those who want it back ({name} and {namespace} filled in). */
  unretire_url: z
    .string()
    .min(1)
    .default('https://pagure.io/releng/new_issue?title=Unretire%20{namespace}/{name}&template=package_unretirement'),
  /** Where the lookaside cache keeps its files (default: <data_dir>/lookaside). */
  lookaside_dir: z.string().min(1).optional(),
  /** The largest file the lookaside cache takes, in MiB. */
  lookaside_max_mb: z.number().int().min(1).default(20_480),
});

export type DistgitOptions = z.output<typeof optionsSchema>;
