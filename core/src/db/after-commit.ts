// Runs work only once a transaction has committed (and never if it rolls back), so
// events and jobs never describe writes that did not happen.
import type { Knex } from 'knex';

type Work = () => Promise<void> | void;
type OnError = (error: unknown) => void;
type OnDropped = () => void;

interface Item {
  work: Work;
  onError: OnError;
  onDropped?: OnDropped;
}

const pending = new WeakMap<Knex.Transaction, Item[]>();

function runNow(work: Work, onError: OnError): void {
  try {
    void Promise.resolve(work()).catch(onError);
  } catch (error) {
    onError(error);
  }
}

function isTransaction(db: Knex | Knex.Transaction): db is Knex.Transaction {
  return 'isTransaction' in db && db.isTransaction === true;
}

/**
 * Schedules `work` after `db` commits. Outside a transaction it runs at once. Inside a
 * savepoint it moves to the enclosing transaction when the savepoint is released.
 * `work` must handle its own errors; a throw is reported to `onError`. `onDropped` is
 * called instead of `work` when the transaction (or an enclosing one) rolls back.
 */
export function afterCommit(db: Knex | Knex.Transaction, work: Work, onError: OnError, onDropped?: OnDropped): void {
  if (!isTransaction(db)) return runNow(work, onError);
  if (db.isCompleted()) throw new Error('afterCommit called on a transaction that has already ended');
  let queue = pending.get(db);
  if (!queue) {
    const items: Item[] = [];
    queue = items;
    pending.set(db, items);
    db.executionPromise.then(
      () => {
        pending.delete(db);
        const parent = db.parentTransaction;
        for (const item of items) {
          if (parent && !parent.isCompleted()) afterCommit(parent, item.work, item.onError, item.onDropped);
          else runNow(item.work, item.onError);
        }
      },
      () => {
        pending.delete(db);
        for (const item of items) item.onDropped?.();
      },
    );
  }
  queue.push({ work, onError, onDropped });
}
