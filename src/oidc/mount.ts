import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Runtime } from '../runtime.ts';
import { clearSessionCookie } from '../sessions/session-cookie.ts';
import { loadSignedIn, userContext } from '../web/web-request.ts';
import type { OidcService } from './oidc-service.ts';
import { attachRequestScope, type OidcRequestScope } from './provider.ts';
import type { ClientAuthHint } from './clients.ts';

/**
 * The policy of the provider's own pages (logout confirmation, errors, form_post):
 * the hosted pages' policy, except that a form may lead on to an application
 * (the confirmed logout redirects to its registered post-logout URI).
 */
const PROVIDER_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self' https: http:";

/** The headers every provider response carries; HSTS only when served over https. */
function providerSecurityHeaders(https: boolean): Array<[string, string]> {
  return [
    ['content-security-policy', PROVIDER_CSP],
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
    ['referrer-policy', 'no-referrer'],
    ['cross-origin-opener-policy', 'same-origin'],
    ...(https ? ([['strict-transport-security', 'max-age=31536000; includeSubDomains']] as Array<[string, string]>) : []),
  ];
}

/** oidc-provider's own limit on a request body. */
const BODY_LIMIT = 56 * 1024;

function authHint(req: FastifyRequest): ClientAuthHint {
  if (/^basic /i.test(req.headers.authorization ?? '')) return 'basic';
  return typeof req.body === 'string' && /(^|&)client_assertion=/.test(req.body) ? 'assertion' : null;
}

/** Hands the request to the provider (a Koa app) with `/oidc` taken off the path, as the provider expects when mounted under its issuer's path. */
async function handOver(oidc: OidcService, req: FastifyRequest, reply: FastifyReply, path: string, securityHeaders: Array<[string, string]>): Promise<void> {
  const raw = req.raw as IncomingMessage & { originalUrl?: string; body?: unknown };
  // The provider derives its mount path from the difference between the two URLs.
  raw.originalUrl = `/oidc${path}`;
  raw.url = path;
  // The body was read (and size-limited) by Fastify; the provider reads `req.body` when the stream is spent.
  if (typeof req.body === 'string') raw.body = req.body;
  const scope: OidcRequestScope = { hint: authHint(req), ip: req.ip };
  await oidc.ready();
  reply.hijack();
  // The hosted pages' security headers, set here directly (these routes skip the helmet plugin: it showed in the token endpoint's profile).
  for (const [name, value] of securityHeaders) reply.raw.setHeader(name, value);
  const callback = oidc.callback();
  await new Promise<void>((resolve) => {
    reply.raw.once('close', resolve);
    reply.raw.once('finish', resolve);
    attachRequestScope(raw, scope);
    Promise.resolve(callback(raw, reply.raw)).catch((err) => {
      req.log.error({ err }, 'the OpenID Connect provider failed a request');
      if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' });
      reply.raw.end(JSON.stringify({ error: 'server_error' }));
    });
  });
}

/**
 * Mounts the provider: every path under `/oidc` (authorization, token,
 * introspection, revocation, userinfo, JWKS, end session, discovery) and the
 * discovery document at the root `/.well-known/openid-configuration` too.
 * Hidden from the admin API's OpenAPI document (the discovery document
 * describes these endpoints).
 */
export function oidcRoutes(rt: Runtime): FastifyPluginAsync {
  const oidc = rt.oidc;
  const headers = providerSecurityHeaders(rt.config.publicUrl.startsWith('https:'));
  /** RP-initiated logout the user confirmed ends the Keyledger session too (single sign-out), before the provider ends its own. */
  async function endBrowserSession(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (typeof req.body !== 'string' || !new URLSearchParams(req.body).has('logout')) return;
    // Only the confirmation form on this origin may end the session (the provider checks its own token after this):
    // a post from another site or origin, or one whose browser says nothing of where it came from, leaves it alone.
    // (A page under `Referrer-Policy: no-referrer` posts with `Origin: null`; the fetch metadata still says same-origin.)
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    const ours = new URL(rt.config.publicUrl).origin;
    if (site !== undefined && site !== 'same-origin') return;
    if (origin !== undefined && origin !== 'null' && origin !== ours) return;
    if (site !== 'same-origin' && origin !== ours) return;
    const who = await loadSignedIn(rt, req, reply);
    if (who) await rt.sessions.revoke(userContext(req, who), who.session.id, 'signed out from an application');
    reply.raw.setHeader('set-cookie', clearSessionCookie(rt.config.publicUrl));
  }
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
    const methods = ['GET', 'POST', 'OPTIONS', 'HEAD'] as const;
    const forward = async (req: FastifyRequest, reply: FastifyReply) => {
      const url = req.raw.url ?? '/';
      const rest = url.slice('/oidc'.length);
      if (req.method === 'POST' && rest.startsWith('/session/end/confirm')) await endBrowserSession(req, reply);
      return handOver(oidc, req, reply, rest === '' || rest.startsWith('?') ? `/${rest}` : rest, headers);
    };
    app.route({ method: [...methods], url: '/oidc', schema: { hide: true }, helmet: false, handler: forward });
    app.route({ method: [...methods], url: '/oidc/*', schema: { hide: true }, helmet: false, handler: forward });
    app.route({ method: ['GET', 'HEAD'], url: '/.well-known/openid-configuration', schema: { hide: true }, helmet: false, handler: (req, reply) => handOver(oidc, req, reply, '/.well-known/openid-configuration', headers) });
  };
}
