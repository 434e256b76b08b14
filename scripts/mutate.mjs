#!/usr/bin/env node
// npm run mutate -- [target ...] [--test file ...] [--skip text ...] [--concurrency n]
// Runs StrykerJS over the targets (default: issue 15's security rules, scripts/mutate-targets.mjs)
// with only the tests mapped to them, in embedded mode (PGlite + inline queue).
import { createRequire } from 'node:module';

// Before the mocha runner plugin loads (Stryker loads it here too, for its options' schema).
createRequire(import.meta.url)('./mocha12-compat.cjs');
// Stryker's class, not its CLI: the CLI refuses Node 20 (StrykerJS 10 asks for 22), while the
// mutation run itself works on the Node 20.19+ this project supports.
const { Stryker } = await import(new URL('../node_modules/@stryker-mutator/core/dist/src/stryker.js', import.meta.url).href);

const targets = [];
const tests = [];
const skips = [];
let concurrency;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--test') tests.push(args[++i]);
  else if (arg === '--skip') skips.push(args[++i]);
  else if (arg === '--concurrency') concurrency = Number(args[++i]);
  else if (arg === '--help' || arg === '-h') {
    console.log('npm run mutate -- [file | file#function,~line-text ...] [--test file ...] [--skip test-title-text ...] [--concurrency n]');
    process.exit(0);
  } else targets.push(arg);
}

// Mutation runs use the embedded mode only: the server mode would double the time.
delete process.env.PAGURUS_TEST_DATABASE_URL;
delete process.env.PAGURUS_TEST_REDIS_URL;

// stryker.config.mjs builds the `mutate` list and the test files from these.
process.env.PAGURUS_MUTATE_TARGETS = targets.join('\n');
process.env.PAGURUS_MUTATE_TESTS = tests.join('\n');
// Tests whose full title contains one of these are left out (one failing for a reason outside
// the mutated code would stop the first run).
process.env.PAGURUS_MUTATE_SKIP = skips.join('\n');
const results = await new Stryker(concurrency ? { concurrency } : {}).runMutationTest();
const survived = results.filter((r) => r.status === 'Survived' || r.status === 'NoCoverage').length;
console.log(`${results.length} mutants, ${survived} survived or not covered`);
