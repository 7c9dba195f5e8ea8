import type { NotifyInScope } from '../notify/service.ts';
import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { KeyledgerError } from '../platform/errors.ts';
import type { RoleAssignmentRow } from '../platform/schema.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import { systemContext, type CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import type { Session } from '../sessions/session.ts';
import { requireFreshAuthentication, stepUpFreshnessSeconds } from '../authn/step-up.ts';
import type { AccessService } from './service.ts';
import { isOpen, type EligibilityService } from './eligibilities.ts';
import { toAssignment, type RoleAssignment } from './views.ts';
import { elevationPolicyOf } from './role-governance.ts';

/** Tells people something inside a command (wired by the integrator to notifications; default: nothing). */
export type Notify = NotifyInScope;

export const JUSTIFICATION_BOUNDS = Object.freeze({ min: 10, max: 1000 });

export interface ActivationInput {
  eligibilityId: string;
  /** The user activating: must be the eligibility's user. */
  principalId: string;
  justification: string;
  durationMinutes: number;
  /** The approved request that starts this activation; null when the user starts it directly. */
  approvalRef: string | null;
  /** The access request (kind `activation`) whose approval starts it, recorded on the assignment. */
  requestId?: string | null;
  /** The session it is started from (its id and methods go in the ledger), or null (an approved request). */
  session: Pick<Session, 'id' | 'amr'> | null;
  /** Who starts it; default the user themself. */
  activatedBy?: { type: string; id: string };
}

/** An eligibility as its user sees it under /api/v1/me/eligibilities. */
export interface MyEligibility {
  id: string;
  orgId: string;
  role: { id: string; key: string; name: string; privileged: boolean; maxActivationMinutes: number; activationRequiresApproval: boolean };
  expiresAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  active: boolean;
  activation: { assignmentId: string; expiresAt: string; justification: string | null } | null;
}

/** Thrown inside a command that found its row already claimed by another run: rolls the attempt back, silently. */
class ClaimLost extends Error {}

const BATCH = 100;

/**
 * Just-in-time activation of roles a user is eligible for: a role assignment of
 * kind `activation` that ends by itself at `expires_at`. Reads already treat an
 * assignment past its expiry as gone; `endExpired` closes the rows and records
 * the end in the ledger.
 */
export function createElevationService(deps: { db: Db; runner: CommandRunner; clock: Clock; newId: () => string; logger: Logger; identity: IdentityService; access: AccessService; eligibilities: EligibilityService; notify?: Notify }) {
  const { db, runner, clock, newId, logger, identity, access, eligibilities } = deps;
  const notify: Notify = deps.notify ?? (async () => {});

  /**
   * What an activation needs before anything else: the eligibility is the user's and open, the
   * user an active member, the justification and the duration within bounds (the role's maximum,
   * the eligibility's own expiry). Shared by a direct activation and by asking for one that needs
   * approval. Throws `eligibility.not_found`, `elevation.eligibility_ended`,
   * `assignment.principal_invalid`, `request.invalid`, `elevation.duration_invalid`.
   */
  async function checkActivationInScope(scope: CommandScope, input: Pick<ActivationInput, 'eligibilityId' | 'principalId' | 'justification' | 'durationMinutes'>) {
    const { trx, now } = scope;
    const eligibility = await trx.selectFrom('role_eligibilities').selectAll().where('id', '=', input.eligibilityId).executeTakeFirst();
    // Someone else's eligibility reads as none at all: no way to learn which eligibilities exist.
    if (!eligibility || eligibility.principal_id !== input.principalId) throw new KeyledgerError('eligibility.not_found', `no role eligibility "${input.eligibilityId}" of this user`);
    if (!isOpen(eligibility, now)) throw new KeyledgerError('elevation.eligibility_ended', `role eligibility "${eligibility.id}" ${eligibility.ended_at ? `ended (${eligibility.end_reason})` : `expired at ${eligibility.expires_at}`}`);
    const user = await trx.selectFrom('users').select(['email', 'status']).where('id', '=', input.principalId).executeTakeFirst();
    if (!user || user.status !== 'active' || !(await identity.isMember(eligibility.org_id, input.principalId, trx))) {
      throw new KeyledgerError('assignment.principal_invalid', `user "${input.principalId}" is not an active member of this organization`);
    }
    const justification = input.justification.trim();
    if (justification.length < JUSTIFICATION_BOUNDS.min || justification.length > JUSTIFICATION_BOUNDS.max) {
      throw new KeyledgerError('request.invalid', `justification must be ${JUSTIFICATION_BOUNDS.min} to ${JUSTIFICATION_BOUNDS.max} characters, got ${justification.length}`);
    }
    const role = await trx.selectFrom('roles').selectAll().where('id', '=', eligibility.role_id).executeTakeFirstOrThrow();
    const policy = elevationPolicyOf(role);
    const expiresAt = new Date(now.getTime() + input.durationMinutes * 60_000).toISOString();
    const maxMinutes = policy.maxActivationMinutes;
    if (!Number.isInteger(input.durationMinutes) || input.durationMinutes < 1 || input.durationMinutes > maxMinutes) {
      throw new KeyledgerError('elevation.duration_invalid', `durationMinutes must be an integer from 1 to ${maxMinutes} for role "${role.key}", got ${input.durationMinutes}`, { maxMinutes });
    }
    // An activation never outlasts the eligibility it came from.
    if (eligibility.expires_at !== null && expiresAt > eligibility.expires_at) {
      const left = Math.floor((Date.parse(eligibility.expires_at) - now.getTime()) / 60_000);
      throw new KeyledgerError('elevation.duration_invalid', `the eligibility expires at ${eligibility.expires_at}: at most ${left} minutes are left`, { maxMinutes: left });
    }
    return { eligibility, user, role, policy, justification, expiresAt };
  }

  /**
   * Starts an activation inside a running command, recording `access.elevation.activated`.
   * Throws what `checkActivationInScope` throws, `elevation.approval_required` (the role needs an
   * approved request and `approvalRef` is null) and `elevation.already_active`.
   */
  async function activateInScope(scope: CommandScope, input: ActivationInput): Promise<RoleAssignment> {
    const { trx, now, record } = scope;
    await eligibilities.lockEligibility(scope, input.eligibilityId);
    const { eligibility, user, role, policy, justification, expiresAt } = await checkActivationInScope(scope, input);
    if (policy.activationRequiresApproval && input.approvalRef === null) {
      throw new KeyledgerError('elevation.approval_required', `role "${role.key}" needs an approved request for each activation; file one instead of activating directly`);
    }
    const held = await trx
      .selectFrom('role_assignments')
      .select(['id', 'kind'])
      .where('role_id', '=', role.id)
      .where('principal_type', '=', 'user')
      .where('principal_id', '=', input.principalId)
      .where('ended_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now.toISOString())]))
      .executeTakeFirst();
    if (held) throw new KeyledgerError('elevation.already_active', `the user already holds role "${role.key}" (${held.kind} assignment ${held.id})`);
    const by = input.activatedBy ?? { type: 'user', id: input.principalId };
    const row: RoleAssignmentRow = {
      id: newId(),
      org_id: eligibility.org_id,
      role_id: role.id,
      principal_type: 'user',
      principal_id: input.principalId,
      granted_by_type: by.type,
      granted_by_id: by.id,
      approval_ref: input.approvalRef,
      request_id: input.requestId ?? null,
      reason: null,
      kind: 'activation',
      eligibility_id: eligibility.id,
      justification,
      expires_at: expiresAt,
      created_at: now.toISOString(),
      ended_at: null,
      end_reason: null,
    };
    await trx.insertInto('role_assignments').values(row).execute();
    record({
      action: 'access.elevation.activated',
      org: row.org_id,
      targets: [{ type: 'user', id: row.principal_id, display: user.email }, { type: 'role_assignment', id: row.id }, { type: 'role', id: role.id, display: role.key }, { type: 'role_eligibility', id: eligibility.id }],
      data: {
        eligibilityId: eligibility.id,
        assignmentId: row.id,
        roleId: role.id,
        roleKey: role.key,
        privileged: role.privileged === 1,
        principalId: row.principal_id,
        justification,
        durationMinutes: input.durationMinutes,
        expiresAt,
        approvalRef: input.approvalRef,
        sessionId: input.session?.id ?? null,
        sessionAmr: input.session?.amr ?? null,
      },
    });
    if (role.owner_id && role.owner_id !== row.principal_id) {
      await notify(scope, {
        orgId: row.org_id,
        type: 'access.elevation.activated',
        recipients: [{ userId: role.owner_id }],
        subject: `${user.email} activated ${role.key}`,
        text: `${user.email} activated the role ${role.key} until ${expiresAt}. Justification: ${justification}`,
        data: { assignmentId: row.id, eligibilityId: eligibility.id, roleId: role.id, principalId: row.principal_id, expiresAt },
      });
    }
    return toAssignment(row, now);
  }

  /** Closes one assignment past its expiry; the conditional UPDATE is the claim (a second run matches nothing). */
  async function closeExpiredAssignment(ctx: CommandContext, id: string): Promise<void> {
    await runner.run(ctx, async ({ trx, record }) => {
      const row = await trx.selectFrom('role_assignments').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row || row.ended_at !== null || row.expires_at === null) throw new ClaimLost();
      const claimed = await trx.updateTable('role_assignments').set({ ended_at: row.expires_at, end_reason: 'expired' }).where('id', '=', id).where('ended_at', 'is', null).executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw new ClaimLost();
      const role = await trx.selectFrom('roles').select('key').where('id', '=', row.role_id).executeTakeFirstOrThrow();
      const targets = [{ type: row.principal_type, id: row.principal_id }, { type: 'role_assignment', id: row.id }, { type: 'role', id: row.role_id, display: role.key }];
      if (row.kind === 'activation') {
        record({
          action: 'access.elevation.ended',
          org: row.org_id,
          targets: row.eligibility_id ? [...targets, { type: 'role_eligibility', id: row.eligibility_id }] : targets,
          data: { assignmentId: row.id, eligibilityId: row.eligibility_id, roleId: row.role_id, roleKey: role.key, principalId: row.principal_id, reason: 'expired', detail: null, endedAt: row.expires_at, expiredAt: row.expires_at },
        });
      } else {
        record({
          action: 'access.assignment.expired',
          org: row.org_id,
          targets,
          data: { assignmentId: row.id, roleId: row.role_id, roleKey: role.key, principalType: row.principal_type, principalId: row.principal_id, expiredAt: row.expires_at },
        });
      }
    });
  }

  /** Closes one eligibility past its expiry, claimed the same way. */
  async function closeExpiredEligibility(ctx: CommandContext, id: string): Promise<void> {
    await runner.run(ctx, async ({ trx, record }) => {
      const row = await trx.selectFrom('role_eligibilities').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row || row.ended_at !== null || row.expires_at === null) throw new ClaimLost();
      const claimed = await trx.updateTable('role_eligibilities').set({ ended_at: row.expires_at, end_reason: 'expired' }).where('id', '=', id).where('ended_at', 'is', null).executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw new ClaimLost();
      const role = await trx.selectFrom('roles').select('key').where('id', '=', row.role_id).executeTakeFirstOrThrow();
      record({
        action: 'access.eligibility.expired',
        org: row.org_id,
        targets: [{ type: 'user', id: row.principal_id }, { type: 'role_eligibility', id: row.id }, { type: 'role', id: row.role_id, display: role.key }],
        data: { eligibilityId: row.id, roleId: row.role_id, roleKey: role.key, principalId: row.principal_id, expiredAt: row.expires_at },
      });
    });
  }

  return {
    activateInScope,
    checkActivationInScope,

    /** The user's eligibilities (open, or ended within the last day) with their role's limits and the activation running now, if any. */
    async listMine(userId: string): Promise<MyEligibility[]> {
      const now = clock.now();
      const rows = await eligibilities.listForUser(userId);
      if (rows.length === 0) return [];
      const roles = await db.selectFrom('roles').selectAll().where('id', 'in', [...new Set(rows.map((r) => r.role_id))]).execute();
      const running = await db
        .selectFrom('role_assignments')
        .select(['id', 'eligibility_id', 'expires_at', 'justification'])
        .where('eligibility_id', 'in', rows.map((r) => r.id))
        .where('ended_at', 'is', null)
        .where('expires_at', '>', now.toISOString())
        .execute();
      return rows.map((r) => {
        const role = roles.find((x) => x.id === r.role_id)!;
        const policy = elevationPolicyOf(role);
        const a = running.find((x) => x.eligibility_id === r.id);
        return {
          id: r.id,
          orgId: r.org_id,
          role: { id: role.id, key: role.key, name: role.name, privileged: role.privileged === 1, maxActivationMinutes: policy.maxActivationMinutes, activationRequiresApproval: policy.activationRequiresApproval },
          expiresAt: r.expires_at,
          endedAt: r.ended_at,
          endReason: r.end_reason,
          active: isOpen(r, now),
          activation: a ? { assignmentId: a.id, expiresAt: a.expires_at!, justification: a.justification } : null,
        };
      });
    },

    /**
     * A signed-in user activates a role they are eligible for. Needs a FRESH phishing-resistant
     * proof in this session (a passkey sign-in or step-up within the organization's step-up
     * window): otherwise `authn.step_up_required` and nothing changes. Then as `activateInScope`
     * with no approval. Throws `eligibility.not_found` (none, or another user's) before anything else.
     */
    async activate(ctx: CommandContext, session: Session, input: { eligibilityId: string; justification: string; durationMinutes: number }): Promise<RoleAssignment> {
      const eligibility = await db.selectFrom('role_eligibilities').select(['org_id', 'principal_id']).where('id', '=', input.eligibilityId).executeTakeFirst();
      if (!eligibility || eligibility.principal_id !== session.userId) throw new KeyledgerError('eligibility.not_found', `no role eligibility "${input.eligibilityId}" of this user`);
      const org = await identity.requireOrg(eligibility.org_id);
      requireFreshAuthentication(session, { freshnessSeconds: stepUpFreshnessSeconds(org.settings), now: clock.now(), level: 'phishing_resistant' });
      const { result } = await runner.run(ctx, (scope) => activateInScope(scope, { ...input, principalId: session.userId, approvalRef: null, session: { id: session.id, amr: session.amr } }));
      return result;
    },

    /** The user ends their own activation early, recording `access.elevation.ended` (reason `deactivated`). Throws `elevation.not_found`, `elevation.already_ended`. */
    async deactivate(ctx: CommandContext, userId: string, assignmentId: string, detail: string | null): Promise<RoleAssignment> {
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const row = await trx.selectFrom('role_assignments').selectAll().where('id', '=', assignmentId).executeTakeFirst();
        if (!row || row.kind !== 'activation' || row.principal_type !== 'user' || row.principal_id !== userId) throw new KeyledgerError('elevation.not_found', `no activation "${assignmentId}" of this user`);
        if (!toAssignment(row, now).active) throw new KeyledgerError('elevation.already_ended', `activation "${assignmentId}" already ended`);
        const time = now.toISOString();
        const claimed = await trx.updateTable('role_assignments').set({ ended_at: time, end_reason: 'deactivated' }).where('id', '=', row.id).where('ended_at', 'is', null).executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) throw new KeyledgerError('elevation.already_ended', `activation "${assignmentId}" already ended`);
        const role = await trx.selectFrom('roles').select('key').where('id', '=', row.role_id).executeTakeFirstOrThrow();
        record({
          action: 'access.elevation.ended',
          org: row.org_id,
          targets: [{ type: 'user', id: userId }, { type: 'role_assignment', id: row.id }, { type: 'role', id: row.role_id, display: role.key }, ...(row.eligibility_id ? [{ type: 'role_eligibility', id: row.eligibility_id }] : [])],
          data: { assignmentId: row.id, eligibilityId: row.eligibility_id, roleId: row.role_id, roleKey: role.key, principalId: userId, reason: 'deactivated', detail, endedAt: time, expiredAt: null },
        });
        return toAssignment({ ...row, ended_at: time, end_reason: 'deactivated' }, now);
      });
      return result;
    },

    /**
     * The expiry job: closes every assignment past its expiry that is not ended yet (an activation
     * records `access.elevation.ended` with reason `expired`, a standing one `access.assignment.expired`)
     * and every eligibility past its expiry (`access.eligibility.expired`); `ended_at` is the expiry
     * time itself. Safe to run twice at once: each row is claimed by a conditional UPDATE inside its
     * command. Returns how many rows this call closed (at most a batch of each kind per call).
     */
    async endExpired(): Promise<number> {
      const ctx = systemContext('elevation-expiry', 'Expiry job (role assignments and eligibilities)');
      const now = clock.now().toISOString();
      const assignments = await db.selectFrom('role_assignments').select('id').where('ended_at', 'is', null).where('expires_at', 'is not', null).where('expires_at', '<=', now).orderBy('expires_at').limit(BATCH).execute();
      const elig = await db.selectFrom('role_eligibilities').select('id').where('ended_at', 'is', null).where('expires_at', 'is not', null).where('expires_at', '<=', now).orderBy('expires_at').limit(BATCH).execute();
      let closed = 0;
      const attempt = async (what: string, id: string, close: (ctx: CommandContext, id: string) => Promise<void>) => {
        try {
          await close(ctx, id);
          closed++;
        } catch (err) {
          if (err instanceof ClaimLost) return;
          logger.error({ err, [what]: id }, 'closing an expired row failed; it is retried on the next run');
        }
      };
      for (const a of assignments) await attempt('assignmentId', a.id, closeExpiredAssignment);
      for (const e of elig) await attempt('eligibilityId', e.id, closeExpiredEligibility);
      return closed;
    },
  };
}

export type ElevationService = ReturnType<typeof createElevationService>;
