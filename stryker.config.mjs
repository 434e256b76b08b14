// StrykerJS mutation testing (issue 15), run by `npm run mutate -- [targets]`
// (scripts/mutate.mjs), which passes its targets and extra test files here in
// PAGURUS_MUTATE_TARGETS and PAGURUS_MUTATE_TESTS (newline-separated); without them,
// every default target. See docs/mutation-testing.md.
import { DEFAULT_TARGETS, TARGETS } from './scripts/mutate-targets.mjs';
import { mutateEntries } from './scripts/mutate-ranges.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export const baseConfig = {
  testRunner: 'mocha',
  plugins: ['@stryker-mutator/mocha-runner', './scripts/stryker-survivors-reporter.mjs'],
  // Each mutant runs only the tests that reached it in the first (dry) run.
  coverageAnalysis: 'perTest',
  // Mocha's node-option (.mocharc.cjs) is for its CLI; Stryker runs mocha in its own
  // processes, so they get the same loader here, plus the sandbox resolver and the shim
  // that lets the mocha runner load Mocha 12's CLI helpers (scripts/mocha12-compat.cjs).
  testRunnerNodeArgs: [
    '--conditions=source',
    '--import=tsx/esm',
    '--import=./scripts/stryker-sandbox.mjs',
    '--require=./scripts/mocha12-compat.cjs',
  ],
  // The sandbox holds what the tests load; node_modules is linked, not copied.
  ignorePatterns: ['/*', '!/core', '!/scripts', '!/package.json', '!/tsconfig.base.json', '!/.mocharc.cjs', '/core/dist', '*.tsbuildinfo'],
  concurrency: 2,
  timeoutMS: 20000,
  // The first run goes through every mapped test file once: minutes on a busy machine.
  dryRunTimeoutMinutes: 30,
  // survivors: reports/mutation/<name>.survivors.log, each survivor as soon as it is found.
  reporters: ['clear-text', 'progress', 'html', 'json', 'survivors'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85 },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Stryker options for `targets` (see scripts/mutate-targets.mjs), with `tests` added to their
 * mapped tests, leaving out the tests whose full title contains one of `skips`.
 */
export function configFor(targets, tests = [], skips = []) {
  const spec = new Set(tests);
  for (const target of targets) for (const test of TARGETS[target.split('#')[0]]?.tests ?? []) spec.add(test);
  if (!spec.size) throw new Error(`no test files for ${targets.join(' ')}: name them with --test`);
  // Mocha's grep has no invert in Stryker's runner: a negative lookahead leaves the skipped out.
  const grep = skips.length ? `^(?!.*(?:${skips.map(escape).join('|')}))` : undefined;
  // One target: its reports are named for its file, so runs over different files can go side by side.
  const name = targets.length === 1 ? targets[0].split('#')[0].replace(/^.*\//, '').replace(/\.ts$/, '') : 'mutation';
  process.env.PAGURUS_MUTATE_SURVIVORS = `reports/mutation/${name}.survivors.log`;
  return {
    ...baseConfig,
    mutate: targets.flatMap(mutateEntries),
    mochaOptions: { spec: [...spec], ...(grep ? { grep } : {}) },
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
  };
}

const list = (name) => (process.env[name] ?? '').split('\n').filter(Boolean);
const targets = list('PAGURUS_MUTATE_TARGETS');
export default configFor(targets.length ? targets : DEFAULT_TARGETS, list('PAGURUS_MUTATE_TESTS'), list('PAGURUS_MUTATE_SKIP'));
