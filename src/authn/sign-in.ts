import type { Db } from '../platform/database.ts';
import type { CommandScope, Trx } from '../audit/command-runner.ts';
import type { CommandContext, EventDraft, Target } from '../audit/event.ts';
import type { SessionService } from '../sessions/service.ts';
import { resolveSessionPolicy } from '../sessions/session-policy.ts';
import type { Session } from '../sessions/session.ts';
import type { OrganizationRow, UserRow } from '../platform/schema.ts';
import { loadMfaRequirement, satisfiesMfa } from './mfa-policy.ts';

/**
 * What every way of signing in shares: finding the organization asked for,
 * the membership check, opening the session with its `authn.login.succeeded`
 * event, and the shape of the `authn.login.failed` event.
 */

/** The facts an `authn.login.failed` event records; `reason` never reaches the client. */
export interface LoginFailureFacts {
  reason: string;
  method: 'password' | 'totp' | 'recovery_code' | 'passkey';
  email: string | null;
  userId: string | null;
  orgId: string | null;
  challengeId: string | null;
}

/** The organization a sign-in names by id or slug, if it exists. */
export function findOrganizationByRef(db: Db | Trx, ref: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where((eb) => eb.or([eb('id', '=', ref), eb('slug', '=', ref)])).executeTakeFirst();
}

/**
 * Whether an organization the user belongs to enforces single sign-on
 * (`settings.ssoEnforced`): its members sign in through their identity
 * provider, and a correct password is refused (`authn.sso_required`).
 */
export async function ssoEnforcedFor(db: Db | Trx, userId: string): Promise<boolean> {
  const rows = await db.selectFrom('memberships').innerJoin('organizations', 'organizations.id', 'memberships.org_id').select('organizations.settings').where('memberships.user_id', '=', userId).execute();
  return rows.some((r) => (JSON.parse(r.settings) as { ssoEnforced?: unknown }).ssoEnforced === true);
}

/** Whether the user is a member of the organization. */
export async function isMemberOf(db: Db | Trx, orgId: string, userId: string): Promise<boolean> {
  return (await db.selectFrom('memberships').select('id').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst()) !== undefined;
}

/**
 * The MFA policy in force for a sign-in and whether its methods meet it, for
 * the ledger: the evidence an auditor samples ("was MFA enforced for this
 * login?"). A sign-in below the policy within its grace period is allowed and
 * says so; past the grace period the account page asks for enrollment before
 * anything else (and relying parties see the acr).
 */
export async function mfaEvidence(scope: CommandScope, userId: string, orgId: string | null, amr: string[]): Promise<Record<string, unknown> | null> {
  if (!orgId) return null;
  const r = await loadMfaRequirement(scope.trx, { userId, orgId, now: scope.now });
  return { level: r.level, source: r.source, satisfied: satisfiesMfa(r.level, amr), inGrace: r.inGrace, graceEndsAt: r.graceEndsAt };
}

/** The organization a session opens in: its id and settings (stored JSON text, or already parsed). */
export type SessionOrg = Pick<OrganizationRow, 'id'> & { settings: string | Record<string, unknown> };

/**
 * Opens the session and records `authn.login.succeeded`, inside the command
 * that accepted the last factor (so no factor is spent without a session).
 * `extraTargets` name what else the sign-in concerned (the passkey used).
 */
export async function openSignInSession(
  sessions: SessionService,
  scope: CommandScope,
  ctx: CommandContext,
  sign: { user: Pick<UserRow, 'id' | 'email'>; org: SessionOrg | null; amr: string[]; acr: string; extraTargets?: Target[] },
): Promise<{ session: Session; sessionToken: string }> {
  const { user, org, amr, acr } = sign;
  const settings = org ? (typeof org.settings === 'string' ? (JSON.parse(org.settings) as Record<string, unknown>) : org.settings) : null;
  const policy = resolveSessionPolicy(settings);
  const { token, session } = await sessions.createInScope(scope, { userId: user.id, orgId: org?.id ?? null, amr, acr, ip: ctx.request.ip, userAgent: ctx.request.userAgent, policy });
  scope.record({
    action: 'authn.login.succeeded',
    org: org?.id ?? null,
    targets: [{ type: 'user', id: user.id, display: user.email }, { type: 'session', id: session.id }, ...(sign.extraTargets ?? [])],
    data: { userId: user.id, orgId: org?.id ?? null, amr, acr, sessionId: session.id, mfa: await mfaEvidence(scope, user.id, org?.id ?? null, amr) },
  });
  return { session, sessionToken: token };
}

/** The `authn.login.failed` event for a refused attempt; `extraTargets` name what else it concerned (the passkey presented). */
export function loginFailedEvent(facts: LoginFailureFacts, extraTargets: Target[] = []): EventDraft {
  const targets: Target[] = [...(facts.userId ? [{ type: 'user', id: facts.userId }] : []), ...extraTargets];
  return { action: 'authn.login.failed', outcome: 'failure', reason: facts.reason, org: facts.orgId, targets, data: { ...facts } };
}
