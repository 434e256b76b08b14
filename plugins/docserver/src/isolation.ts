// What keeps a project's HTML from acting on the forge: the docs are served from another site
// (another registrable domain, as Pagure's docs.pagure.org beside pagure.io, so the docs can
// neither read the forge's cookies nor set one the forge would take), with a Content Security
// Policy that lets a page reach nothing but the doc server, frame nothing and be framed by
// nothing, and without a cookie ever going either way.
import { getDomain } from 'tldts';

/** Why `docUrl` may not serve docs beside a forge at `forgeUrl`, or undefined when it may. */
export function sameSiteProblem(docUrl: string, forgeUrl: string): string | undefined {
  const doc = new URL(docUrl).hostname.toLowerCase();
  const forge = new URL(forgeUrl).hostname.toLowerCase();
  if (doc === forge) {
    return `doc_url (${docUrl}) must be on another host than the forge (${forgeUrl}): browsers share cookies across ports`;
  }
  const docSite = getDomain(doc, { allowPrivateDomains: true });
  const forgeSite = getDomain(forge, { allowPrivateDomains: true });
  if (docSite && docSite === forgeSite) {
    return (
      `doc_url (${docUrl}) must be on another registrable domain than the forge (${forgeUrl}): ` +
      `a page under ${docSite} can set cookies the forge would take (serve the docs as Pagure does, e.g. docs.pagure.org beside pagure.io)`
    );
  }
  return undefined;
}

/**
 * Every answer's policy: the page may load and call only the doc server itself, run its own
 * scripts (Sphinx's search needs them) but frame nothing (not the forge) and be framed by
 * nothing, and post forms only to itself.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "media-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "child-src 'none'",
  "worker-src 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'self'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
