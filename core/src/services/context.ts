// What every service is built with: the database, config, hooks, events, jobs, mail, log.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { EventsApi, ForgeHooks, JobQueueApi } from '../plugins/index.js';
import type { Mailer } from './mail.js';

export interface ServiceContext {
  db: Knex;
  config: Config;
  hooks: ForgeHooks;
  events: EventsApi;
  jobs: JobQueueApi;
  mailer: Mailer;
  log: Logger;
}
