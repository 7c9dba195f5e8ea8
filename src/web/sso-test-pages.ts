import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Runtime } from '../runtime.ts';
import { isKeyledgerError } from '../platform/errors.ts';
import { readCookie, serializeCookie } from '../sessions/session-cookie.ts';
import { LOGIN_STATE_TTL_MS, type ConnectionTestResult } from '../sso/federated-sign-in.ts';
import { html } from './html.ts';
import { layout } from './page-layout.ts';
import { sendPage, visitorContext } from './web-request.ts';
import { goToIdp } from './sso-pages.ts';

/** Holds the opened test link's token, so only the browser that ran the test sees its result. */
const TEST_COOKIE = 'kl_sso_test';
/** Where a "test connection" started from the admin API lands. */
export const TEST_RESULT_PAGE = '/sso/test-result';

const consoleConnectionUrl = (connectionId: string) => `/console/connections/sso/${encodeURIComponent(connectionId)}`;

function refusalPage(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return sendPage(reply, status, layout('The connection test did not start', html`<p>${message}</p><p class="hint">Error code: <code>${code}</code>.</p><p><a href="/console/connections/sso">Back to the console</a></p>`));
}

function resultPage(t: ConnectionTestResult): string {
  const passed = t.outcome === 'succeeded';
  const attributes = Object.entries(t.attributes);
  return layout(
    passed ? 'Connection test passed' : 'Connection test failed',
    html`<p class="notice" role="status" id="test-outcome">${passed ? 'The identity provider signed you in and Keyledger accepted the response. Nobody was signed in to Keyledger and no account was created.' : html`Keyledger refused what the identity provider sent: <code>${t.errorCode ?? 'unknown'}</code>. Nobody was signed in and no account was created.`}</p>
<table id="test-result"><caption>Test result: ${t.outcome}</caption>
<tr><th scope="row">Outcome</th><td>${t.outcome}${t.errorCode ? html` (<code>${t.errorCode}</code>)` : ''}</td></tr>
<tr><th scope="row">Subject</th><td><code>${t.subject ?? '—'}</code></td></tr>
<tr><th scope="row">Email</th><td>${t.email ?? '—'}</td></tr>
<tr><th scope="row">Tested at</th><td>${t.createdAt}</td></tr>
</table>
${attributes.length > 0 ? html`<table id="test-attributes"><caption>Attributes Keyledger would use (after the connection's attribute mapping)</caption><tr><th scope="col">Attribute</th><th scope="col">Values</th></tr>${attributes.map(([name, values]) => html`<tr><th scope="row"><code>${name}</code></th><td>${values.join(', ')}</td></tr>`)}</table>` : ''}
<p><a href="${consoleConnectionUrl(t.connectionId)}">Back to the connection in the console</a></p>`,
  );
}

/**
 * The browser side of a "test connection" started from the admin API (the
 * console's button): `/sso/test/{token}` opens the one-time link and sends
 * the browser to the IdP with a test sign-in (the federated sign-in checks
 * and records it, opening no session); the IdP's answer lands on
 * `/sso/test-result`, shown only to the browser that opened the link.
 */
export function ssoTestPages(rt: Runtime): FastifyPluginAsync {
  const publicUrl = rt.config.publicUrl;

  return async (app) => {
    app.get('/sso/test/:token', async (request, reply) => {
      const token = (request.params as { token: string }).token;
      try {
        const link = await rt.sso.testLinks.redeem(token);
        const started = await rt.sso.signIn.start(visitorContext(request), link.connection_id, { returnTo: TEST_RESULT_PAGE, purpose: 'test' });
        reply.header('set-cookie', serializeCookie(TEST_COOKIE, token, { publicUrl, maxAgeSeconds: (2 * LOGIN_STATE_TTL_MS) / 1000 }));
        return goToIdp(publicUrl, reply, started);
      } catch (err) {
        if (!isKeyledgerError(err) || !err.code.startsWith('sso.')) throw err;
        return refusalPage(reply, err.status, err.code, err.message);
      }
    });

    app.get(TEST_RESULT_PAGE, async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      const token = readCookie(request.headers.cookie, TEST_COOKIE, publicUrl);
      const link = token ? await rt.sso.testLinks.findUsed(token) : null;
      // Only a result of the link's connection, received after this browser opened the link.
      const tests = link ? await rt.sso.signIn.listTests(link.connection_id, 20) : [];
      const tested = tests.find((t) => t.id === q.tested && t.createdAt >= link!.used_at!);
      if (!tested) return refusalPage(reply, 404, 'sso.test_link_invalid', 'There is no test result for this browser to show; start the test again from the console.');
      return sendPage(reply, 200, resultPage(tested));
    });
  };
}
