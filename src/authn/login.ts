import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { digestsEqual, generateToken, hashToken } from '../platform/ids.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { SessionService } from '../sessions/service.ts';
import type { Session } from '../sessions/session.ts';
import type { LoginChallengeRow, OrganizationRow, UserRow } from '../platform/schema.ts';
import type { PasswordHasher } from './password/password-hasher.ts';
import type { FactorFailureReason, FactorVerification, LoginMethods } from './login-methods.ts';
import type { PasskeySecondFactorInput } from './passkeys/passkey-second-factor.ts';
import { ACR_MFA, ACR_PASSWORD, ACR_PHISHING_RESISTANT } from './acr.ts';
import { noLoginGuard, type LoginGuard } from './lockout/login-guard.ts';
import * as repo from './repository.ts';
import { findOrganizationByRef, isMemberOf, ssoEnforcedFor, loginFailedEvent, openSignInSession, type LoginFailureFacts, type SessionOrg } from './sign-in.ts';

/** How long a password login waits for its second factor. */
export const LOGIN_CHALLENGE_TTL_MS = 5 * 60 * 1000;
/** Wrong second-factor codes a challenge takes before it is dead. */
export const MAX_CHALLENGE_FAILURES = 5;
const CHALLENGE_TOKEN_RE = /^kl_login_[A-Za-z0-9_-]{43}$/;
/** The one refusal every failed password step gets, whatever the reason, so accounts cannot be enumerated. */
const LOGIN_FAILED_MESSAGE = 'the email address or password is incorrect';
/** Wrong second factors: each counts toward closing the challenge. */
const COUNTED_FAILURES: ReadonlySet<string> = new Set(['wrong_totp', 'replayed_totp', 'malformed_code', 'wrong_recovery_code', 'no_totp', 'unknown_credential', 'wrong_user', 'webauthn_challenge_invalid', 'origin_mismatch', 'rp_id_mismatch', 'user_not_verified', 'counter_regression', 'verification_failed']);

/** Why a login was refused, as the ledger records it. */
export type LoginFailureReason = FactorFailureReason | 'unknown_account' | 'inactive_account' | 'email_unverified' | 'unknown_organization' | 'not_member' | 'challenge_expired' | 'challenge_completed' | 'challenge_locked' | 'unknown_challenge' | 'account_locked' | 'rate_limited' | 'sso_required';

/** The outcome of a correct password: a session, or a challenge to complete with a second factor. */
export type PasswordLoginResult =
  | { mfaRequired: false; session: Session; sessionToken: string }
  | { mfaRequired: true; challengeToken: string; expiresAt: string; methods: SecondFactorMethod[] };

/** The second factors a challenge can be completed with. */
export type SecondFactorMethod = 'totp' | 'recovery_code' | 'passkey';

/** The second factor submitted to complete a challenge (a passkey: its ceremony started with `passkeys.startPasskeySecondFactor`). */
export type SecondFactorInput = { totpCode: string } | { recoveryCode: string } | { passkey: PasskeySecondFactorInput };

export interface LoginDeps {
  db: Db;
  runner: CommandRunner;
  newId: () => string;
  clock: Clock;
  sessions: SessionService;
  hasher: PasswordHasher;
  methods: LoginMethods;
  /** Throttling and lockout, consulted before and after every attempt (default: none). */
  guard?: LoginGuard;
}

/** The organization a session is opened in: a row (settings as JSON text) or a view (settings parsed). */

/** A factor's verdict, or a refusal the login itself decided (inactive account, not a member). */
type Verdict = FactorVerification | { ok: false; reason: LoginFailureReason };

/** A refusal decided inside the login command: rolls it back, then is recorded by its own command. */
class LoginRefused extends Error {
  constructor(readonly reason: LoginFailureReason) {
    super(reason);
  }
}

interface FailureFacts extends LoginFailureFacts {
  reason: LoginFailureReason;
}

/** Password login and its completion with a second factor; every attempt is a ledger event. */
export function createLoginCommands(deps: LoginDeps) {
  const { db, runner, newId, clock, sessions, hasher, methods } = deps;
  const guard = deps.guard ?? noLoginGuard;

  /** Commits the failed attempt (and counts it against its challenge), so the refusal is evidence even though the login throws. */
  async function recordFailure(ctx: CommandContext, facts: FailureFacts): Promise<void> {
    const { result: afterCommit } = await runner.run(ctx, async (scope) => {
      if (facts.challengeId && COUNTED_FAILURES.has(facts.reason)) await repo.incrementChallengeFailures(scope.trx, facts.challengeId);
      scope.record(loginFailedEvent(facts));
      // Counts the failure toward the account's lockout in the same transaction; may lock it.
      return guard.recordFailureInScope(scope, ctx, facts);
    });
    await afterCommit?.();
  }

  /** Opens the session and records the sign-in, inside the command that accepted the last factor. */
  async function startSession(scope: CommandScope, ctx: CommandContext, user: Pick<UserRow, 'id' | 'email'>, org: SessionOrg | null, amr: string[], acr: string): Promise<{ session: Session; sessionToken: string }> {
    // A completed sign-in clears the account's failure count.
    await guard.recordSuccessInScope(scope, ctx, user.id);
    return openSignInSession(sessions, scope, ctx, { user, org, amr, acr });
  }

  /** Runs a factor's commit plus `body` in one command; a refusal rolls back and is recorded in its own command. */
  async function commitAttempt<T>(ctx: CommandContext, verification: Verdict, body: (scope: CommandScope) => Promise<T>, facts: Omit<FailureFacts, 'reason'>, refuse: (reason: LoginFailureReason) => KeyledgerError): Promise<T> {
    try {
      // A wrong factor is refused before any write.
      if (!verification.ok) throw new LoginRefused(verification.reason);
      const { result } = await runner.run(ctx, async (scope) => {
        const lost = await verification.commit(scope);
        // A concurrent login spent the same code or step first.
        if (lost) throw new LoginRefused(lost);
        return body(scope);
      });
      return result;
    } catch (err) {
      if (!(err instanceof LoginRefused)) throw err;
      await recordFailure(ctx, { ...facts, reason: err.reason });
      throw refuse(err.reason);
    }
  }

  const loginFailed = () => new KeyledgerError('authn.login_failed', LOGIN_FAILED_MESSAGE);

  return {
    /**
     * Opens a session and records `authn.login.succeeded` inside a running command whose own
     * checks proved who the user is (an accepted invitation sets the password and signs in at
     * once). `amr`/`acr` must say what was proven. Throws `session.amr_invalid`, `session.acr_invalid`.
     */
    openSessionInScope: startSession,

    /**
     * Checks email and password (and membership of `orgRef`, when given).
     * Returns a session when no second factor is needed, else a challenge
     * token for `completeLogin`. Every refusal is the same `authn.login_failed`.
     */
    async beginPasswordLogin(ctx: CommandContext, input: { email: string; password: string; orgRef?: string | null }): Promise<PasswordLoginResult> {
      const email = String(input.email ?? '').trim().toLowerCase();
      const user = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
      const org = input.orgRef ? await findOrganizationByRef(db, input.orgRef) : undefined;
      const facts = { method: 'password' as const, email, userId: user?.id ?? null, orgId: org?.id ?? null, challengeId: null };
      const gate = await guard.checkAttempt(ctx, { method: 'password', email, userId: user?.id ?? null });
      if (gate) {
        // A locked account pays for one argon2id check like a wrong password, so neither answer nor timing tells them apart.
        if (gate.reason === 'account_locked') await hasher.dummyVerify(String(input.password ?? ''));
        await recordFailure(ctx, { ...facts, reason: gate.reason });
        throw gate.reason === 'account_locked' ? loginFailed() : gate.error;
      }
      if (!user) {
        // Unknown accounts pay for one argon2id check too, so timing does not reveal which emails exist.
        await hasher.dummyVerify(String(input.password ?? ''));
        await recordFailure(ctx, { ...facts, reason: 'unknown_account' });
        throw loginFailed();
      }
      let verification: Verdict = await methods.password.verify({ userId: user.id, challengeId: null }, String(input.password ?? ''));
      // A suspended or deprovisioned account cannot sign in, even with the right password.
      if (verification.ok && user.status !== 'active') verification = { ok: false, reason: 'inactive_account' };
      // A self-registered account signs in only once its email is proven, so nobody can hold an address they do not read.
      if (verification.ok && user.email_verified_at === null) verification = { ok: false, reason: 'email_unverified' };
      // An organization that does not exist cannot be signed in to.
      if (verification.ok && input.orgRef && !org) verification = { ok: false, reason: 'unknown_organization' };
      // Only members may sign in to an organization.
      if (verification.ok && org && !(await isMemberOf(db, org.id, user.id))) verification = { ok: false, reason: 'not_member' };
      // A member of an organization that enforces SSO signs in through its identity provider only (said only to whoever knows the password).
      if (verification.ok && (await ssoEnforcedFor(db, user.id))) verification = { ok: false, reason: 'sso_required' };
      const factor = await repo.findActiveTotpFactorByUserId(db, user.id);
      const hasPasskey = methods.passkey !== null && (await repo.countActivePasskeysByUserId(db, user.id)) > 0;
      // Whoever has a second factor is asked for it. A user the policy covers who has none yet signs in with
      // the password alone: the session's amr shows it, the ledger records the policy unmet, and the account
      // page asks for enrollment (within or past the grace period) before anything else.
      const mfaRequired = factor !== undefined || hasPasskey;
      const challengeToken = generateToken('login');
      const opened = await commitAttempt(
        ctx,
        verification,
        async (scope) => {
          const { trx, now, record } = scope;
          let challenge: LoginChallengeRow | null = null;
          if (mfaRequired) {
            challenge = { id: newId(), token_hash: hashToken(challengeToken), user_id: user.id, org_id: org?.id ?? null, methods_done: JSON.stringify(['pwd']), created_at: now.toISOString(), expires_at: new Date(now.getTime() + LOGIN_CHALLENGE_TTL_MS).toISOString(), completed_at: null, failed_attempts: 0 };
            await repo.insertLoginChallenge(trx, challenge);
          }
          record({ action: 'authn.login.password_verified', org: org?.id ?? null, targets: [{ type: 'user', id: user.id, display: user.email }], data: { userId: user.id, orgId: org?.id ?? null, mfaRequired, challengeId: challenge?.id ?? null } });
          // No second factor needed: the session opens in this same transaction.
          return challenge ? { challenge, started: null } : { challenge: null, started: await startSession(scope, ctx, user, org ?? null, ['pwd'], ACR_PASSWORD) };
        },
        facts,
        (reason) => (reason === 'sso_required' ? new KeyledgerError('authn.sso_required', 'your organization signs in with single sign-on; continue with your identity provider') : loginFailed()),
      );
      if (opened.started) return { mfaRequired: false, ...opened.started };
      const { remaining } = await repo.summarizeRecoveryCodesByUserId(db, user.id);
      const available: SecondFactorMethod[] = [...(factor ? (['totp'] as const) : []), ...(hasPasskey ? (['passkey'] as const) : []), ...(remaining > 0 ? (['recovery_code'] as const) : [])];
      return { mfaRequired: true, challengeToken, expiresAt: opened.challenge!.expires_at, methods: available };
    },

    /**
     * Completes a challenge with a TOTP or recovery code (amr ["pwd","otp"],
     * acr mfa) or a passkey (amr ["pwd","hwk"|"swk"], acr phishing-resistant)
     * and starts the session. Throws `authn.challenge_invalid` (unknown,
     * expired, completed, or 5 wrong codes) or `authn.second_factor_invalid`.
     */
    async completeLogin(ctx: CommandContext, challengeToken: string, input: SecondFactorInput): Promise<{ session: Session; sessionToken: string }> {
      const method = 'passkey' in input ? methods.passkey : 'totpCode' in input ? methods.totp : methods.recoveryCode;
      const invalid = () => new KeyledgerError('authn.challenge_invalid', 'this sign-in has expired or is no longer valid; sign in again');
      // Anything not shaped like a challenge token never reaches the database.
      const digest = typeof challengeToken === 'string' && CHALLENGE_TOKEN_RE.test(challengeToken) ? hashToken(challengeToken) : null;
      const challenge = digest ? await repo.findLoginChallengeByTokenHash(db, digest) : undefined;
      const facts = { method: method?.name ?? ('passkey' as const), email: null, userId: challenge?.user_id ?? null, orgId: challenge?.org_id ?? null, challengeId: challenge?.id ?? null };
      const state = (c: LoginChallengeRow | undefined, at: Date): LoginFailureReason | null =>
        !c || !digest || !digestsEqual(c.token_hash, digest) ? 'unknown_challenge' : c.completed_at ? 'challenge_completed' : Number(c.failed_attempts) >= MAX_CHALLENGE_FAILURES ? 'challenge_locked' : at.toISOString() >= c.expires_at ? 'challenge_expired' : null;
      const gate = await guard.checkAttempt(ctx, { method: facts.method, email: null, userId: challenge?.user_id ?? null });
      if (gate) {
        await recordFailure(ctx, { ...facts, reason: gate.reason });
        throw gate.reason === 'account_locked' ? loginFailed() : gate.error;
      }
      const early = state(challenge, clock.now());
      // Unknown, completed, locked or expired challenges take no code at all.
      if (early) {
        await recordFailure(ctx, { ...facts, reason: early });
        throw invalid();
      }
      const user = (await db.selectFrom('users').selectAll().where('id', '=', challenge!.user_id).executeTakeFirstOrThrow()) as UserRow;
      const attempt = { userId: user.id, challengeId: challenge!.id };
      let verification: Verdict =
        'passkey' in input
          ? // Passkeys need the WebAuthn relying party; without it the method is absent and the factor cannot pass.
            methods.passkey
            ? await methods.passkey.verify(attempt, input.passkey)
            : { ok: false, reason: 'verification_failed' }
          : 'totpCode' in input
            ? await methods.totp.verify(attempt, input.totpCode)
            : await methods.recoveryCode.verify(attempt, input.recoveryCode);
      // A user suspended between the two steps must not finish signing in.
      if (verification.ok && user.status !== 'active') verification = { ok: false, reason: 'inactive_account' };
      const proven = verification.ok && verification.amr ? verification.amr : method ? [method.amr] : [];
      const amr = [...new Set([...(JSON.parse(challenge!.methods_done) as string[]), ...proven])];
      // A passkey cannot be relayed by a phishing page, so a password plus a passkey is phishing-resistant.
      const acr = facts.method === 'passkey' ? ACR_PHISHING_RESISTANT : ACR_MFA;
      return commitAttempt(
        ctx,
        verification,
        async (scope) => {
          const { trx, now: at, record } = scope;
          const current = await repo.findLoginChallengeByTokenHash(trx, digest!);
          const late = state(current, at);
          // Re-checked in the transaction: the challenge may have expired, been locked or completed meanwhile.
          if (late || !(await repo.completeLoginChallenge(trx, challenge!.id, amr, at.toISOString()))) throw new LoginRefused(late ?? 'challenge_completed');
          record({ action: 'authn.login.factor_verified', org: challenge!.org_id, targets: [{ type: 'user', id: user.id, display: user.email }], data: { userId: user.id, challengeId: challenge!.id, method: facts.method } });
          // The factor is spent and the session opened in one transaction: no used-up challenge without a session.
          const org = challenge!.org_id ? ((await trx.selectFrom('organizations').selectAll().where('id', '=', challenge!.org_id).executeTakeFirst()) ?? null) : null;
          return startSession(scope, ctx, user, org, amr, acr);
        },
        facts,
        (reason) => (reason.startsWith('challenge_') ? invalid() : reason === 'inactive_account' ? loginFailed() : new KeyledgerError('authn.second_factor_invalid', 'the code was not accepted')),
      );
    },
  };
}
