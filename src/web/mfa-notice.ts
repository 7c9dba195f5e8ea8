import type { Runtime } from '../runtime.ts';
import { isKeyledgerError } from '../platform/errors.ts';
import { loadMfaRequirement, satisfiesMfa } from '../authn/mfa-policy.ts';
import { html, type Html } from './html.ts';
import type { SignedIn } from './web-request.ts';

/**
 * What the organization's MFA policy asks of this session, shown at the top
 * of the account page until the session meets it: set up a second factor
 * (or a passkey, for `phishing_resistant`) by the end of the grace period, or
 * now once it is over. Empty when the session already satisfies the policy.
 */
export async function mfaNotice(rt: Runtime, who: SignedIn): Promise<Html> {
  if (!who.session.orgId) return html``;
  let requirement;
  try {
    requirement = await loadMfaRequirement(rt.database.db, { userId: who.user.id, orgId: who.session.orgId, now: rt.clock.now() });
  } catch (err) {
    // Removed from the organization since signing in: its policy no longer speaks to this user.
    if (isKeyledgerError(err) && (err.code === 'membership.not_found' || err.code === 'organization.not_found')) return html``;
    throw err;
  }
  if (satisfiesMfa(requirement.level, who.session.amr)) return html``;
  const org = await rt.identity.requireOrg(who.session.orgId);
  const what = requirement.level === 'phishing_resistant' ? 'a passkey' : 'two-step verification (an authenticator app or a passkey)';
  const when = requirement.inGrace && requirement.graceEndsAt ? html`Set it up before <strong>${requirement.graceEndsAt.slice(0, 10)}</strong>.` : html`Set it up now: until you do, this session can only be used to manage your account.`;
  return html`<div class="error-summary" role="alert" id="mfa-required"><h2>${org.name} requires ${what}</h2><p>${when}</p></div>`;
}
