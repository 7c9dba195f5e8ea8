import { KeyledgerError } from '../platform/errors.ts';

/**
 * The session cookie, as pure functions of the server's public URL.
 *
 * On https the cookie is `__Host-kl_session`: Secure, Path=/ and no Domain, so
 * neither a sibling subdomain nor plain http can set or shadow it. Browsers
 * refuse `__Host-` cookies without Secure, so plain-http development uses
 * `kl_session`: without Secure on http://localhost, 127.0.0.1 and [::1] only.
 * Any other http public URL still gets Secure; browsers then never send the
 * cookie back, so sign-in does not stick — serve Keyledger over https (or
 * behind a TLS proxy with an https public URL) anywhere but a developer laptop.
 */

const SESSION_COOKIE = 'kl_session';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
// A session token is kl_sess_ + base64url; nothing else may reach a Set-Cookie header.
const COOKIE_VALUE_RE = /^[A-Za-z0-9_-]+$/;

function parsePublicUrl(publicUrl: string): URL {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new KeyledgerError('session.cookie_invalid', `public URL ${JSON.stringify(publicUrl)} is not a URL`);
  }
  // Cookies exist only for the web origins Keyledger serves.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new KeyledgerError('session.cookie_invalid', `public URL scheme ${JSON.stringify(url.protocol)} is not supported, expected "https:" or "http:"`);
  }
  return url;
}

/** True when the cookie may go without Secure: plain http on a loopback host (development). */
function allowsInsecure(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** A Keyledger cookie's name: `__Host-<base>` on https, `<base>` on plain http (browsers refuse `__Host-` without Secure). */
export function cookieName(base: string, publicUrl: string): string {
  return parsePublicUrl(publicUrl).protocol === 'https:' ? `__Host-${base}` : base;
}

/** The session cookie's name: `__Host-kl_session` on https, `kl_session` on plain http. */
export function sessionCookieName(publicUrl: string): string {
  return cookieName(SESSION_COOKIE, publicUrl);
}

function attributes(url: URL, maxAgeSeconds: number): string {
  const parts = ['Path=/', `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax'];
  if (!allowsInsecure(url)) parts.push('Secure');
  return parts.join('; ');
}

/**
 * A Set-Cookie value carrying `token`: HttpOnly, SameSite=Lax, Path=/, no
 * Domain, Secure except on http loopback. `maxAgeSeconds` should be the
 * time left until the session's absolute expiry (the server still decides).
 * Requires a base64url-style token and a positive integer lifetime.
 */
export function serializeSessionCookie(token: string, options: { publicUrl: string; maxAgeSeconds: number }): string {
  return serializeCookie(SESSION_COOKIE, token, options);
}

/** A Set-Cookie value for any Keyledger cookie `base` (same attributes and checks as the session cookie). */
export function serializeCookie(base: string, token: string, options: { publicUrl: string; maxAgeSeconds: number }): string {
  const url = parsePublicUrl(options.publicUrl);
  // Stops header injection (";", CR/LF) through a token that is not one of ours.
  if (!COOKIE_VALUE_RE.test(token)) throw new KeyledgerError('session.cookie_invalid', 'the session token contains characters a cookie value may not carry');
  // Max-Age 0 or negative deletes the cookie; a fraction is not valid syntax.
  if (!Number.isInteger(options.maxAgeSeconds) || options.maxAgeSeconds <= 0) {
    throw new KeyledgerError('session.cookie_invalid', `maxAgeSeconds must be a positive integer, got ${options.maxAgeSeconds}`);
  }
  return `${cookieName(base, options.publicUrl)}=${token}; ${attributes(url, options.maxAgeSeconds)}`;
}

/** A Set-Cookie value that removes the session cookie (same name and attributes, Max-Age=0). */
export function clearSessionCookie(publicUrl: string): string {
  return clearCookie(SESSION_COOKIE, publicUrl);
}

/** A Set-Cookie value that removes the Keyledger cookie `base`. */
export function clearCookie(base: string, publicUrl: string): string {
  const url = parsePublicUrl(publicUrl);
  return `${cookieName(base, publicUrl)}=; ${attributes(url, 0)}`;
}

/**
 * The session token in a request's Cookie header, or null. Only the cookie of
 * this deployment's name counts (on https, never a plain `kl_session` a
 * sibling subdomain could plant); the first non-empty one wins. The value is
 * not checked here: the session service refuses anything it did not issue.
 */
export function readSessionCookie(cookieHeader: string | undefined | null, publicUrl: string): string | null {
  return readCookie(cookieHeader, SESSION_COOKIE, publicUrl);
}

/** The value of the Keyledger cookie `base` in a Cookie header, or null (same rules as the session cookie). */
export function readCookie(cookieHeader: string | undefined | null, base: string, publicUrl: string): string | null {
  if (!cookieHeader) return null;
  const name = cookieName(base, publicUrl);
  for (const pair of cookieHeader.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const value = pair.slice(eq + 1).trim();
    if (value !== '') return value;
  }
  return null;
}
