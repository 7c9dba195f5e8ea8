import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime.ts';
import type { CommandContext } from '../audit/event.ts';
import { requestContext } from '../http/auth-guard.ts';
import { isKeyledgerError, KeyledgerError } from '../platform/errors.ts';
import type { SsoSetupLinkRow } from '../platform/schema-sso.ts';
import { readCookie, serializeCookie } from '../sessions/session-cookie.ts';
import { connectionUrls } from '../sso/urls.ts';
import type { Connection } from '../sso/connection-settings.ts';
import type { Domain } from '../sso/domains.ts';
import type { ConnectionTestResult } from '../sso/federated-sign-in.ts';
import type { Csrf } from './csrf.ts';
import { html, type Html } from './html.ts';
import { csrfField, errorSummary, field, layout, notice, type FieldError } from './page-layout.ts';
import { formValue, redirect, sendPage } from './web-request.ts';
import { SETUP_PAGE, goToIdp } from './sso-pages.ts';

/** Holds the setup link's token once opened, so it leaves the address bar (and the history and Referer). */
const SETUP_COOKIE = 'kl_sso_setup';
const TOKEN_RE = /^kl_ssosetup_[A-Za-z0-9_-]{43}$/;

interface SetupView {
  link: SsoSetupLinkRow;
  orgName: string;
  connection: Connection | null;
  domains: Domain[];
  tested: ConnectionTestResult | null;
  message: string | null;
  errors: FieldError[];
}

function spValues(rt: Runtime, link: SsoSetupLinkRow): Html {
  const urls = connectionUrls(rt.config.publicUrl, link.connection_id);
  return html`<table><caption>Give your identity provider these values</caption>
<tr><th scope="row">SAML Entity ID (Audience)</th><td><code>${urls.spEntityId}</code></td></tr>
<tr><th scope="row">SAML ACS URL (Reply URL)</th><td><code>${urls.acsUrl}</code></td></tr>
<tr><th scope="row">SAML metadata</th><td><code>${urls.metadataUrl}</code> (after you save the connection)</td></tr>
<tr><th scope="row">OIDC redirect URI</th><td><code>${urls.redirectUri}</code></td></tr>
</table>`;
}

function connectionSection(csrf: string, v: SetupView): Html {
  const c = v.connection;
  if (c) {
    const rows = c.saml
      ? html`<tr><th scope="row">Type</th><td>SAML 2.0</td></tr><tr><th scope="row">IdP entity ID</th><td><code>${c.saml.idpEntityId}</code></td></tr><tr><th scope="row">Sign-in URL</th><td><code>${c.saml.ssoUrl}</code></td></tr>${c.saml.certificates.map((cert) => html`<tr><th scope="row">Signing certificate</th><td><code>${cert.fingerprint.slice(0, 16)}…</code> expires ${cert.notAfter.slice(0, 10)}</td></tr>`)}`
      : html`<tr><th scope="row">Type</th><td>OpenID Connect</td></tr><tr><th scope="row">Issuer</th><td><code>${c.oidc!.issuer}</code></td></tr><tr><th scope="row">Client ID</th><td><code>${c.oidc!.clientId}</code></td></tr>`;
    return html`<h2>1. Your identity provider</h2><table><caption>Connection saved (${c.status})</caption>${rows}</table>`;
  }
  return html`<h2>1. Your identity provider</h2>
<p>Create an application for Keyledger in your identity provider, then give Keyledger its details here. Choose SAML 2.0 or OpenID Connect.</p>
<form method="post" action="/sso/setup/saml" novalidate>
${csrfField(csrf)}
<h3>SAML 2.0</h3>
${field('metadata_url', 'IdP metadata URL', v.errors, { type: 'text', hint: 'Or paste the metadata XML below.' })}
<div class="field"><label for="metadata_xml">IdP metadata XML</label><textarea id="metadata_xml" name="metadata_xml" rows="6"></textarea></div>
<div class="actions"><button type="submit">Save SAML connection</button></div>
</form>
<form method="post" action="/sso/setup/oidc" novalidate>
${csrfField(csrf)}
<h3>OpenID Connect</h3>
${field('issuer', 'Issuer URL', v.errors, { type: 'text' })}
${field('client_id', 'Client ID', v.errors, { type: 'text', autocomplete: 'off' })}
${field('client_secret', 'Client secret', v.errors, { type: 'password', autocomplete: 'off' })}
<div class="actions"><button type="submit">Save OIDC connection</button></div>
</form>`;
}

function domainSection(csrf: string, v: SetupView): Html {
  const rows = v.domains.map(
    (d) => html`<tr><td>${d.domain}</td><td>${d.verified ? html`verified (${d.verifiedVia})` : html`TXT <code>${d.txtRecord.name}</code> = <code>${d.txtRecord.value}</code>`}</td><td>${d.verified ? '' : html`<form method="post" action="/sso/setup/domains/${d.id}/verify" class="inline">${csrfField(csrf)}<button type="submit" class="secondary">Verify</button></form>`}</td></tr>`,
  );
  return html`<h2>2. Your email domains</h2>
<p>People whose address is in a verified domain are sent to your identity provider when they sign in. Publish the TXT record shown, then verify.</p>
${v.domains.length > 0 ? html`<table><tr><th scope="col">Domain</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Action</span></th></tr>${rows}</table>` : html`<p>No domains yet.</p>`}
<form method="post" action="/sso/setup/domains" novalidate>
${csrfField(csrf)}
${field('domain', 'Domain', v.errors, { type: 'text', hint: 'For example example.com' })}
<div class="actions"><button type="submit" class="secondary">Add domain</button></div>
</form>`;
}

function testSection(csrf: string, v: SetupView): Html {
  if (!v.connection) return html``;
  const t = v.tested;
  const result = t
    ? html`<table id="test-result"><caption>Last test: ${t.outcome}${t.errorCode ? html` (<code>${t.errorCode}</code>)` : ''}</caption>
<tr><th scope="row">Subject</th><td><code>${t.subject ?? '—'}</code></td></tr><tr><th scope="row">Email</th><td>${t.email ?? '—'}</td></tr>
${Object.entries(t.attributes).map(([name, values]) => html`<tr><th scope="row"><code>${name}</code></th><td>${values.join(', ')}</td></tr>`)}
</table>`
    : html``;
  return html`<h2>3. Test the connection</h2>
<p>Sign in at your identity provider as one of your users. Keyledger shows what it received; nobody is signed in to Keyledger and no account is created.</p>
<form method="post" action="/sso/setup/test">${csrfField(csrf)}<div class="actions"><button type="submit">Test connection</button></div></form>
${result}`;
}

/**
 * The self-serve setup pages a customer's administrator opens from a setup
 * link: configure the SAML or OIDC connection, claim and verify domains by
 * DNS, and test the connection with a real sign-in that shows the attributes
 * received. Everything done here is recorded with the link as the actor.
 */
export function ssoSetupPages(rt: Runtime, csrf: Csrf): FastifyPluginAsync {
  const publicUrl = rt.config.publicUrl;

  async function linkOf(request: FastifyRequest): Promise<SsoSetupLinkRow> {
    const token = readCookie(request.headers.cookie, SETUP_COOKIE, publicUrl);
    if (!token) throw new KeyledgerError('sso.setup_link_invalid', 'open the setup link you were sent again');
    return rt.sso.setupLinks.authenticate(token);
  }

  const actor = (request: FastifyRequest, link: SsoSetupLinkRow): CommandContext => ({ actor: { type: 'sso_setup_link', id: link.id, display: link.email ?? link.prefix }, request: requestContext(request) });

  const connectionOf = (link: SsoSetupLinkRow): Promise<Connection | null> => rt.sso.connections.find(link.org_id, link.connection_id);

  async function render(request: FastifyRequest, reply: FastifyReply, status: number, link: SsoSetupLinkRow, extra: { message?: string | null; errors?: FieldError[]; testedId?: string | null } = {}): Promise<FastifyReply> {
    const org = await rt.identity.requireOrg(link.org_id);
    const connection = await connectionOf(link);
    const tests = connection ? await rt.sso.signIn.listTests(connection.id, 10) : [];
    const tested = (extra.testedId ? tests.find((t) => t.id === extra.testedId) : tests[0]) ?? null;
    const v: SetupView = { link, orgName: org.name, connection, domains: await rt.sso.domains.list(org.id), tested, message: extra.message ?? null, errors: extra.errors ?? [] };
    const token = csrf.issue(request, reply);
    return sendPage(reply, status, layout(`Set up single sign-on for ${org.name}`, html`${notice(v.message)}${errorSummary(v.errors)}${spValues(rt, link)}${connectionSection(token, v)}${domainSection(token, v)}${testSection(token, v)}`));
  }

  /** Runs a change; a refusal with a stable code is shown on the page as a field error. */
  async function attempt(request: FastifyRequest, reply: FastifyReply, fieldName: string, run: (link: SsoSetupLinkRow) => Promise<string>): Promise<FastifyReply> {
    const link = await linkOf(request);
    try {
      const message = await run(link);
      return render(request, reply, 200, link, { message });
    } catch (err) {
      if (!isKeyledgerError(err) || err.status >= 500) throw err;
      return render(request, reply, err.status, link, { errors: [{ field: fieldName, message: `${err.message} (${err.code})` }] });
    }
  }

  return async (app) => {
    app.get('/sso/setup/:token', async (request, reply) => {
      const token = (request.params as { token: string }).token;
      if (!TOKEN_RE.test(token)) throw new KeyledgerError('sso.setup_link_invalid', 'this setup link is not valid; ask your administrator for a new one');
      const link = await rt.sso.setupLinks.authenticate(token);
      const maxAgeSeconds = Math.max(1, Math.floor((Date.parse(link.expires_at) - rt.clock.now().getTime()) / 1000));
      reply.header('set-cookie', serializeCookie(SETUP_COOKIE, token, { publicUrl, maxAgeSeconds }));
      return redirect(reply, SETUP_PAGE);
    });

    app.get(SETUP_PAGE, async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      return render(request, reply, 200, await linkOf(request), { testedId: typeof q.tested === 'string' ? q.tested : null, message: typeof q.tested === 'string' ? 'The test sign-in came back.' : null });
    });

    app.post('/sso/setup/saml', async (request, reply) =>
      attempt(request, reply, 'metadata_url', async (link) => {
        const xml = formValue(request.body, 'metadata_xml').trim();
        const url = formValue(request.body, 'metadata_url').trim();
        const source = xml ? { metadataXml: xml } : { metadataUrl: url };
        await rt.sso.connections.create(actor(request, link), link.org_id, { type: 'saml', name: 'SAML', ...source }, { id: link.connection_id });
        return 'The SAML connection is saved.';
      }),
    );

    app.post('/sso/setup/oidc', async (request, reply) =>
      attempt(request, reply, 'issuer', async (link) => {
        const b = request.body;
        await rt.sso.connections.create(actor(request, link), link.org_id, { type: 'oidc', name: 'OpenID Connect', issuer: formValue(b, 'issuer').trim(), clientId: formValue(b, 'client_id').trim(), clientSecret: formValue(b, 'client_secret') }, { id: link.connection_id });
        return 'The OpenID Connect connection is saved.';
      }),
    );

    app.post('/sso/setup/domains', async (request, reply) =>
      attempt(request, reply, 'domain', async (link) => {
        const d = await rt.sso.domains.add(actor(request, link), link.org_id, formValue(request.body, 'domain'));
        return `${d.domain} is added. Publish its TXT record, then verify it.`;
      }),
    );

    app.post('/sso/setup/domains/:domainId/verify', async (request, reply) =>
      attempt(request, reply, 'domain', async (link) => {
        const d = await rt.sso.domains.verifyByDns(actor(request, link), link.org_id, (request.params as { domainId: string }).domainId);
        return `${d.domain} is verified.`;
      }),
    );

    app.post('/sso/setup/test', async (request, reply) => {
      const link = await linkOf(request);
      const started = await rt.sso.signIn.start(actor(request, link), link.connection_id, { returnTo: SETUP_PAGE, purpose: 'test', setupLinkId: link.id });
      return goToIdp(publicUrl, reply, started);
    });
  };
}
