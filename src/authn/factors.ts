import type { Db } from '../platform/database.ts';
import { KeyledgerError } from '../platform/errors.ts';
import type { MasterKey } from '../platform/crypto.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { SessionService } from '../sessions/service.ts';
import type { OrganizationRow, TotpFactorRow, UserRow } from '../platform/schema.ts';
import { PasswordError } from './password/errors.ts';
import type { PasswordHasher } from './password/password-hasher.ts';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy, type PasswordPolicyEvaluator, type PasswordViolation } from './password/password-policy.ts';
import { generateRecoveryCodes, hashRecoveryCode } from './password/recovery-codes.ts';
import { confirmEnrollment, startEnrollment } from './totp/totp-enrollment.ts';
import { totpQrSvg, totpSecretToBase32, totpUri, type TotpAlgorithm } from './totp/totp.ts';
import { openTotpSecret, sealTotpSecret } from './totp-secret.ts';
import * as repo from './repository.ts';

/** How many recovery codes a set holds. */
export const RECOVERY_CODE_COUNT = 10;

export interface FactorDeps {
  db: Db;
  runner: CommandRunner;
  newId: () => string;
  master: MasterKey;
  hasher: PasswordHasher;
  policyEvaluator: PasswordPolicyEvaluator;
  recoveryCodeKey: Buffer;
  /** Ends a user's sessions inside a factor command (the reset). */
  sessions: Pick<SessionService, 'revokeAllForUserInScope'>;
}

/** What `resetFactors` removed. */
export interface FactorReset {
  totpRemoved: number;
  recoveryCodesInvalidated: number;
  sessionsRevoked: number;
}

/** A TOTP factor as users and administrators see it: never the secret. */
export interface TotpFactorView {
  id: string;
  status: 'pending' | 'active';
  algorithm: string;
  digits: number;
  period: number;
  createdAt: string;
  expiresAt: string | null;
  activatedAt: string | null;
}

/** What a user has to sign in with. */
export interface FactorSummary {
  password: { set: boolean; updatedAt: string | null };
  totp: TotpFactorView[];
  recoveryCodes: { remaining: number; generatedAt: string | null };
}

/** What `startTotpEnrollment` hands the user once, to load into an authenticator app. */
export interface TotpEnrollmentStart {
  factorId: string;
  uri: string;
  qrSvg: string;
  secretBase32: string;
  expiresAt: string;
}

function toTotpView(row: TotpFactorRow): TotpFactorView {
  return {
    id: row.id,
    status: row.status as 'pending' | 'active',
    algorithm: row.algorithm,
    digits: Number(row.digits),
    period: Number(row.period),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    activatedAt: row.activated_at,
  };
}

/** Who a password is being chosen for, for the context-word check. */
export interface PasswordCandidate {
  email: string;
  name: string | null;
}

const PREPARED = Symbol('prepared password');

/** A password that passed the policy check, hashed and ready to store; made only by the preparePassword* functions. */
export interface PreparedPassword {
  readonly [PREPARED]: true;
  readonly hash: string;
}

/** An organization's password policy: its `settings.passwordPolicy` fields over the default. */
export function passwordPolicyOf(org: Pick<OrganizationRow, 'settings'>): PasswordPolicy {
  const settings = JSON.parse(org.settings) as { passwordPolicy?: Partial<PasswordPolicy> };
  return { ...DEFAULT_PASSWORD_POLICY, ...(settings.passwordPolicy ?? {}) };
}

function userTarget(user: Pick<UserRow, 'id' | 'email'>) {
  return [{ type: 'user', id: user.id, display: user.email }];
}

/** Password, TOTP and recovery-code management: each a command with its ledger event; no secret ever enters one. */
export function createFactorCommands(deps: FactorDeps) {
  const { db, runner, newId, master, hasher, policyEvaluator } = deps;

  async function requireUser(userId: string): Promise<UserRow> {
    const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (!user) throw new KeyledgerError('user.not_found', `no user with id "${userId}"`);
    return user;
  }

  /** The organizations a user is a member of, whose password policies all apply. */
  function listOrganizationsOfUser(userId: string): Promise<OrganizationRow[]> {
    return db.selectFrom('organizations').selectAll('organizations').innerJoin('memberships', 'memberships.org_id', 'organizations.id').where('memberships.user_id', '=', userId).orderBy('organizations.id').execute();
  }

  /** Every violation of the policies of `orgs` (the default policy when there are none), each code once. */
  function checkPassword(candidate: PasswordCandidate, orgs: Pick<OrganizationRow, 'name' | 'slug' | 'settings'>[], password: string): void {
    const checks: { policy: PasswordPolicy; org: Pick<OrganizationRow, 'name' | 'slug'> | null }[] = orgs.length > 0 ? orgs.map((org) => ({ policy: passwordPolicyOf(org), org })) : [{ policy: { ...DEFAULT_PASSWORD_POLICY }, org: null }];
    const violations = new Map<string, PasswordViolation>();
    for (const { policy, org } of checks) {
      const result = policyEvaluator.evaluatePassword(password, policy, { email: candidate.email, name: candidate.name, organizationName: org?.name, organizationSlug: org?.slug });
      if (!result.ok) for (const v of result.violations) if (!violations.has(v.code)) violations.set(v.code, v);
    }
    const all = [...violations.values()];
    // A password any of the user's organizations refuses is refused: the strictest policy wins.
    if (all.length > 0) throw new PasswordError(all[0].code, `password refused: ${all.map((v) => v.message).join('; ')}`, { violations: all });
  }

  /** Checks then hashes (argon2 is slow: never inside a transaction); the result is the only way into `storePasswordInScope`. */
  async function prepare(candidate: PasswordCandidate, orgs: Pick<OrganizationRow, 'name' | 'slug' | 'settings'>[], password: string): Promise<PreparedPassword> {
    checkPassword(candidate, orgs, password);
    return Object.freeze({ [PREPARED]: true as const, hash: await hasher.hash(password) });
  }

  /** Writes a prepared password and records `authn.password.changed`, inside a running command. */
  async function storePasswordInScope(scope: CommandScope, user: Pick<UserRow, 'id' | 'email'>, prepared: PreparedPassword): Promise<void> {
    // Only what preparePassword* made gets here, so no hash skips the policy.
    if (prepared[PREPARED] !== true) throw new KeyledgerError('internal', 'storePasswordInScope needs a password from preparePassword');
    const initial = !(await repo.findPasswordCredentialByUserId(scope.trx, user.id));
    await repo.upsertPasswordCredential(scope.trx, user.id, prepared.hash, scope.now.toISOString());
    scope.record({ action: 'authn.password.changed', targets: userTarget(user), data: { userId: user.id, initial } });
  }

  return {
    /** Sets or replaces a user's password after checking it against their organizations' policies. Throws `user.not_found` or an `authn.password_*` violation (422, all violations in `details`). */
    async setPassword(ctx: CommandContext, userId: string, password: string): Promise<void> {
      const user = await requireUser(userId);
      const prepared = await prepare(user, await listOrganizationsOfUser(userId), password);
      await runner.run(ctx, (scope) => storePasswordInScope(scope, user, prepared));
    },

    /**
     * Checks a new password of an existing user against the policies of all their organizations
     * and hashes it, writing nothing; store it with `storePasswordInScope`. Throws `user.not_found`
     * or an `authn.password_*` violation (422, all violations in `details`).
     */
    async preparePasswordForUser(userId: string, password: string): Promise<PreparedPassword> {
      const user = await requireUser(userId);
      return prepare(user, await listOrganizationsOfUser(userId), password);
    },

    /**
     * Checks the password of an account about to be created in `org` (its policy, and the future
     * user's email and name as context words) and hashes it, writing nothing: a refused password
     * is refused before anything exists. Throws an `authn.password_*` violation (422).
     */
    async preparePasswordForNewUser(candidate: PasswordCandidate, org: { name: string; slug: string; settings: Record<string, unknown> } | null, password: string): Promise<PreparedPassword> {
      return prepare(candidate, org ? [{ name: org.name, slug: org.slug, settings: JSON.stringify(org.settings) }] : [], password);
    },

    storePasswordInScope,

    /** Opens a pending TOTP enrollment (10 minutes) and returns what to load into the app, once. Throws `authn.factor_already_enrolled`. */
    async startTotpEnrollment(ctx: CommandContext, userId: string, options: { issuer: string }): Promise<TotpEnrollmentStart> {
      const user = await requireUser(userId);
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const existing = await repo.listTotpFactorsByUserId(trx, userId);
        // One authenticator per user: a second would double the codes an online guesser can hit.
        if (existing.some((f) => f.status === 'active')) throw new KeyledgerError('authn.factor_already_enrolled', `user "${userId}" already has an active TOTP authenticator; remove it first`);
        const time = now.toISOString();
        // An abandoned enrollment must not stay confirmable next to the new one.
        await repo.removeTotpFactors(trx, existing.map((f) => f.id), time);
        const pending = startEnrollment(now);
        const row: TotpFactorRow = {
          id: newId(),
          user_id: userId,
          status: 'pending',
          secret: sealTotpSecret(master, pending.secret),
          algorithm: pending.algorithm,
          digits: pending.digits,
          period: pending.period,
          last_used_step: null,
          created_at: time,
          expires_at: pending.expiresAt.toISOString(),
          activated_at: null,
          removed_at: null,
        };
        await repo.insertTotpFactor(trx, row);
        record({ action: 'authn.totp.enrollment_started', targets: userTarget(user), data: { userId, factorId: row.id, expiresAt: row.expires_at } });
        const uri = totpUri({ secret: pending.secret, issuer: options.issuer, accountName: user.email, algorithm: pending.algorithm, digits: pending.digits, period: pending.period });
        return { factorId: row.id, uri, secretBase32: totpSecretToBase32(pending.secret), expiresAt: row.expires_at! };
      });
      return { ...result, qrSvg: await totpQrSvg(result.uri) };
    },

    /** Activates a pending enrollment with a code from the app. Throws `authn.factor_not_found`, `authn.totp_enrollment_expired`, `authn.totp_code_*`. */
    async confirmTotpEnrollment(ctx: CommandContext, userId: string, factorId: string, code: string): Promise<TotpFactorView> {
      const user = await requireUser(userId);
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const row = await repo.findTotpFactorByIdAndUserId(trx, factorId, userId);
        // Another user's factor, an active or removed one: nothing to confirm.
        if (!row || row.status !== 'pending') throw new KeyledgerError('authn.factor_not_found', `no pending TOTP enrollment "${factorId}" for user "${userId}"`);
        const active = confirmEnrollment(
          { secret: openTotpSecret(master, row.secret), algorithm: row.algorithm as TotpAlgorithm, digits: Number(row.digits), period: Number(row.period), createdAt: new Date(row.created_at), expiresAt: new Date(row.expires_at!) },
          code,
          now,
        );
        const time = now.toISOString();
        // A concurrent confirm or removal won: this one must not activate a second time.
        if (!(await repo.activateTotpFactor(trx, row.id, active.lastUsedStep, time))) throw new KeyledgerError('authn.factor_not_found', `TOTP enrollment "${factorId}" is no longer pending`);
        record({ action: 'authn.totp.enrolled', targets: userTarget(user), data: { userId, factorId, algorithm: row.algorithm, digits: Number(row.digits), period: Number(row.period) } });
        return toTotpView({ ...row, status: 'active', last_used_step: active.lastUsedStep, activated_at: time, expires_at: null });
      });
      return result;
    },

    /** Removes a user's TOTP factor (active or pending). Throws `authn.factor_not_found`. */
    async removeTotp(ctx: CommandContext, userId: string, factorId: string): Promise<void> {
      const user = await requireUser(userId);
      await runner.run(ctx, async ({ trx, now, record }) => {
        const row = await repo.findTotpFactorByIdAndUserId(trx, factorId, userId);
        // Another user's factor or one already removed: removing it again would misstate when it ended.
        if (!row || row.status === 'removed' || (await repo.removeTotpFactors(trx, [row.id], now.toISOString())) !== 1) {
          throw new KeyledgerError('authn.factor_not_found', `no TOTP factor "${factorId}" for user "${userId}"`);
        }
        record({ action: 'authn.totp.removed', targets: userTarget(user), data: { userId, factorId, previousStatus: row.status } });
      });
    },

    /** Issues a fresh set of 10 recovery codes, returned only here; the unused codes of earlier sets stop working. */
    async regenerateRecoveryCodes(ctx: CommandContext, userId: string): Promise<string[]> {
      const user = await requireUser(userId);
      const codes = generateRecoveryCodes(RECOVERY_CODE_COUNT);
      await runner.run(ctx, async ({ trx, now, record }) => {
        const time = now.toISOString();
        const invalidated = await repo.deleteUnusedRecoveryCodesByUserId(trx, userId);
        const batchId = newId();
        await repo.insertRecoveryCodes(trx, codes.map((code) => ({ id: newId(), user_id: userId, batch_id: batchId, code_hash: hashRecoveryCode(deps.recoveryCodeKey, userId, code), created_at: time, used_at: null })));
        record({ action: 'authn.recovery_codes.generated', targets: userTarget(user), data: { userId, batchId, count: codes.length, invalidated } });
      });
      return codes;
    },

    /**
     * The help-desk reset ("lost my phone"): removes every TOTP authenticator
     * (active or pending) and every unused recovery code of the user and
     * revokes all their live sessions, in one command recorded as
     * `authn.factors.reset` (plus one `sessions.session.revoked` per session).
     * The password stays, so the user signs in with it and enrolls again
     * (within the organization's policy). Throws `user.not_found`, or
     * `request.invalid` for an empty reason.
     */
    async resetFactors(ctx: CommandContext, userId: string, reason: string): Promise<FactorReset> {
      // A reset is an exceptional administrative act; the ledger must say why it happened.
      if (typeof reason !== 'string' || reason.trim() === '') throw new KeyledgerError('request.invalid', 'a reason is required to reset a user’s factors');
      const user = await requireUser(userId);
      const { result } = await runner.run(ctx, async (scope) => {
        const time = scope.now.toISOString();
        const factors = await repo.listTotpFactorsByUserId(scope.trx, userId);
        const totpRemoved = await repo.removeTotpFactors(scope.trx, factors.map((f) => f.id), time);
        const recoveryCodesInvalidated = await repo.deleteUnusedRecoveryCodesByUserId(scope.trx, userId);
        // A session signed in with the lost device must not outlive the reset.
        const sessionsRevoked = await deps.sessions.revokeAllForUserInScope(scope, userId, 'factors reset');
        scope.record({
          action: 'authn.factors.reset',
          targets: userTarget(user),
          data: { userId, totpRemoved, factorIds: factors.map((f) => f.id), recoveryCodesInvalidated, sessionsRevoked, reason },
        });
        return { totpRemoved, recoveryCodesInvalidated, sessionsRevoked };
      });
      return result;
    },

    /** What a user can sign in with (never a secret). Throws `user.not_found`. */
    async listFactors(userId: string): Promise<FactorSummary> {
      await requireUser(userId);
      const credential = await repo.findPasswordCredentialByUserId(db, userId);
      const totp = await repo.listTotpFactorsByUserId(db, userId);
      return {
        password: { set: credential !== undefined, updatedAt: credential?.updated_at ?? null },
        totp: totp.map(toTotpView),
        recoveryCodes: await repo.summarizeRecoveryCodesByUserId(db, userId),
      };
    },
  };
}
