import { KeyledgerError, type ErrorCode } from '../../platform/errors.ts';

/**
 * Registration rules for redirect URIs (RFC 9700 §2.1, §4.1; RFC 8252 §7 for
 * native apps). The provider matches them exactly, character for character, so
 * what is registered here is all a redirect can ever go to:
 *  - an absolute URI with a scheme, no whitespace or control characters;
 *  - no fragment (RFC 6749 §3.1.2), no wildcard, no userinfo (`user@host`
 *    lets a URI read as one host and go to another);
 *  - `https`, except `http` on the loopback hosts 127.0.0.1, [::1] and
 *    localhost (any port), where the traffic never leaves the device;
 *  - a custom scheme (`com.example.app:/cb`) only for native apps, and only a
 *    reverse-domain one (it has a dot), so it does not collide with another
 *    app's; never a scheme that runs or reads content in place (javascript:,
 *    data:, file:, …);
 *  - at most MAX_REDIRECT_URIS per list.
 */

export type ApplicationType = 'web' | 'spa' | 'native';

export const MAX_REDIRECT_URIS = 20;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const NEVER_SCHEMES = new Set(['javascript', 'data', 'file', 'vbscript', 'about', 'blob', 'filesystem', 'ws', 'wss', 'ftp', 'mailto', 'tel']);

/** Which list a URI came from, for the error's details. */
export type RedirectField = 'redirectUris' | 'postLogoutRedirectUris';

function refuse(code: ErrorCode, field: RedirectField, uri: string, why: string): never {
  throw new KeyledgerError(code, `${field}: ${JSON.stringify(uri.slice(0, 300))} ${why}`, { field, uri: uri.slice(0, 300) });
}

/** Checks one redirect URI of an application of `type`; throws the rule's `application.redirect_uri_*` code. */
export function checkRedirectUri(uri: string, type: ApplicationType, field: RedirectField = 'redirectUris'): void {
  // Checked on the raw text: URL parsing would normalise away what the provider later compares exactly.
  if (/[\s\u0000-\u001f\u007f\\]/.test(uri) || uri.length === 0) refuse('application.redirect_uri_invalid', field, uri, 'is empty or contains whitespace, control characters or a backslash');
  const scheme = SCHEME.exec(uri)?.[1].toLowerCase();
  let url: URL;
  try {
    if (!scheme) throw new Error('no scheme');
    url = new URL(uri);
  } catch {
    refuse('application.redirect_uri_invalid', field, uri, 'is not an absolute URI (expected a scheme, e.g. https://app.example.com/callback)');
  }
  if (uri.includes('#')) refuse('application.redirect_uri_fragment', field, uri, 'has a fragment; a redirect URI must not (RFC 6749 §3.1.2)');
  if (uri.includes('*') || /%2a/i.test(uri)) refuse('application.redirect_uri_wildcard', field, uri, 'contains a wildcard; redirect URIs are matched exactly (RFC 9700 §4.1.3)');
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@/.test(uri) || url.username !== '' || url.password !== '') {
    refuse('application.redirect_uri_userinfo', field, uri, 'carries userinfo (user@host); a redirect URI must not');
  }
  // "https:/host" parses leniently; the browser and the provider must see the same authority.
  if ((scheme === 'https' || scheme === 'http') && !/^https?:\/\/[^/]/i.test(uri)) refuse('application.redirect_uri_invalid', field, uri, `must start with "${scheme}://" followed by a host`);
  if (scheme === 'https') {
    if (url.hostname === '') refuse('application.redirect_uri_invalid', field, uri, 'has no host');
    return;
  }
  if (scheme === 'http') {
    if (LOOPBACK_HOSTS.has(url.hostname)) return;
    refuse('application.redirect_uri_insecure', field, uri, `uses http on host "${url.hostname}"; https is required except on the loopback hosts 127.0.0.1, [::1] and localhost`);
  }
  if (NEVER_SCHEMES.has(scheme!)) refuse('application.redirect_uri_invalid', field, uri, `uses the scheme "${scheme}:", which is never a redirect target`);
  if (type !== 'native') refuse('application.redirect_uri_custom_scheme', field, uri, `uses the custom scheme "${scheme}:"; only native apps may, a ${type} app needs https`);
  if (!scheme!.includes('.')) refuse('application.redirect_uri_custom_scheme', field, uri, `uses the custom scheme "${scheme}:"; a native app's scheme must be a reverse domain name it controls, e.g. com.example.app (RFC 8252 §7.1)`);
}

/** Checks a list of redirect URIs (each, then the count); duplicates are dropped, order kept. */
export function checkRedirectUris(uris: readonly string[], type: ApplicationType, field: RedirectField = 'redirectUris'): string[] {
  const unique = [...new Set(uris)];
  if (unique.length > MAX_REDIRECT_URIS) {
    throw new KeyledgerError('application.redirect_uri_too_many', `${field}: ${unique.length} URIs registered, at most ${MAX_REDIRECT_URIS} are allowed`, { field, count: unique.length, max: MAX_REDIRECT_URIS });
  }
  for (const uri of unique) checkRedirectUri(uri, type, field);
  return unique;
}
