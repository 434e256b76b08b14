import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = path.join(ROOT, 'core', 'src');

/**
 * Core's layers, lowest first. A file may import its own folder and lower ranks; folders
 * of the same rank are siblings and may not import each other.
 */
const RANK: Record<string, number> = {
  errors: 0,
  domain: 0,
  'version.ts': 0,
  config: 1,
  db: 2,
  queue: 2,
  git: 2,
  plugins: 3,
  services: 4,
  // The CI kit: built on the plugin surface's contracts, as a plugin would be (and core's fnmatch).
  ci: 4.5,
  jobs: 5,
  http: 6,
  // The facade over services that forge.ts hands plugins (it renders Markdown with http/web's renderer).
  'plugin-services.ts': 6.5,
  // forge.git.serve: core's git access decision and hooks, for a plugin carrying git (SSH).
  'plugin-git-serve.ts': 6.5,
  'plugin-auth.ts': 6.5,
  'forge.ts': 7,
  cli: 8,
  testing: 8,
  'index.ts': 9,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(file).isDirectory() ? files(file) : /\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [file] : [];
  });
}

function imports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => (m[1] ?? m[2])!,
  );
}

/** The top-level folder or file of core/src a path belongs to ("./forge.js" imports forge.ts). */
const layerOf = (file: string) => path.relative(SRC, file).split(path.sep)[0]!.replace(/\.js$/, '.ts');

describe('layering', () => {
  it('has a rank for every top-level folder and file of core/src', () => {
    for (const entry of readdirSync(SRC)) assert.ok(entry in RANK, `core/src/${entry} has no layer in this test`);
  });

  it('never lets a lower layer of core import a higher one, or a sibling', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const from = layerOf(file);
      for (const spec of imports(file).filter((s) => s.startsWith('.'))) {
        const to = layerOf(path.resolve(path.dirname(file), spec));
        if (to === from) continue;
        if (RANK[to] === undefined || RANK[to] > RANK[from]! || RANK[to] === RANK[from]) {
          violations.push(`${path.relative(ROOT, file)} imports ${spec} (${from} → ${to})`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it('keeps http/api, http/web and http/git apart: what they share lives in http/common', () => {
    const HTTP = path.join(SRC, 'http');
    const areas = ['api', 'web', 'git', 'common'];
    /** The http/ subfolder a file belongs to, or undefined for files at http/'s top (app.ts, mounts.ts: they compose the rest). */
    const areaOf = (file: string) => {
      const first = path.relative(HTTP, file).split(path.sep)[0]!;
      return areas.includes(first) ? first : undefined;
    };
    const violations: string[] = [];
    for (const file of files(HTTP)) {
      const from = areaOf(file);
      if (!from) continue;
      for (const spec of imports(file).filter((s) => s.startsWith('.'))) {
        const target = path.resolve(path.dirname(file), spec);
        if (!target.startsWith(HTTP + path.sep)) continue;
        const to = areaOf(target);
        // common is the floor of the three; they may not import each other, nor common them.
        if (to && to !== from && (from === 'common' || to !== 'common')) {
          violations.push(`${path.relative(ROOT, file)} imports ${spec} (http/${from} → http/${to})`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it("keeps plugins, themes and fixtures to core's public entry points", () => {
    const dirs = ['plugins', 'themes', 'core/test/fixtures']
      .map((d) => path.join(ROOT, d))
      .filter((d) => {
        try {
          return statSync(d).isDirectory();
        } catch {
          return false;
        }
      });
    const violations = dirs.flatMap(files).flatMap((file) =>
      imports(file)
        .filter((spec) => spec.startsWith('@pagurus/core') && !['@pagurus/core', '@pagurus/core/testing'].includes(spec))
        .concat(imports(file).filter((spec) => spec.includes('core/src')))
        .map((spec) => `${path.relative(ROOT, file)} imports ${spec}`),
    );
    assert.deepEqual(violations, []);
  });
});
