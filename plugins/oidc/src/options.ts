// The OpenID Connect plugin's options, as the instance admin lists them under the plugin in
// the config. Claim names default to Pagure's (OIDC_PAGURE_*).
import { z } from '@pagurus/core';

const claimName = z.string().min(1).max(200);

/** Hosts an issuer may be reached on over plain http (tests on this machine); anywhere else it is https. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const optionsSchema = z
  .object({
    /** The provider's issuer URL: its discovery document is at <issuer>/.well-known/openid-configuration. */
    issuer: z.string().url(),
    client_id: z.string().min(1),
    /** The client's secret (client_secret_basic); without one the client is public and PKCE alone binds the code. */
    client_secret: z.string().min(1).optional(),
    /** Pagure's OIDC_SCOPES. Ask for the groups scope your provider has (Fedora's: https://id.fedoraproject.org/scope/groups). */
    scopes: z.array(z.string().min(1)).min(1).default(['openid', 'email', 'profile']),
    /** The login page's button. */
    label: z.string().min(1).max(100).default('Log in with OpenID Connect'),
    /** Which claim is which (Pagure's OIDC_PAGURE_USERNAME, _FULLNAME, _EMAIL, _GROUPS). */
    claims: z
      .object({
        username: claimName.default('preferred_username'),
        fullname: claimName.default('name'),
        email: claimName.default('email'),
        groups: claimName.default('groups'),
      })
      .strict()
      .default({ username: 'preferred_username', fullname: 'name', email: 'email', groups: 'groups' }),
    /** Without a user name claim: the email's local part, the subject, or no login (Pagure's OIDC_PAGURE_USERNAME_FALLBACK). */
    username_fallback: z.enum(['email', 'sub', 'none']).default('email'),
    /** Also read the claims the userinfo endpoint answers (groups often come only there). */
    userinfo: z.boolean().default(true),
    /**
     * Which forge groups mirror the groups claim (shell patterns: "packager", "sig-*"): at
     * each login the user is added to the ones the claim names and taken out of the others.
     * Groups no pattern matches are local and never touched.
     */
    sync_groups: z.array(z.string().min(1)).default([]),
    /** Make a synced group the claim names that the forge lacks (else it is skipped). */
    create_groups: z.boolean().default(false),
    /** Logging out here also ends the session at the provider, when it offers a logout endpoint. */
    logout_at_provider: z.boolean().default(true),
    /** How long a request to the provider may take. */
    timeout_seconds: z.number().int().min(1).max(120).default(10),
    /** How long a login may take between leaving for the provider and coming back. */
    login_timeout_minutes: z.number().int().min(1).max(60).default(10),
  })
  .strict()
  .refine((o) => new URL(o.issuer).protocol === 'https:' || LOOPBACK_HOSTS.has(new URL(o.issuer).hostname), {
    message: 'issuer must be an https URL (plain http only on this machine, for tests)',
    path: ['issuer'],
  });

export type OidcOptions = z.infer<typeof optionsSchema>;
