// Which errors mean "the database is away" (answered 503, retried) rather than a bug.
import assert from 'node:assert/strict';
import { isDatabaseUnavailable } from '../src/db/index.js';

describe('isDatabaseUnavailable', () => {
  it("knows PostgreSQL's connection errors, a cut socket, and a pool that waited too long", () => {
    const timeout = Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), {
      name: 'KnexTimeoutError',
    });
    for (const error of [
      timeout,
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('Connection terminated unexpectedly'),
      new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })], ''),
      new Error('insert failed', { cause: Object.assign(new Error('server closed the connection'), { code: '08006' }) }),
    ]) {
      assert.equal(isDatabaseUnavailable(error), true, error.message);
    }
  });

  it('leaves real faults alone: a bad query, a broken constraint, a bug', () => {
    for (const error of [
      Object.assign(new Error('syntax error at or near "selec"'), { code: '42601' }),
      Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      undefined,
      'a string',
    ]) {
      assert.equal(isDatabaseUnavailable(error), false, String(error));
    }
  });
});
