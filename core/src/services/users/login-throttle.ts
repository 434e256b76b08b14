// Failed-login throttling, per account and per address, in the database so every web
// process counts the same failures.
import type { Knex } from 'knex';
import { RateLimited } from '../../errors/index.js';

export interface ThrottleLimits {
  maxFailures: number;
  lockoutMinutes: number;
}

/** An address may fail more often than one account: several people can share it. */
const ADDRESS_FACTOR = 4;

export class LoginThrottle {
  constructor(private readonly db: Knex, private readonly limits: ThrottleLimits) {}

  private keys(name: string, address: string) {
    return [
      { key: `user:${name.toLowerCase()}`, max: this.limits.maxFailures },
      { key: `addr:${address}`, max: this.limits.maxFailures * ADDRESS_FACTOR },
    ];
  }

  /** Throws RateLimited while either key has too many recent failures. */
  async check(name: string, address: string): Promise<void> {
    const windowStart = new Date(Date.now() - this.limits.lockoutMinutes * 60_000);
    const keys = this.keys(name, address);
    const rows = (await this.db('login_failures')
      .whereIn('key', keys.map((k) => k.key))
      .andWhere('window_start', '>', windowStart)
      .select('key', 'count', 'window_start')) as Array<{ key: string; count: number; window_start: Date }>;
    for (const row of rows) {
      const limit = keys.find((k) => k.key === row.key)!.max;
      if (row.count >= limit) {
        const minutes = Math.max(1, Math.ceil((row.window_start.getTime() + this.limits.lockoutMinutes * 60_000 - Date.now()) / 60_000));
        throw RateLimited('ENOCODE', `Too many failed logins; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`);
      }
    }
  }

  async recordFailure(name: string, address: string): Promise<void> {
    const windowStart = new Date(Date.now() - this.limits.lockoutMinutes * 60_000);
    for (const { key } of this.keys(name, address)) {
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

  async recordSuccess(name: string): Promise<void> {
    await this.db('login_failures').where('key', `user:${name.toLowerCase()}`).delete();
  }
}
