// Finds an installed package (or a package directory given by path) and its ES module
// entry, the way Node would from the config file's directory.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { exports as resolveExports } from 'resolve.exports';

export interface PackageInfo {
  dir: string;
  json: PackageJson;
}

export interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  exports?: unknown;
  pagurus?: unknown;
}

export function isPathSpecifier(spec: string): boolean {
  return spec.startsWith('.') || path.isAbsolute(spec);
}

function readPackage(dir: string): PackageInfo | undefined {
  const file = path.join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  return { dir, json: JSON.parse(readFileSync(file, 'utf8')) as PackageJson };
}

/** Looks in `node_modules` of each start directory and its parents, as Node does. */
export function findPackage(spec: string, startDirs: readonly string[]): { found?: PackageInfo; searched: string[] } {
  if (isPathSpecifier(spec)) {
    const dir = path.resolve(startDirs[0] ?? process.cwd(), spec);
    return { found: readPackage(dir), searched: [dir] };
  }
  const searched: string[] = [];
  for (const start of new Set(startDirs.map((dir) => path.resolve(dir)))) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', spec);
      searched.push(candidate);
      const found = readPackage(candidate);
      if (found) return { found, searched };
      if (path.dirname(dir) === dir) break;
    }
  }
  return { searched };
}

/** Export conditions this process was started with (e.g. "source" in the test runner). */
function activeConditions(): string[] {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const conditions: string[] = [];
  args.forEach((arg, index) => {
    const inline = /^--conditions=(.+)$/.exec(arg) ?? /^-C=?(.+)$/.exec(arg);
    if (inline?.[1]) conditions.push(inline[1]);
    else if ((arg === '--conditions' || arg === '-C') && args[index + 1]) conditions.push(args[index + 1]!);
  });
  return conditions;
}

/** The file `import(<package>)` would load. */
export function entryFile(pkg: PackageInfo): string {
  if (pkg.json.exports !== undefined) {
    try {
      const [target] = resolveExports(pkg.json, '.', { conditions: activeConditions() }) ?? [];
      if (target) return path.join(pkg.dir, target);
    } catch {
      // No "." export: fall back to main, as for a package without exports.
    }
  }
  return path.join(pkg.dir, pkg.json.main ?? 'index.js');
}
