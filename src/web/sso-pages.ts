import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime.ts';
import { isKeyledgerError } from '../platform/errors.ts';
import { clearCookie, readCookie, serializeCookie } from '../sessions/session-cookie.ts';
import { LOGIN_STATE_TTL_MS, type SignInCompletion, type StartedSignIn } from '../sso/federated-sign-in.ts';
import { html } from './html.ts';
import { layout } from './page-layout.ts';
import { redirect, safeReturnTo, sendPage, setSessionCookie, visitorContext } from './web-request.ts';

/** Binds an OIDC sign-in to the browser that started it (login CSRF): the state, HttpOnly, for the callback to compare. */
export const SSO_STATE_COOKIE = 'kl_sso_state';
/** Where a "test connection" sign-in returns to. */
export const SETUP_PAGE = '/sso/setup';
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

function connectionIdOf(request: FastifyRequest): string {
  const id = (request.params as { connectionId?: string }).connectionId ?? '';
  return ID_RE.test(id) ? id : '-';
}

/** The page that carries a SAML AuthnRequest to an IdP that takes only the POST binding (posted by /assets/autosubmit.js; a button without script). */
function postBindingPage(form: { action: string; fields: Record<string, string> }): string {
  return layout(
    'Continue to your identity provider',
    html`<form method="post" action="${form.action}" id="sso-post">
${Object.entries(form.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<div class="actions"><button type="submit">Continue</button></div>
</form>`,
    { scripts: ['/assets/autosubmit.js'] },
  );
}

/**
 * Sends the browser to the IdP: a redirect (after a form post, a page that moves on by itself, as the
 * pages' form-action policy requires), or the POST-binding form, on a page whose policy lets it post there.
 * An OIDC sign-in also gets the state cookie that binds it to this browser.
 */
export function goToIdp(publicUrl: string, reply: FastifyReply, started: StartedSignIn): FastifyReply {
  if (started.connection.type === 'oidc') {
    reply.header('set-cookie', serializeCookie(SSO_STATE_COOKIE, started.state, { publicUrl, maxAgeSeconds: LOGIN_STATE_TTL_MS / 1000 }));
  }
  if ('redirectUrl' in started) return redirect(reply, started.redirectUrl);
  reply.header('content-security-policy', `default-src 'self'; script-src 'self'; style-src 'self'; form-action ${new URL(started.form.action).origin}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'`);
  return sendPage(reply, 200, postBindingPage(started.form));
}

function failurePage(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return sendPage(
    reply,
    status,
    layout('Single sign-on did not work', html`<p>${message}</p><p class="hint">Error code: <code>${code}</code>. Give it to your administrator if this keeps happening.</p><p><a href="/login">Back to sign in</a></p>`),
  );
}

/**
 * The browser side of enterprise SSO: `/sso/{connection}/login` starts a
 * sign-in at the organization's IdP; the SAML ACS and the OIDC callback
 * complete it (a session cookie, or the "test connection" result); and the
 * SP metadata an IdP administrator downloads. The ACS takes posts from the
 * IdP's origin, so it carries no CSRF token: the signed response and its
 * InResponseTo (or the connection allowing IdP-initiated sign-in) stand in.
 */
export function ssoPages(rt: Runtime): FastifyPluginAsync {
  const publicUrl = rt.config.publicUrl;

  async function land(reply: FastifyReply, done: SignInCompletion): Promise<FastifyReply> {
    // A test lands on the page that started it: the setup page, or the console's test result page.
    if (done.kind === 'test') return redirect(reply, `${safeReturnTo(done.returnTo, SETUP_PAGE)}?tested=${encodeURIComponent(done.result.id)}`);
    setSessionCookie(rt, reply, done.sessionToken, done.session);
    return redirect(reply, safeReturnTo(done.returnTo));
  }

  function refused(reply: FastifyReply, err: unknown): FastifyReply {
    if (!isKeyledgerError(err) || !err.code.startsWith('sso.')) throw err;
    return failurePage(reply, err.status, err.code, err.message);
  }

  return async (app) => {
    app.get('/sso/:connectionId/login', async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      const loginHint = typeof q.login_hint === 'string' && q.login_hint.length <= 320 ? q.login_hint : null;
      try {
        const started = await rt.sso.signIn.start(visitorContext(request), connectionIdOf(request), { returnTo: safeReturnTo(q.return_to), loginHint });
        return goToIdp(publicUrl, reply, started);
      } catch (err) {
        return refused(reply, err);
      }
    });

    app.post('/sso/saml/:connectionId/acs', { config: { csrfExempt: true } }, async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      try {
        const done = await rt.sso.signIn.completeSaml(visitorContext(request), connectionIdOf(request), { samlResponse: typeof body.SAMLResponse === 'string' ? body.SAMLResponse : '' });
        // An IdP-initiated sign-in may name where to go in RelayState; only a path inside Keyledger is followed.
        if (done.kind === 'session' && done.idpInitiated && typeof body.RelayState === 'string') done.returnTo = safeReturnTo(body.RelayState);
        return await land(reply, done);
      } catch (err) {
        return refused(reply, err);
      }
    });

    app.get('/sso/oidc/:connectionId/callback', async (request, reply) => {
      const browserState = readCookie(request.headers.cookie, SSO_STATE_COOKIE, publicUrl);
      reply.header('set-cookie', clearCookie(SSO_STATE_COOKIE, publicUrl));
      try {
        const callbackUrl = new URL(request.url, publicUrl);
        const done = await rt.sso.signIn.completeOidc(visitorContext(request), connectionIdOf(request), { callbackUrl, browserState });
        return await land(reply, done);
      } catch (err) {
        return refused(reply, err);
      }
    });

    app.get('/sso/saml/:connectionId/metadata', async (request, reply) => {
      try {
        const xml = await rt.sso.spMetadata(connectionIdOf(request));
        return reply.type('application/samlmetadata+xml; charset=utf-8').header('cache-control', 'public, max-age=300').send(xml);
      } catch (err) {
        return refused(reply, err);
      }
    });
  };
}
