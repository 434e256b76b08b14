// mocha's spec reporter, plus a summary file (test-results/summary.json) that .ci/run
// turns into its one-line "N passed, N failed".
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failures = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, error) => {
      failures.push({ title: test.fullTitle(), error: String(error && error.message).slice(0, 2000) });
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.PAGURUS_TEST_SUMMARY || path.join(process.cwd(), 'test-results', 'summary.json');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const { passes, failures: failed, pending, tests } = runner.stats;
      fs.writeFileSync(file, JSON.stringify({ passes, failures: failed, pending, tests, failed: failures }, null, 2));
      if (pending > 0 && !(process.env.PAGURUS_TEST_DATABASE_URL && process.env.PAGURUS_TEST_REDIS_URL)) {
        // Printed after the spec reporter's own summary, so it is the last thing one reads.
        process.on('exit', () => {
          console.log(
            `\n  ${pending} tests were skipped: the PostgreSQL + Redis copy of each suite needs servers.\n` +
              '  To run them: PAGURUS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test ' +
              'PAGURUS_TEST_REDIS_URL=redis://127.0.0.1:6379 npm test   (or: bash .ci/run, which starts them)\n',
          );
        });
      }
    });
  }
}

module.exports = SummaryReporter;
