// @pagurus/plugin-oidc: log in with an OpenID Connect provider (Fedora Accounts, Keycloak...),
// as the only way in (login.local: false) or beside passwords. The authorization code flow
// with PKCE, state and nonce; accounts made from the claims at the first login and brought up
// to date at each; the groups claim mirrored on the groups the admin marked as synced; logout
// here and at the provider.
import { fileURLToPath } from 'node:url';
import { definePlugin, StartupError, type ForgeApi } from '@pagurus/core';
import { LoginRefused, OidcAccounts } from './accounts.js';
import { migrations } from './migrations.js';
import { optionsSchema, type OidcOptions } from './options.js';
import { LOGIN_PATH, registerPages } from './pages.js';
import { OidcProvider } from './provider.js';

/** The package's directory: templates/oidc and partials/oidc. */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The provider's name for people: the button's words without "Log in with". */
const providerName = (options: OidcOptions) => options.label.replace(/^Log in with /i, '');

function registerViews(forge: ForgeApi, options: OidcOptions, provider: OidcProvider, accounts: OidcAccounts): void {
  forge.hooks.templates.tap('oidc', (registry) => registry.addDirectory(PACKAGE_DIR));
  forge.hooks.accountPanels.tapPromise('oidc', async (panels, { viewer }) => {
    const user = await forge.services.users.byName(viewer.name);
    const identity = user && (await accounts.identityOfUser(user));
    if (!user || !identity) return panels;
    const synced = (await forge.services.groups.namesOf(user)).filter((name) => accounts.synced(name));
    return [
      ...panels,
      {
        id: 'oidc-source',
        title: 'Where your account comes from',
        partial: 'oidc/source',
        data: {
          provider: providerName(options),
          issuer: identity.issuer,
          subject: identity.subject,
          synced,
          lastLogin: identity.lastLoginAt,
        },
      },
    ];
  });
  forge.hooks.loggingOut.tapPromise('oidc', async (redirect, { sessionId }) => {
    if (!options.logout_at_provider) return redirect;
    const idToken = await accounts.idTokenOf(sessionId);
    if (!idToken) return redirect;
    return (await provider.logoutUrl(idToken, `${forge.config.url.replace(/\/+$/, '')}/`)) ?? redirect;
  });
}

export default definePlugin({
  name: 'oidc',
  options: optionsSchema,
  migrations,
  apply(forge, options) {
    const provider = new OidcProvider(options, forge.log);
    const accounts = new OidcAccounts(forge, options);
    forge.auth.defineLoginMethod({ id: 'oidc', label: options.label, path: LOGIN_PATH });
    registerPages(forge, options, provider, accounts);
    registerViews(forge, options, provider, accounts);
  },
  commands(cli, options) {
    cli.command({
      name: 'oidc',
      description: 'OpenID Connect logins: `link <user> <subject>` makes an existing account the one of that provider account',
      arguments: [
        { name: 'action', description: 'link', required: true },
        { name: 'args...', description: 'link: <user> <subject at the provider>', required: false },
      ],
      async action({ args, boot, say }) {
        const [action, ...rest] = args.flat();
        const [name, subject] = rest;
        if (action !== 'link' || !name || !subject) throw new StartupError('pagurus oidc link <user> <subject at the provider>');
        const { forge, close } = await boot({ role: 'cli' });
        try {
          const user = await forge.services.users.byName(name);
          if (!user) throw new StartupError(`no user ${name}`);
          const issuer = (await new OidcProvider(options, forge.log).configuration()).serverMetadata().issuer;
          await new OidcAccounts(forge, options).link(user, issuer, subject).catch((error: Error) => {
            throw error instanceof LoginRefused ? new StartupError(error.message) : error;
          });
          say(`${name} now logs in as ${subject} at ${issuer}`);
        } finally {
          await close();
        }
      },
    });
  },
});
