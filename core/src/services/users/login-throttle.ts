// Failed-login throttling, in the database so every web process counts the same failures.
// Three counters, so that nobody can lock someone else out by guessing wrong on purpose:
//   - one account from one address: `maxFailures` failures lock that pair only;
//   - one address over any accounts: 4x as many lock the address (several people share one);
//   - one account from anywhere: 10x as many lock the account, but only for addresses that
//     have not logged into it successfully within the last 30 days (its owner's known places).
import type { Knex } from 'knex';
import { RateLimited } from '../../errors/index.js';

export interface ThrottleLimits {
  maxFailures: number;
  lockoutMinutes: number;
}

/** An address may fail more often than one account from it: several people can share it. */
const ADDRESS_FACTOR = 4;
/** Failures from everywhere that lock an account for addresses its owner has not used lately. */
const ACCOUNT_FACTOR = 10;
const KNOWN_SOURCE_DAYS = 30;

interface Counter {
  key: string;
  max: number;
  /** Whether an address the account logged in from lately may pass this counter's lock. */
  knownMayPass: boolean;
}

export class LoginThrottle {
  constructor(
    private readonly db: Knex,
    private readonly limits: ThrottleLimits,
  ) {}

  private counters(name: string, address: string): Counter[] {
    const user = name.toLowerCase();
    const max = this.limits.maxFailures;
    return [
      { key: `pair:${user}|${address}`, max, knownMayPass: false },
      { key: `addr:${address}`, max: max * ADDRESS_FACTOR, knownMayPass: false },
      { key: `user:${user}`, max: max * ACCOUNT_FACTOR, knownMayPass: true },
    ];
  }

  private windowStart(): Date {
    return new Date(Date.now() - this.limits.lockoutMinutes * 60_000);
  }

  private async isKnownSource(name: string, address: string): Promise<boolean> {
    const since = new Date(Date.now() - KNOWN_SOURCE_DAYS * 86_400_000);
    const row = await this.db('login_sources')
      .where({ user_key: name.toLowerCase(), address })
      .andWhere('last_success', '>', since)
      .first('address');
    return row !== undefined;
  }

  /** Throws RateLimited while a counter that applies to this account and address is full. */
  async check(name: string, address: string): Promise<void> {
    const counters = this.counters(name, address);
    const rows = (await this.db('login_failures')
      .whereIn(
        'key',
        counters.map((c) => c.key),
      )
      .andWhere('window_start', '>', this.windowStart())
      .select('key', 'count', 'window_start')) as Array<{ key: string; count: number; window_start: Date }>;
    let known: boolean | undefined;
    for (const row of rows) {
      const counter = counters.find((c) => c.key === row.key)!;
      if (row.count < counter.max) continue;
      if (counter.knownMayPass && (known ??= await this.isKnownSource(name, address))) continue;
      const minutes = Math.max(1, Math.ceil((row.window_start.getTime() + this.limits.lockoutMinutes * 60_000 - Date.now()) / 60_000));
      throw RateLimited('ENOCODE', `Too many failed logins; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`);
    }
  }

  async recordFailure(name: string, address: string): Promise<void> {
    const windowStart = this.windowStart();
    for (const { key } of this.counters(name, address)) {
      // A failure after the window has passed starts a new window.
      await this.db.raw(
        `insert into login_failures (key, count, window_start) values (?, 1, now())
         on conflict (key) do update set
           count = case when login_failures.window_start > ? then login_failures.count + 1 else 1 end,
           window_start = case when login_failures.window_start > ? then login_failures.window_start else now() end`,
        [key, windowStart, windowStart],
      );
    }
  }

  /** Clears this account's failures from this address, and remembers the address as the owner's. */
  async recordSuccess(name: string, address: string): Promise<void> {
    const user = name.toLowerCase();
    await this.db('login_failures').where('key', `pair:${user}|${address}`).delete();
    await this.db.raw(
      `insert into login_sources (user_key, address, last_success) values (?, ?, now())
       on conflict (user_key, address) do update set last_success = now()`,
      [user, address],
    );
  }
}
