import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { createCsrf, deriveCsrfKey } from './csrf.ts';
import { oidcInteractionPages } from './oidc-interaction-pages.ts';
import { html } from './html.ts';
import { layout } from './page-layout.ts';
import { sendPage } from './web-request.ts';
import { loginPages } from './login-pages.ts';
import { accountPages } from './account-pages.ts';
import { passkeyRoutes } from './passkey-pages.ts';
import { signupPages } from './signup-pages.ts';
import { recoveryPages } from './recovery-pages.ts';
import { ssoPages } from './sso-pages.ts';
import { ssoSetupPages } from './sso-setup-pages.ts';
import { ssoTestPages } from './sso-test-pages.ts';

const require = createRequire(import.meta.url);

/** Static files of the hosted pages, read once at start-up. */
function loadAssets(): Map<string, { body: Buffer; type: string }> {
  const own = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url));
  return new Map([
    ['keyledger.css', { body: own('keyledger.css'), type: 'text/css; charset=utf-8' }],
    ['passkeys.js', { body: own('passkeys.js'), type: 'text/javascript; charset=utf-8' }],
    ['autosubmit.js', { body: own('autosubmit.js'), type: 'text/javascript; charset=utf-8' }],
    // The WebAuthn ceremonies run in the browser with @simplewebauthn/browser, served from this origin (CSP: script-src 'self').
    ['simplewebauthn-browser.js', { body: readFileSync(join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js')), type: 'text/javascript; charset=utf-8' }],
  ]);
}

/** True when the caller is a script expecting JSON (the WebAuthn fetches), not a browser form. */
function wantsJson(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').startsWith('application/json') || (request.headers.accept ?? '').startsWith('application/json');
}

function errorPage(reply: FastifyReply, status: number, title: string, message: string): FastifyReply {
  return sendPage(reply, status, layout(title, html`<p>${message}</p><p><a href="/login">Go to sign in</a></p>`));
}

function installWebErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: Error, request, reply) => {
    const known = err instanceof KeyledgerError && err.expose ? err : null;
    if (!known) request.log.error({ err }, 'page failed');
    else request.log.info({ code: known.code, status: known.status }, known.message);
    const status = known?.status ?? 500;
    if (wantsJson(request)) {
      return reply.status(status).send({ error: { code: known?.code ?? 'internal', message: known?.message ?? 'internal server error', requestId: request.id } });
    }
    if (known?.code === 'web.csrf_invalid') return errorPage(reply, 403, 'This form has expired', 'For your security, the form could not be accepted. Go back, reload the page and try again.');
    return errorPage(reply, status, status >= 500 ? 'Something went wrong' : 'That did not work', known ? known.message : 'Keyledger could not complete the request. Try again in a moment.');
  });
}

/**
 * The hosted pages: sign-in, two-step verification, the account page, the
 * passkey ceremonies, sign-up (invitations and open sign-up), email
 * verification, password reset and unlock. Server-rendered HTML forms; every POST carries a CSRF
 * token; pages are never cached and cannot be framed.
 */
export function webRoutes(rt: Runtime): FastifyPluginAsync {
  return async (app) => {
    const csrf = createCsrf({ key: deriveCsrfKey(rt.master.key), publicUrl: rt.config.publicUrl });
    const assets = loadAssets();
    installWebErrorHandler(app);
    // Pages are not part of the admin API contract: kept out of the OpenAPI document.
    app.addHook('onRoute', (route) => {
      route.schema = { ...(route.schema ?? {}), hide: true };
    });

    app.get('/assets/:name', async (request, reply) => {
      const asset = assets.get((request.params as { name: string }).name);
      if (!asset) throw new KeyledgerError('route.not_found', 'no such asset');
      return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
    });

    // Every state change from a page must prove it came from one of our pages.
    app.addHook('preHandler', async (request) => {
      if (request.method !== 'POST') return;
      // Endpoints another origin posts to by design (the SAML ACS) say so, and prove themselves otherwise.
      if ((request.routeOptions.config as { csrfExempt?: boolean } | undefined)?.csrfExempt) return;
      const refusal = csrf.check(request);
      if (refusal) {
        request.log.warn({ refusal, url: request.url.split('?')[0] }, 'csrf check refused a request');
        throw new KeyledgerError('web.csrf_invalid', 'the request did not carry a valid CSRF token for this browser; reload the page and try again', { reason: refusal });
      }
    });

    await app.register(loginPages(rt, csrf));
    await app.register(accountPages(rt, csrf));
    await app.register(passkeyRoutes(rt));
    await app.register(signupPages(rt, csrf));
    await app.register(recoveryPages(rt, csrf));
    await app.register(oidcInteractionPages(rt, csrf));
    await app.register(ssoPages(rt));
    await app.register(ssoSetupPages(rt, csrf));
    await app.register(ssoTestPages(rt));
  };
}
