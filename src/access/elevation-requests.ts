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
export function createElevationRequests(deps: { runner: CommandRunner; identity: IdentityService; approvals: ApprovalService; eligibilities: EligibilityService; elevation: ElevationService }) {
  const { runner, identity, approvals, eligibilities, elevation } = deps;

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
      const { result } = await runner.run(ctx, async (scope) => {
        const { eligibility, justification } = await elevation.checkActivationInScope(scope, { ...input, principalId: session.userId });
        const org = await identity.requireOrg(eligibility.org_id, scope.trx);
        requireFreshAuthentication(session, { freshnessSeconds: stepUpFreshnessSeconds(org.settings), now: scope.now, level: 'phishing_resistant' });
        return approvals.fileInScope(scope, { type: 'user', id: session.userId }, org.id, { role: eligibility.role_id, principalType: 'user', principalId: session.userId, reason: justification, durationMinutes: input.durationMinutes, kind: 'activation', eligibilityId: eligibility.id }, 'self_service');
      });
      return approvals.getRequest(result.orgId, result.id);
    },
  };
}

export type ElevationRequests = ReturnType<typeof createElevationRequests>;
