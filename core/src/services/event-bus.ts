// The event bus: services record events inside their transaction; the `event` hook sees
// them only after the commit. It is the one place that calls the hook, so delivery can
// later move to an outbox table without touching any caller.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { afterCommit } from '../db/index.js';
import type { EventsApi, ForgeEvent, ForgeHooks } from '../plugins/index.js';

export class EventBus implements EventsApi {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly hooks: ForgeHooks,
    private readonly log: Logger,
  ) {}

  emit: EventsApi['emit'] = (trx, topic, body, options = {}) => {
    if (options.private) {
      this.log.debug({ topic }, 'event about a private project kept inside the forge');
      return;
    }
    const event: ForgeEvent = Object.freeze({
      id: randomUUID(),
      topic,
      body: body as ForgeEvent['body'],
      agent: options.agent ?? null,
      timestamp: new Date().toISOString(),
    });
    afterCommit(
      trx as Knex,
      () => this.deliver(event),
      (error) => this.log.error({ err: error, topic }, 'event delivery failed'),
    );
  };

  private deliver(event: ForgeEvent): Promise<void> {
    // Listener errors are caught and logged per tap (see instrumentHooks).
    const delivery = this.hooks.event.promise(event).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
    return delivery;
  }

  /** Resolves once every event delivered so far has reached all listeners. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}
