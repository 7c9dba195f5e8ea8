import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieName, readCookie, serializeCookie } from '../sessions/session-cookie.ts';

/**
 * CSRF protection for every form and every fetch of the hosted pages: a
 * random `kl_csrf` cookie (HttpOnly, SameSite=Lax, `__Host-` on https) and a
 * token derived from it with a server key (HMAC), which each form carries in
 * `_csrf` and each fetch in the `x-csrf-token` header. A cross-site page can
 * make the browser send the cookie but cannot read it or compute the token.
 * Requests whose Origin or Sec-Fetch-Site says "another site" are refused too.
 */

const CSRF_COOKIE = 'kl_csrf';
const CSRF_COOKIE_MAX_AGE_SECONDS = 12 * 3600;
const COOKIE_VALUE_RE = /^[A-Za-z0-9_-]{43}$/;
const KEY_LABEL = 'keyledger csrf token v1';

/** The server key tokens are derived under, from the deployment's master key. */
export function deriveCsrfKey(masterKey: Buffer): Buffer {
  return createHmac('sha256', masterKey).update(KEY_LABEL, 'utf8').digest();
}

function tokenFor(key: Buffer, cookieValue: string): string {
  return createHmac('sha256', key).update(cookieValue, 'utf8').digest('base64url');
}

export type CsrfRefusal = 'missing_cookie' | 'missing_token' | 'token_mismatch' | 'cross_origin';

export interface Csrf {
  /** The token for this browser's forms, setting the cookie on the reply when the browser has none yet. */
  issue(request: FastifyRequest, reply: FastifyReply): string;
  /** Null when the request carries a valid token for its cookie and comes from this origin; else why not. */
  check(request: FastifyRequest): CsrfRefusal | null;
}

export function createCsrf(options: { key: Buffer; publicUrl: string }): Csrf {
  const origin = new URL(options.publicUrl).origin;
  return {
    issue(request, reply) {
      let value = readCookie(request.headers.cookie, CSRF_COOKIE, options.publicUrl);
      if (!value || !COOKIE_VALUE_RE.test(value)) {
        value = randomBytes(32).toString('base64url');
        reply.header('set-cookie', serializeCookie(CSRF_COOKIE, value, { publicUrl: options.publicUrl, maxAgeSeconds: CSRF_COOKIE_MAX_AGE_SECONDS }));
        // Later reads in this request (a page rendering several forms) see the same cookie.
        request.headers.cookie = `${request.headers.cookie ? `${request.headers.cookie}; ` : ''}${cookieName(CSRF_COOKIE, options.publicUrl)}=${value}`;
      }
      return tokenFor(options.key, value);
    },

    check(request) {
      const site = request.headers['sec-fetch-site'];
      // Browsers say where a request comes from; only this origin (or a typed URL / bookmark) may post.
      if (site === 'cross-site' || site === 'same-site') return 'cross_origin';
      const given = request.headers.origin;
      if (typeof given === 'string' && given !== 'null' && given !== origin) return 'cross_origin';
      const value = readCookie(request.headers.cookie, CSRF_COOKIE, options.publicUrl);
      if (!value || !COOKIE_VALUE_RE.test(value)) return 'missing_cookie';
      const body = request.body as Record<string, unknown> | undefined;
      const header = request.headers['x-csrf-token'];
      const token = typeof header === 'string' ? header : typeof body?._csrf === 'string' ? body._csrf : null;
      if (!token) return 'missing_token';
      const expected = Buffer.from(tokenFor(options.key, value));
      const actual = Buffer.from(token);
      return actual.length === expected.length && timingSafeEqual(actual, expected) ? null : 'token_mismatch';
    },
  };
}
