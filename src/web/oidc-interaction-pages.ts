import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime.ts';
import { satisfiesMfa } from '../authn/mfa-policy.ts';
import { ACR_PHISHING_RESISTANT, asksPhishingResistant } from '../authn/acr.ts';
import { html } from './html.ts';
import { csrfField, layout } from './page-layout.ts';
import type { Csrf } from './csrf.ts';
import { loadSignedIn, redirect, sendPage, userContext, type SignedIn } from './web-request.ts';

const UID_RE = /^[A-Za-z0-9_-]{10,64}$/;

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are (your Keyledger user id)',
  profile: 'See your name',
  email: 'See your email address',
  organization: 'See which organization you signed in with',
  offline_access: 'Stay signed in to it when you are away (refresh tokens)',
};

type Details = Awaited<ReturnType<ReturnType<Runtime['oidc']['provider']>['interactionDetails']>>;

/**
 * The provider's interaction pages at `/interaction/:uid`: the Keyledger
 * session signs the user in (or the sign-in page is shown first), the
 * application's organization must hold the user, the authentication level it
 * demands is met (a step-up otherwise), and third-party applications ask for
 * consent. Each decision is a ledger event.
 */
export function oidcInteractionPages(rt: Runtime, csrf: Csrf): FastifyPluginAsync {
  const provider = () => rt.oidc.provider();

  async function details(request: FastifyRequest, reply: FastifyReply): Promise<Details | null> {
    const { uid } = request.params as { uid: string };
    if (!UID_RE.test(uid)) return null;
    await rt.oidc.ready();
    try {
      const d = await provider().interactionDetails(request.raw, reply.raw);
      return d.uid === uid ? d : null;
    } catch {
      return null;
    }
  }

  function expired(reply: FastifyReply) {
    return sendPage(reply, 400, layout('This sign-in has expired', html`<p>Go back to the application and start again.</p>`));
  }

  async function finish(request: FastifyRequest, reply: FastifyReply, result: Record<string, unknown>) {
    const to = await provider().interactionResult(request.raw, reply.raw, result as never, { mergeWithLastSubmission: false });
    return redirect(reply, to);
  }

  async function deny(request: FastifyRequest, reply: FastifyReply, who: SignedIn, d: Details, reason: string, description: string) {
    const clientId = String(d.params.client_id);
    await rt.runner.run(userContext(request, who), async ({ record }) =>
      record({ action: 'oidc.authorization.denied', targets: [{ type: 'user', id: who.user.id, display: who.user.email }, { type: 'client', id: clientId }], data: { clientId, reason } }),
    );
    return finish(request, reply, { error: 'access_denied', error_description: description });
  }

  async function grantAndFinish(request: FastifyRequest, reply: FastifyReply, who: SignedIn, d: Details, client: Record<string, unknown>, consented: boolean) {
    const clientId = String(d.params.client_id);
    const p = provider();
    const grant = d.grantId ? ((await p.Grant.find(d.grantId)) ?? new p.Grant({ accountId: who.user.id, clientId })) : new p.Grant({ accountId: who.user.id, clientId });
    const missing = (d.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
    if (missing.length > 0) grant.addOIDCScope(missing.join(' '));
    const claims = d.prompt.details.missingOIDCClaims as string[] | undefined;
    if (claims?.length) grant.addOIDCClaims(claims);
    const grantId = await grant.save();
    await rt.runner.run(userContext(request, who), async ({ record }) =>
      record({
        action: 'oidc.authorization.granted',
        org: String(client.kl_org_id),
        targets: [{ type: 'user', id: who.user.id, display: who.user.email }, { type: 'client', id: clientId, display: String(client.client_name ?? clientId) }],
        data: { clientId, scopes: String(d.params.scope ?? '').split(' ').filter(Boolean), firstParty: client.kl_first_party === true, consented, acr: who.session.acr, amr: who.session.amr },
      }),
    );
    return finish(request, reply, { consent: { grantId } });
  }

  return async (app) => {
    app.get('/interaction/:uid', async (request, reply) => {
      const d = await details(request, reply);
      if (!d) return expired(reply);
      const self = `/interaction/${d.uid}`;
      const who = await loadSignedIn(rt, request, reply);
      const client = await rt.oidc.loadClient(String(d.params.client_id), null);
      if (!client) return expired(reply);
      if (!who) {
        const org = await rt.identity.requireOrg(String(client.kl_org_id));
        return redirect(reply, `/login?org=${encodeURIComponent(org.slug)}&return_to=${encodeURIComponent(self)}`);
      }
      if (!(await rt.identity.isMember(String(client.kl_org_id), who.user.id))) {
        return deny(request, reply, who, d, 'not_a_member', 'the user is not a member of the application’s organization');
      }
      if (d.prompt.name === 'login') {
        const level = await rt.oidc.requiredLevel(client, who.user.id);
        if (!satisfiesMfa(level, who.session.amr)) return stepUp(reply, who, self, level, String(client.client_name ?? 'This application'));
        if (asksPhishingResistant(d.params.acr_values)) return phishingResistantLogin(request, reply, who, d, self, String(client.client_name ?? 'This application'));
        const ts = Math.floor(Date.parse(who.session.stepUpAt ?? who.session.authTime) / 1000);
        return finish(request, reply, { login: { accountId: who.user.id, amr: who.session.amr, acr: who.session.acr, ts, remember: false } });
      }
      if (d.prompt.name === 'consent') {
        if (client.kl_first_party === true) return grantAndFinish(request, reply, who, d, client, false);
        const token = csrf.issue(request, reply);
        const scopes = String(d.params.scope ?? '').split(' ').filter(Boolean);
        return sendPage(reply, 200, layout(`${String(client.client_name)} wants to access your account`, html`<p>Signed in as <strong>${who.user.email}</strong>. It will be able to:</p>
<ul>${scopes.map((s) => html`<li>${SCOPE_TEXT[s] ?? s}</li>`)}</ul>
<form method="post" action="${self}/consent">${csrfField(token)}<button class="primary" type="submit" name="decision" value="allow">Allow</button> <button type="submit" name="decision" value="deny">Deny</button></form>`, { signedInAs: who.user.email, csrfToken: token }));
      }
      return expired(reply);
    });

    app.post('/interaction/:uid/consent', async (request, reply) => {
      const d = await details(request, reply);
      if (!d || d.prompt.name !== 'consent') return expired(reply);
      const who = await loadSignedIn(rt, request, reply);
      if (!who || d.session?.accountId !== who.user.id) return redirect(reply, `/interaction/${d.uid}`);
      const client = await rt.oidc.loadClient(String(d.params.client_id), null);
      if (!client) return expired(reply);
      const decision = (request.body as Record<string, unknown> | undefined)?.decision;
      if (decision !== 'allow') return deny(request, reply, who, d, 'consent_denied', 'the user did not allow access');
      return grantAndFinish(request, reply, who, d, client, true);
    });
  };

  /**
   * An application asked for a phishing-resistant sign-in (`acr_values`
   * naming ACR_PHISHING_RESISTANT), as the console does before a change
   * (RFC 9470 step-up). Only a passkey counts, and with `max_age` it must have
   * been used within that many seconds: the login's time is the passkey's
   * last use, so `auth_time` in the tokens says when the passkey was proved.
   */
  async function phishingResistantLogin(request: FastifyRequest, reply: FastifyReply, who: SignedIn, d: Details, self: string, appName: string) {
    const passkeys = await rt.passkeys.listPasskeys(who.user.id);
    if (passkeys.length === 0) return stepUp(reply, who, self, 'phishing_resistant', appName);
    const lastUse = Math.max(...passkeys.map((p) => (p.lastUsedAt ? Date.parse(p.lastUsedAt) : -Infinity)));
    const maxAge = Number(d.params.max_age);
    // The proof must be this session's own (its passkey sign-in or step-up wrote both times in one command),
    // not a use of the same passkey in another browser.
    const ownProof = who.session.amr.some((m) => m === 'hwk' || m === 'swk') && [who.session.stepUpAt, who.session.authTime].some((t) => t !== null && Date.parse(t) === lastUse);
    const stale = !Number.isFinite(lastUse) || !ownProof || (Number.isFinite(maxAge) && rt.clock.now().getTime() - lastUse > maxAge * 1000);
    if (stale) return redirect(reply, `/account/reauth?method=passkey&return_to=${encodeURIComponent(self)}`);
    // The session's own methods, which include that passkey: tokens and the provider session then agree with the Keyledger session.
    return finish(request, reply, { login: { accountId: who.user.id, amr: who.session.amr, acr: ACR_PHISHING_RESISTANT, ts: Math.floor(lastUse / 1000), remember: false } });
  }

  async function stepUp(reply: FastifyReply, who: SignedIn, self: string, level: string, appName: string) {
    const passkeys = await rt.passkeys.listPasskeys(who.user.id);
    const factors = await rt.authn.listFactors(who.user.id);
    const canMeet = level === 'phishing_resistant' ? passkeys.length > 0 : passkeys.length > 0 || factors.totp.some((f) => f.status === 'active');
    if (canMeet) return redirect(reply, `/account/reauth?return_to=${encodeURIComponent(self)}`);
    const what = level === 'phishing_resistant' ? 'a passkey (a phishing-resistant sign-in)' : 'a second factor (an authenticator app or a passkey)';
    return sendPage(reply, 403, layout(`${appName} needs ${what}`, html`<p>Your account does not have one yet. Add it on <a href="/account">your account page</a>, then return to the application.</p>`, { signedInAs: who.user.email }));
  }
}
