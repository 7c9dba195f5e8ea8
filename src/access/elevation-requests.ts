import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import type { CommandRunner } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import type { Session } from '../sessions/session.ts';
import { requireFreshAuthentication, stepUpFreshnessSeconds } from '../authn/step-up.ts';
import type { ApprovalService, AccessRequestDetail } from './approvals.ts';
import type { EligibilityService } from './eligibilities.ts';
import type { ElevationService } from './elevation.ts';

/**
 * Where approvals meet elevation. An approved request of kind `eligibility`
 * makes its principal eligible for the role (for `durationMinutes`, or with no
 * end); an approved request of kind `activation` starts the activation it asked
 * for, in the same transaction as the last approval. A user asks for an
 * activation that needs approval with the same fresh phishing-resistant proof a
 * direct activation needs: the proof is given when asking, the activation
 * starts when the last approver agrees.
 */
export function createElevationRequests(deps: { db: Db; runner: CommandRunner; clock: Clock; identity: IdentityService; approvals: ApprovalService; eligibilities: EligibilityService; elevation: ElevationService }) {
  const { db, runner, clock, identity, approvals, eligibilities, elevation } = deps;

  approvals.registerFulfiller('eligibility', async (scope, request) => {
    const expiresAt = request.durationMinutes ? new Date(scope.now.getTime() + request.durationMinutes * 60_000).toISOString() : null;
    const eligibility = await eligibilities.grantEligibilityInScope(scope, { type: 'access_request', id: request.id }, request.orgId, {
      role: request.roleId,
      principalId: request.principal.id,
      reason: request.reason,
      approvalRef: `access_request:${request.id}`,
      expiresAt,
    });
    return { eligibilityId: eligibility.id };
  });

  approvals.registerFulfiller('activation', async (scope, request) => {
    if (!request.eligibilityId || !request.durationMinutes) throw new KeyledgerError('request.invalid', `activation request "${request.id}" names no eligibility or duration`);
    const assignment = await elevation.activateInScope(scope, {
      eligibilityId: request.eligibilityId,
      principalId: request.principal.id,
      justification: request.reason ?? '',
      durationMinutes: request.durationMinutes,
      approvalRef: `access_request:${request.id}`,
      requestId: request.id,
      session: null,
    });
    return { assignmentId: assignment.id };
  });

  return {
    /**
     * The signed-in user asks for an activation that needs approval. Checks what
     * a direct activation checks before anyone is asked: the eligibility is the
     * user's and open, the duration fits the role, and the session has a fresh
     * phishing-resistant proof. Throws `eligibility.not_found`,
     * `elevation.eligibility_ended`, `authn.step_up_required`, and the request
     * refusals (`access_request.no_approvers`, `access_request.duplicate`, …).
     */
    async requestActivation(ctx: CommandContext, session: Session, input: { eligibilityId: string; justification: string; durationMinutes: number }): Promise<AccessRequestDetail> {
      const eligibility = await db.selectFrom('role_eligibilities').selectAll().where('id', '=', input.eligibilityId).executeTakeFirst();
      if (!eligibility || eligibility.principal_id !== session.userId) throw new KeyledgerError('eligibility.not_found', `no role eligibility "${input.eligibilityId}" of this user`);
      const now = clock.now();
      if (eligibility.ended_at !== null || (eligibility.expires_at !== null && eligibility.expires_at <= now.toISOString())) {
        throw new KeyledgerError('elevation.eligibility_ended', `role eligibility "${eligibility.id}" has ended`);
      }
      const org = await identity.requireOrg(eligibility.org_id);
      requireFreshAuthentication(session, { freshnessSeconds: stepUpFreshnessSeconds(org.settings), now, level: 'phishing_resistant' });
      const role = await db.selectFrom('roles').select(['key', 'max_activation_minutes']).where('id', '=', eligibility.role_id).executeTakeFirstOrThrow();
      if (!Number.isInteger(input.durationMinutes) || input.durationMinutes < 1 || input.durationMinutes > role.max_activation_minutes) {
        throw new KeyledgerError('elevation.duration_invalid', `durationMinutes must be an integer from 1 to ${role.max_activation_minutes} for role "${role.key}", got ${input.durationMinutes}`, { maxMinutes: role.max_activation_minutes });
      }
      const { result } = await runner.run(ctx, (scope) =>
        approvals.fileInScope(scope, { type: 'user', id: session.userId }, org.id, { role: eligibility.role_id, principalType: 'user', principalId: session.userId, reason: input.justification, durationMinutes: input.durationMinutes, kind: 'activation', eligibilityId: eligibility.id }, 'self_service'),
      );
      return approvals.getRequest(org.id, result.id);
    },
  };
}

export type ElevationRequests = ReturnType<typeof createElevationRequests>;
