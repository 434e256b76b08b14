// The extras files Fedora's tools download: who is the point of contact of each package
// (pagure_poc.json), whom Bugzilla copies on its bugs (pagure_bz.json), and who owns it for
// the <package>-owner mail aliases (pagure_owner_alias.json). Built from the database on
// demand, kept per process, and built again when the extras' version moved (every change of
// owners, access, overrides or orphan state moves it, in the change's own transaction or
// through the event log) or when they are older than `extras_max_age_seconds` (watchers
// change without an event).
import { createHash } from 'node:crypto';
import type { ForgeApi, InventoryEntry } from '@pagurus/core';
import type { DistgitOptions } from './options.js';
import { allPackageStates, extrasVersion, type PackageState } from './store.js';

export const EXTRAS_FILES = ['pagure_poc.json', 'pagure_bz.json', 'pagure_owner_alias.json'] as const;
export type ExtrasFile = (typeof EXTRAS_FILES)[number];

export interface ExtrasAnswer {
  body: Buffer;
  etag: string;
}

interface Built {
  version: number;
  at: number;
  files: Map<ExtrasFile, ExtrasAnswer>;
}

type ByNamespace<T> = Record<string, Record<string, T>>;

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

function answer(value: unknown): ExtrasAnswer {
  const body = Buffer.from(JSON.stringify(value));
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** The three files' contents for these packages and their dist-git state. */
export function buildExtras(
  packages: readonly InventoryEntry[],
  states: ReadonlyMap<number, PackageState>,
  namespaces: readonly string[],
): Map<ExtrasFile, ExtrasAnswer> {
  const poc: ByNamespace<{ fedora: string; epel: string; admin: string }> = {};
  const bz: ByNamespace<string[]> = {};
  const owners: ByNamespace<string[]> = {};
  for (const ns of namespaces) {
    poc[ns] = {};
    bz[ns] = {};
    owners[ns] = {};
  }
  for (const entry of packages) {
    const ns = entry.namespace!;
    const state = states.get(entry.id);
    const fedora = state?.fedoraAssignee ?? entry.owner;
    const epel = state?.epelAssignee ?? entry.owner;
    poc[ns]![entry.name] = { fedora, epel, admin: entry.owner };
    const maintainers = [...entry.users.admin, ...entry.users.commit];
    const watching = Object.entries(entry.watchers)
      .filter(([, levels]) => levels.includes('issues'))
      .map(([name]) => name);
    bz[ns]![entry.name] = sorted([
      entry.owner,
      ...maintainers,
      ...[...entry.groups.admin, ...entry.groups.commit].map((g) => `@${g}`),
      ...watching,
      ...[fedora, epel],
    ]);
    owners[ns]![entry.name] = sorted([entry.owner, ...maintainers]);
  }
  return new Map<ExtrasFile, ExtrasAnswer>([
    ['pagure_poc.json', answer(poc)],
    ['pagure_bz.json', answer(bz)],
    ['pagure_owner_alias.json', answer(owners)],
  ]);
}

export class Extras {
  private built: Built | undefined;
  private building: { version: number; promise: Promise<Built> } | undefined;

  constructor(
    private readonly forge: ForgeApi,
    private readonly options: DistgitOptions,
  ) {}

  /**
   * A file's current contents: one query when nothing changed since they were built. A
   * request never gets files older than the version it read (who just made a change sees it).
   */
  async get(file: ExtrasFile): Promise<ExtrasAnswer> {
    const version = await extrasVersion(this.forge.db);
    for (;;) {
      const built = this.built;
      if (built && built.version >= version && Date.now() - built.at < this.options.extras_max_age_seconds * 1000)
        return built.files.get(file)!;
      // One build at a time; requests that arrive meanwhile share it, unless they read a
      // newer version than it builds: they start their own.
      if (!this.building || this.building.version < version) {
        const promise = this.build(version);
        const clear = () => {
          if (this.building?.promise === promise) this.building = undefined;
        };
        this.building = { version, promise };
        promise.then(clear, clear);
      }
      const done = await this.building.promise;
      if (!this.built || done.at > this.built.at || (done.at === this.built.at && done.version > this.built.version)) this.built = done;
      if (done.version >= version) return done.files.get(file)!;
    }
  }

  private async build(version: number): Promise<Built> {
    const started = Date.now();
    const [packages, states] = await Promise.all([
      this.forge.services.projects.inventory({ namespaces: this.options.namespaces }),
      allPackageStates(this.forge.db),
    ]);
    const files = buildExtras(packages, states, this.options.namespaces);
    this.forge.log.debug({ packages: packages.length, ms: Date.now() - started, version }, 'extras built');
    return { version, at: started, files };
  }
}
