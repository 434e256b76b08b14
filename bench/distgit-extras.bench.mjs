// dist-git's extras files on 25,000 packages (bench/support/fedora-world.mjs, with watchers):
// a full pagure_bz.json answer cold (built from the database) and warm (kept, one query to
// check it is current), a 304 for a client that has it, and how long after a change the
// file shows it: a bzoverrides POST (the plugin's own change) and a modifyacls (core's,
// through the event log).
import { createTestForge, serverServices } from '@pagurus/core/testing';
import { seedFedora } from './support/fedora-world.mjs';

const WARM_REQUESTS = 50;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timedGet(url, headers = {}) {
  const started = performance.now();
  const res = await fetch(`${url}/extras/pagure_bz.json`, { headers });
  const body = await res.arrayBuffer();
  return { ms: performance.now() - started, status: res.status, etag: res.headers.get('etag'), bytes: body.byteLength, body };
}

/** Milliseconds from `change()` starting until pagure_bz.json answers something `changed(json)` accepts. */
async function untilChanged(url, change, changed) {
  const started = performance.now();
  await change();
  for (;;) {
    const res = await timedGet(url);
    if (changed(JSON.parse(Buffer.from(res.body).toString('utf8')))) return performance.now() - started;
  }
}

export default async function run() {
  const rows = [];
  for (const mode of serverServices() ? ['server', 'embedded'] : ['embedded']) {
    const t = await createTestForge({
      mode,
      config: { namespaces: ['rpms', 'modules', 'container', 'flatpaks', 'tests'] },
      plugins: [{ name: '@pagurus/plugin-distgit' }],
    });
    try {
      await seedFedora(t.forge.db.knex, { watchers: true });
      await t.createUser('benchadmin', { admin: true });
      const auth = { Authorization: `token ${await t.createToken('benchadmin', 'all')}` };
      const post = async (path, body) => {
        const res = await t.api('POST', path, body, auth);
        if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      };

      const cold = await timedGet(t.url);
      const warm = [];
      for (let i = 0; i < WARM_REQUESTS; i += 1) warm.push((await timedGet(t.url)).ms);
      const notModified = [];
      for (let i = 0; i < WARM_REQUESTS; i += 1) notModified.push((await timedGet(t.url, { 'If-None-Match': cold.etag })).ms);
      // A change: the next answer is built again.
      await post('/_dg/bzoverrides/rpms/package-2', { fedora_assignee: '@sig1' });
      const rebuilt = await timedGet(t.url);

      const afterOverride = await untilChanged(
        t.url,
        () => post('/_dg/bzoverrides/rpms/package-10', { fedora_assignee: '@sig2' }),
        (json) => json.rpms['package-10'].includes('@sig2'),
      );
      const afterAcl = await untilChanged(
        t.url,
        () => post('/api/0/rpms/package-18/git/modifyacls', { user_type: 'group', name: 'sig3', acl: 'commit' }),
        (json) => json.rpms['package-18'].includes('@sig3'),
      );
      rows.push({
        mode,
        packages: 25000,
        'file MiB': +(cold.bytes / 1024 / 1024).toFixed(2),
        'cold ms (first build)': +cold.ms.toFixed(0),
        'rebuilt ms (after a change)': +rebuilt.ms.toFixed(0),
        'warm ms (p50)': +median(warm).toFixed(1),
        '304 ms (p50)': +median(notModified).toFixed(1),
        'bzoverrides POST → file ms': +afterOverride.toFixed(0),
        'modifyacls → file ms': +afterAcl.toFixed(0),
      });
    } finally {
      await t.close();
    }
  }
  return rows;
}
