import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Runtime } from '../runtime.ts';
import { ACR_PHISHING_RESISTANT } from '../authn/acr.ts';
import { consoleUrls } from './console-client.ts';
import { CONSOLE_CLIENT_ID } from './operator.ts';

/** Where `npm run build:console` (run by install, start and test) puts the built console. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));
const ASSET_RE = /^assets\/[A-Za-z0-9._-]+\.(js|css|svg|png|woff2?)$/;

/**
 * The admin console at /console: the built single-page app (hashed assets
 * cached for good, the page itself never), any other path under /console
 * answered with the page so deep links work, and /console/config.json telling
 * the app how to sign in. The console is only a client of the public API; it
 * holds no privilege of its own.
 */
export function consoleRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const built = existsSync(`${CONSOLE_DIST}index.html`);
    if (built) await app.register(fastifyStatic, { root: CONSOLE_DIST, serve: false, index: false, dotfiles: 'deny', cacheControl: false });

    function sendPage(reply: FastifyReply) {
      if (!built) {
        return reply
          .status(503)
          .type('text/html; charset=utf-8')
          .send('<!doctype html><title>Console not built</title><h1>The admin console is not built</h1><p>Run <code>npm run build:console</code> (it runs with <code>npm install</code> and <code>npm start</code>), then restart Keyledger.</p>');
      }
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }

    app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/', 302));

    app.get('/console/config.json', { schema: { hide: true } }, async (_request, reply) => {
      const urls = consoleUrls(rt.config.publicUrl);
      const issuer = `${rt.config.publicUrl}/oidc`;
      reply.header('cache-control', 'no-store');
      return {
        clientId: CONSOLE_CLIENT_ID,
        issuer,
        authorizationEndpoint: `${issuer}/auth`,
        tokenEndpoint: `${issuer}/token`,
        endSessionEndpoint: `${issuer}/session/end`,
        redirectUri: urls.callback,
        postLogoutRedirectUri: urls.home,
        operatorOrg: { slug: rt.config.operatorOrg, exists: (await rt.operatorOrgId()) !== null },
        stepUp: { acr: ACR_PHISHING_RESISTANT, maxAgeSeconds: rt.config.consoleStepUpSeconds },
      };
    });

    app.get('/console/*', { schema: { hide: true } }, async (request, reply) => {
      const rest = (request.params as { '*': string })['*'];
      // A missing asset is the not-found answer of sendFile itself (no extra file check on every request).
      if (built && ASSET_RE.test(rest)) return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(rest);
      return sendPage(reply);
    });
  };
}
