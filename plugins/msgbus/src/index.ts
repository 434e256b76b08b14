// @pagurus/plugin-msgbus: every public change on the message bus, as src.fedoraproject.org
// publishes it: fedora-messaging's wire format over AMQP (Fedora CI, packit, copr, FMN,
// toddlers and datanommer read it unchanged), from the durable event log, with confirms.
import { definePlugin, StartupError, type JobData } from '@pagurus/core';
import { DRAIN_JOB, Engine, type TransportName } from './engine.js';
import { migrations } from './migrations.js';
import { optionsSchema } from './options.js';
import { describe, status } from './status.js';

export { amqpMessage, routingKey, schemaOf, usersOf } from './message.js';

export default definePlugin({
  name: 'msgbus',
  options: optionsSchema,
  migrations,
  apply(forge, options) {
    const engine = new Engine(forge, options);
    forge.events.subscribe({ name: 'msgbus', startAt: 'now', handle: (event, context) => engine.record(event, context) });
    forge.hooks.jobs.tap('msgbus', (registry) => {
      registry.define<JobData & { transport: TransportName }>({
        name: DRAIN_JOB,
        // One drain per transport at a time, in any process: the messages leave in the log's order.
        lockKey: (data) => `msgbus.drain:${data.transport}`,
        attempts: 3,
        backoffMs: 1000,
        run: (data) => engine.drain(data.transport),
      });
    });
    forge.hooks.ready.tapPromise('msgbus', async ({ role }) => {
      if (role === 'web' || role === 'worker') engine.startSweeping();
    });
    forge.hooks.close.tapPromise('msgbus', () => engine.close());
  },
  commands(cli, options) {
    cli.command({
      name: 'msgbus',
      description: "the message bus: 'status' says where the publisher stands",
      arguments: [{ name: 'what', description: 'status' }],
      async action({ args, boot, say }) {
        if (args[0] !== 'status') throw new StartupError(`pagurus msgbus: the one subcommand is "status", not "${String(args[0])}"`);
        const { forge, close } = await boot({ role: 'cli' });
        try {
          const found = await status(forge, options);
          if (!found.length) say('msgbus: neither amqp nor mqtt is configured: nothing is published');
          for (const one of found) for (const line of describe(one)) say(line);
        } finally {
          await close();
        }
      },
    });
  },
});
