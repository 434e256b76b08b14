// @pagurus/plugin-docserver: each project's documentation repository (docs/<repo>.git, a
// repository type core serves over git), and `pagurus docserver`, which serves it on an
// origin of its own (Pagure's DOC_APP_URL), with a Docs tab on projects that have docs.
import { definePlugin, StartupError, type ForgeApi, type ForgeGitApi } from '@pagurus/core';
import { sameSiteProblem } from './isolation.js';
import { optionsSchema, type DocserverOptions } from './options.js';
import { docRootOf } from './paths.js';
import { RstRenderer } from './rst.js';
import { docServer } from './server.js';

/** Each forge's docs repositories, as apply defined them (the command reads them again). */
const docsOf = new WeakMap<ForgeGitApi, ForgeGitApi>();

function checkOrigin(forge: ForgeApi, options: DocserverOptions): void {
  const problem = sameSiteProblem(options.doc_url, forge.config.url);
  if (problem) throw new StartupError(`@pagurus/plugin-docserver: ${problem}`);
}

/** Starts the doc server on `port`; answers where it listens and how to stop it. */
async function serveDocs(forge: ForgeApi, options: DocserverOptions, port: number): Promise<{ address: string; stop(): Promise<void> }> {
  const rst = new RstRenderer(options.python);
  const server = docServer({ forge, docs: docsOf.get(forge.git)!, options, rst });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    address: `${options.host}:${typeof address === 'object' && address ? address.port : port}`,
    async stop() {
      rst.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export default definePlugin({
  name: 'docserver',
  options: optionsSchema,
  apply(forge, options) {
    docsOf.set(forge.git, forge.git.defineRepositoryType({ name: 'docs' }));
    const base = options.doc_url.replace(/\/+$/, '');
    // The forge's own URL is final once it serves (a test forge learns its port then).
    let served: { address: string; stop(): Promise<void> } | undefined;
    forge.hooks.ready.tapPromise('docserver', async ({ role }) => {
      if (role !== 'web') return;
      checkOrigin(forge, options);
      if (options.port === undefined) return;
      served = await serveDocs(forge, options, options.port);
      forge.log.info(`docs served on ${served.address} for ${options.doc_url}`);
    });
    forge.hooks.close.tapPromise('docserver', async () => served?.stop());
    forge.hooks.projectTabs.tap('docserver', (tabs, { project, private: hidden, settings }) =>
      hidden || settings.project_documentation !== true
        ? tabs
        : [...tabs, { id: 'docs', label: 'Docs', href: `${base}${docRootOf(project)}` }],
    );
  },
  commands(cli, options) {
    cli.command({
      name: 'docserver',
      description: "serve the projects' documentation repositories on doc_url's origin",
      options: [{ flags: '-p, --port <port>', description: 'the port to listen on', default: '8082' }],
      async action({ options: flags, boot, onStop, say }) {
        const port = Number(flags.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new StartupError(`--port must be a port number, not ${String(flags.port)}`);
        const { forge } = await boot({ role: 'docserver' });
        checkOrigin(forge, options);
        const served = await serveDocs(forge, options, port);
        say(`docs served on ${served.address} for ${options.doc_url}`);
        onStop(() => served.stop());
      },
    });
  },
});
