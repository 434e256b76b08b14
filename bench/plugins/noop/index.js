// A job that does nothing but touch the database, to time the queue's round trip.
import { definePlugin } from '@pagurus/core';

export default definePlugin({
  name: 'bench-noop',
  apply(forge) {
    forge.hooks.jobs.tap('bench-noop', (registry) => {
      registry.define({
        name: 'bench.noop',
        lockKey: (data) => String(data.key),
        run: async () => {
          await forge.db.raw('select 1');
        },
      });
    });
  },
});
