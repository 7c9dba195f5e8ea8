import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime.ts';
import type { CommandContext } from '../audit/event.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { loadSignedIn, userContext, type SignedIn } from '../web/web-request.ts';

declare module 'fastify' {
  interface FastifyRequest {
    signedIn?: SignedIn;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * An onRequest hook for the self-service API (`/api/v1/me/…`): admits a request
 * only with a live session cookie of an active user, checked on every request
 * (a revoked or expired session, or a user suspended since, is refused at
 * once). A change (any method but GET/HEAD/OPTIONS) must also come from this
 * origin and carry a JSON body: browsers say where a request comes from
 * (`Sec-Fetch-Site`, `Origin`), and a cross-site page cannot send
 * `application/json` without a CORS preflight, which Keyledger never grants.
 * Throws `auth.unauthenticated`, `auth.cross_site`.
 */
export function requireUserSession(rt: Runtime) {
  const origin = new URL(rt.config.publicUrl).origin;
  return async function checkSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!SAFE_METHODS.has(request.method)) {
      const site = request.headers['sec-fetch-site'];
      const given = request.headers.origin;
      const json = /^application\/json\b/i.test(request.headers['content-type'] ?? '');
      if (site === 'cross-site' || site === 'same-site' || (typeof given === 'string' && given !== origin) || !json) {
        throw new KeyledgerError('auth.cross_site', 'a change through the self-service API must come from this site with a JSON body');
      }
    }
    const who = await loadSignedIn(rt, request, reply);
    if (!who) throw new KeyledgerError('auth.unauthenticated', 'sign in first: this endpoint needs a live Keyledger session');
    request.signedIn = who;
  };
}

/** The signed-in user behind a request admitted by `requireUserSession`. */
export function signedInOf(request: FastifyRequest): SignedIn {
  if (!request.signedIn) throw new KeyledgerError('auth.unauthenticated', 'no signed-in user');
  return request.signedIn;
}

/** The ledger context of what the signed-in user does: the user as actor, with the session and its methods. */
export function sessionCommandContext(request: FastifyRequest): CommandContext {
  return userContext(request, signedInOf(request));
}
