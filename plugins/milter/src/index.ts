// @pagurus/plugin-milter: answer a notification by e-mail, and the answer becomes a comment.
// Each notification about an issue or pull request gets a Reply-To address that names the
// ticket and its recipient (and cannot be forged); `pagurus milter` takes the replies, over
// SMTP (--port) or from the MTA's pipe (--stdin), and posts them as the recipient's comments.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { definePlugin, StartupError, type ForgeApi } from '@pagurus/core';
import { ReplyAddresses } from './address.js';
import { optionsSchema, type MilterOptions } from './options.js';
import { Receiver, type Answer } from './receive.js';
import { milterServer } from './server.js';
import { migrations } from './migrations.js';
import { Preferences } from './preferences.js';

const addressesOf = (forge: ForgeApi, options: MilterOptions) => new ReplyAddresses(forge.secretKey('reply-address'), options.domain);

/** Postfix's pipe transport reads sysexits: EX_NOUSER bounces, EX_DATAERR bounces, EX_TEMPFAIL retries. */
const EXIT_CODES: Record<Answer['code'], number> = { 250: 0, 550: 67, 554: 65, 552: 65, 451: 75 };

function listen(server: ReturnType<typeof milterServer>, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

export default definePlugin({
  name: 'milter',
  options: optionsSchema,
  migrations,
  apply(forge, options) {
    const addresses = addressesOf(forge, options);
    const preferences = new Preferences(forge);
    preferences.register();
    forge.hooks.templates.tap('milter', (registry) => registry.addDirectory(fileURLToPath(new URL('..', import.meta.url))));
    forge.hooks.notificationMail.tapPromise('milter', async (mail, { recipient, project, ticket, db }) => {
      if (!mail) return mail;
      const chosen = await preferences.of(recipient.id, db);
      if (!chosen.notifications) return null;
      if (!chosen.replies) return mail;
      const replyTo = addresses.make({ kind: ticket.kind, projectId: project.id, id: ticket.id, user: recipient.name });
      return { ...mail, replyTo, headers: { ...mail.headers, 'Mail-Followup-To': replyTo } };
    });
    if (options.port !== undefined) {
      // The server takes the replies itself: one process, as on the embedded database.
      let server: ReturnType<typeof milterServer> | undefined;
      forge.hooks.ready.tapPromise('milter', async ({ role }) => {
        if (role !== 'web') return;
        server = milterServer(new Receiver(forge, options, addresses, preferences), options);
        await listen(server, options.port!, options.host);
        forge.log.info(`taking replies by mail on ${options.host}:${options.port}`);
      });
      forge.hooks.close.tapPromise('milter', () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
    }
  },
  commands(cli, options) {
    cli.command({
      name: 'milter',
      description: 'take replies to notifications (SMTP on --port, or one mail on --stdin from the MTA) and post them as comments',
      options: [
        { flags: '--port <port>', description: 'listen for SMTP on this port' },
        { flags: '--stdin', description: 'read one mail from standard input (a pipe transport), and exit with a sysexits code' },
        { flags: '--recipient <address>', description: 'with --stdin: the envelope recipient (Postfix: ${recipient})' },
      ],
      async action({ options: flags, boot, onStop, say }) {
        if (!flags.stdin && flags.port === undefined) throw new StartupError('pagurus milter: give --port <port> or --stdin');
        if (flags.stdin) {
          // The MTA hands the mail over once: any trouble reaching the forge (its database
          // down) is EX_TEMPFAIL, so the MTA keeps the mail and tries again, never a bounce.
          let booted: Awaited<ReturnType<typeof boot>>;
          try {
            booted = await boot({ role: 'milter' });
          } catch (error) {
            say(
              `451 4.3.0 The forge cannot take the reply now (${error instanceof Error ? error.message : String(error)}); try again later`,
            );
            process.exitCode = EXIT_CODES[451];
            return;
          }
          const { forge, close } = booted;
          const receiver = new Receiver(forge, options, addressesOf(forge, options), new Preferences(forge));
          try {
            const recipients = typeof flags.recipient === 'string' ? [flags.recipient] : [];
            const answer = await receiver.receive(readFileSync(0), { recipients });
            say(`${answer.code} ${answer.message}`);
            process.exitCode = EXIT_CODES[answer.code];
          } finally {
            await close();
          }
          return;
        }
        const { forge } = await boot({ role: 'milter' });
        const receiver = new Receiver(forge, options, addressesOf(forge, options), new Preferences(forge));
        const port = Number(flags.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new StartupError(`pagurus milter: --port ${String(flags.port)} is not a port`);
        const server = milterServer(receiver, options);
        await listen(server, port, options.host);
        const address = server.server.address();
        say(`milter listening on ${options.host}:${typeof address === 'object' && address ? address.port : port}`);
        onStop(() => new Promise<void>((resolve) => server.close(() => resolve())));
      },
    });
  },
});
