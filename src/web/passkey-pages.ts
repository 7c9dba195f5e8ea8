import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { RegistrationResponseJSON, AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Runtime } from '../runtime.ts';
import { KeyledgerError, isKeyledgerError } from '../platform/errors.ts';
import { clearCookie, readCookie } from '../sessions/session-cookie.ts';
import { html, type Html } from './html.ts';
import { csrfField } from './page-layout.ts';
import { LOGIN_COOKIE, formValue, isFreshSession, loadSignedIn, requireFreshSession, redirect, safeReturnTo, setSessionCookie, userContext, visitorContext, type SignedIn } from './web-request.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ORG_RE = /^[A-Za-z0-9_-]{1,64}$/;

function when(iso: string | null): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'never';
}

/**
 * The passkeys section of the account page (list, rename, remove, add), or
 * on the re-authentication page only the "use a passkey" button. The
 * ceremonies run in /assets/passkeys.js; without JavaScript the list and its
 * forms still work.
 */
export async function passkeySection(rt: Runtime, who: SignedIn, csrf: string, options: { stepUpOnly?: boolean; returnTo?: string } = {}): Promise<Html> {
  const passkeys = await rt.passkeys.listPasskeys(who.user.id);
  if (options.stepUpOnly) {
    if (passkeys.length === 0) return html``;
    return html`<div id="passkey-stepup" hidden data-csrf="${csrf}" data-return-to="${options.returnTo ?? '/account'}">
<h2>Or use a passkey</h2>
<p class="error" role="alert" tabindex="-1" hidden></p>
<button type="button" class="secondary">Confirm with a passkey</button>
</div>`;
  }
  return html`<section aria-labelledby="passkeys-title">
<h2 id="passkeys-title">Passkeys</h2>
<p>Sign in with your fingerprint, face or device PIN instead of a password. Passkeys cannot be phished.</p>
${passkeys.length === 0
  ? html`<p>You have no passkeys yet.</p>`
  : html`<table>
<thead><tr><th scope="col">Name</th><th scope="col">Added</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${passkeys.map(
      (p) => html`<tr><td>${p.name}${p.backedUp ? html` <span class="hint">(synced)</span>` : ''}</td><td>${when(p.createdAt)}</td><td>${when(p.lastUsedAt)}</td><td>
<form method="post" action="/account/passkeys/${p.id}/rename" class="inline">${csrfField(csrf)}<label class="visually-hidden" for="rename-${p.id}">New name for ${p.name}</label><input id="rename-${p.id}" name="name" type="text" maxlength="64" value="${p.name}" required> <button type="submit" class="link">Rename</button></form>
<form method="post" action="/account/passkeys/${p.id}/remove" class="inline">${csrfField(csrf)}<button type="submit" class="link">Remove<span class="visually-hidden"> ${p.name}</span></button></form>
</td></tr>`,
    )}</tbody>
</table>`}
<div id="passkey-register" hidden data-csrf="${csrf}">
<div class="field"><label for="passkey_name">Name for the new passkey</label><input id="passkey_name" name="passkey_name" type="text" maxlength="64" placeholder="e.g. Work laptop"></div>
<p class="error" role="alert" tabindex="-1" hidden></p>
<button type="button">Add a passkey</button>
</div>
</section>`;
}

/** The passkey button of the second-factor page (a password login whose user has a passkey). */
export function secondFactorPasskey(csrf: string, returnTo: string): Html {
  return html`<div id="passkey-second-factor" hidden data-csrf="${csrf}" data-return-to="${returnTo}">
<h2>Use a passkey</h2>
<p class="error" role="alert" tabindex="-1" hidden></p>
<button type="button" class="secondary">Verify with a passkey</button>
</div>`;
}

/**
 * The JSON endpoints of the passkey ceremonies (CSRF token in the
 * x-csrf-token header, checked by the web plugin): sign-in without a
 * username, the second factor of a password login, registration and
 * step-up. Every refusal is a ledger event inside the passkey service.
 */
export function passkeyRoutes(rt: Runtime): FastifyPluginAsync {
  const publicUrl = rt.config.publicUrl;

  async function signedIn(request: FastifyRequest, reply: FastifyReply): Promise<SignedIn> {
    const who = await loadSignedIn(rt, request, reply);
    if (!who) throw new KeyledgerError('auth.unauthenticated', 'sign in first');
    return who;
  }

  function body(request: FastifyRequest): Record<string, unknown> {
    const b = request.body;
    if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new KeyledgerError('request.invalid', 'expected a JSON object');
    return b as Record<string, unknown>;
  }

  function challengeIdOf(b: Record<string, unknown>): string {
    if (typeof b.challengeId !== 'string' || !UUID_RE.test(b.challengeId)) throw new KeyledgerError('authn.webauthn_challenge_invalid', 'challengeId is missing or malformed; start the ceremony again');
    return b.challengeId;
  }

  return async (app) => {
    app.post('/login/passkey/options', async () => rt.passkeys.startPasskeyLogin());

    app.post('/login/passkey', async (request, reply) => {
      const b = body(request);
      const org = typeof b.org === 'string' && ORG_RE.test(b.org) ? b.org : null;
      const { session, sessionToken } = await rt.passkeys.completePasskeyLogin(visitorContext(request), challengeIdOf(b), b.response as AuthenticationResponseJSON, { orgRef: org });
      setSessionCookie(rt, reply, sessionToken, session);
      return { redirect: safeReturnTo(b.returnTo) };
    });

    app.post('/login/verify/passkey/options', async (request) => {
      const token = readCookie(request.headers.cookie, LOGIN_COOKIE, publicUrl);
      if (!token) throw new KeyledgerError('authn.challenge_invalid', 'this sign-in has expired; sign in again');
      return rt.passkeys.startPasskeySecondFactor(token);
    });

    app.post('/login/verify/passkey', async (request, reply) => {
      const b = body(request);
      const token = readCookie(request.headers.cookie, LOGIN_COOKIE, publicUrl);
      if (!token) throw new KeyledgerError('authn.challenge_invalid', 'this sign-in has expired; sign in again');
      const { session, sessionToken } = await rt.authn.completeLogin(visitorContext(request), token, { passkey: { challengeId: challengeIdOf(b), response: b.response as AuthenticationResponseJSON } });
      reply.header('set-cookie', clearCookie(LOGIN_COOKIE, publicUrl));
      setSessionCookie(rt, reply, sessionToken, session);
      return { redirect: safeReturnTo(b.returnTo) };
    });

    app.post('/account/passkeys/options', async (request, reply) => {
      const who = await signedIn(request, reply);
      // Registration changes how the account signs in: it needs a recent proof, like the other factors.
      await requireFreshSession(rt, who);
      return rt.passkeys.startRegistration(userContext(request, who), who.user.id);
    });

    app.post('/account/passkeys', async (request, reply) => {
      const who = await signedIn(request, reply);
      await requireFreshSession(rt, who);
      const b = body(request);
      const name = typeof b.name === 'string' && b.name.trim() !== '' ? b.name.trim() : undefined;
      await rt.passkeys.finishRegistration(userContext(request, who), who.user.id, challengeIdOf(b), b.response as RegistrationResponseJSON, name);
      return { redirect: '/account?done=passkey_added' };
    });

    app.post('/account/passkeys/:id/rename', async (request, reply) => {
      const who = await loadSignedIn(rt, request, reply);
      if (!who) return redirect(reply, '/login?return_to=%2Faccount');
      const id = (request.params as { id: string }).id;
      if (!UUID_RE.test(id)) throw new KeyledgerError('authn.factor_not_found', 'no such passkey');
      try {
        await rt.passkeys.renamePasskey(userContext(request, who), who.user.id, id, formValue(request.body, 'name').trim());
      } catch (err) {
        // A bad name leaves the passkey as it was; the account page says why.
        if (isKeyledgerError(err) && err.code === 'authn.passkey_name_invalid') return redirect(reply, '/account');
        throw err;
      }
      return redirect(reply, '/account?done=passkey_renamed');
    });

    app.post('/account/passkeys/:id/remove', async (request, reply) => {
      const who = await loadSignedIn(rt, request, reply);
      if (!who) return redirect(reply, '/login?return_to=%2Faccount');
      if (!(await isFreshSession(rt, who))) return redirect(reply, '/account/reauth?return_to=/account');
      const id = (request.params as { id: string }).id;
      if (!UUID_RE.test(id)) throw new KeyledgerError('authn.factor_not_found', 'no such passkey');
      await rt.passkeys.removePasskey(userContext(request, who), who.user.id, id);
      return redirect(reply, '/account?done=passkey_removed');
    });

    app.post('/account/reauth/passkey/options', async (request, reply) => {
      const who = await signedIn(request, reply);
      return rt.passkeys.startPasskeyStepUp(who.session.id);
    });

    app.post('/account/reauth/passkey', async (request, reply) => {
      const who = await signedIn(request, reply);
      const b = body(request);
      await rt.passkeys.completePasskeyStepUp(userContext(request, who), who.session.id, challengeIdOf(b), b.response as AuthenticationResponseJSON);
      const returnTo = safeReturnTo(b.returnTo);
      return { redirect: returnTo === '/account' ? '/account?done=reauthenticated' : returnTo };
    });
  };
}
