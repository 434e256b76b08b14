// pagurus user ssh-key add|list|remove: a user's SSH keys (the ones their settings page
// shows), for admins and scripts; the SSH plugin authenticates with them.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { StartupError } from '../errors/index.js';
import type { GlobalOptions } from './commands.js';
import { say, table } from './output.js';
import { readStdin, withForge } from './with-forge.js';

export function sshKeyCommands(user: Command, global: () => GlobalOptions): void {
  const keys = user.command('ssh-key').description("manage a user's SSH keys");
  keys
    .command('add <user> <file>')
    .description('add the public key in <file> ("-" reads standard input)')
    .action(async (name: string, file: string) => {
      let text: string;
      try {
        text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
      } catch (error) {
        throw new StartupError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      await withForge(global(), async (forge) => {
        const owner = await forge.services.users.byName(name);
        if (!owner) throw new StartupError(`no user named "${name}"`);
        const added = await forge.services.users.addSshKey(owner, text.trim());
        say(`added SSH key ${added.id} (${added.fingerprint}) to ${owner.name}`);
      });
    });
  keys
    .command('list <user>')
    .description("list a user's SSH keys")
    .action((name: string) =>
      withForge(global(), async (forge) => {
        const owner = await forge.services.users.byName(name);
        if (!owner) throw new StartupError(`no user named "${name}"`);
        const found = await forge.services.users.sshKeys(owner);
        table(
          ['ID', 'FINGERPRINT', 'KEY'],
          found.map((key) => [
            String(key.id),
            key.fingerprint,
            key.publicKey.length > 60 ? `${key.publicKey.slice(0, 57)}...` : key.publicKey,
          ]),
        );
      }),
    );
  keys
    .command('remove <user> <key>')
    .description('remove a key, by its id or its SHA256 fingerprint')
    .action((name: string, key: string) =>
      withForge(global(), async (forge) => {
        const owner = await forge.services.users.byName(name);
        if (!owner) throw new StartupError(`no user named "${name}"`);
        const found = (await forge.services.users.sshKeys(owner)).find((k) => String(k.id) === key || k.fingerprint === key);
        if (!found) throw new StartupError(`${owner.name} has no SSH key ${key}`);
        await forge.services.users.removeSshKey(owner, found.id);
        say(`removed SSH key ${found.id} (${found.fingerprint}) from ${owner.name}`);
      }),
    );
}
