import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { MasterKey } from '../platform/crypto.ts';
import type { CommandRunner } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import type { AccessService } from '../access/service.ts';
import type { AccessRequestService } from '../access/requests.ts';
import { createDeprovisioning } from './deprovision.ts';
import { createHrSources } from './hr-sources.ts';
import { createHrEventReceiver } from './hr-events.ts';
import { createTerminationTicker } from './scheduled-terminations.ts';
import { createLeaversReport } from './leavers-report.ts';
import type { RemovalResult } from './views.ts';

export type { DeprovisionInput, ReactivateInput } from './deprovision.ts';
export type { HrDelivery, HrEventOutcome } from './hr-events.ts';
export type { LifecycleFinding, LeaverWindow } from './leavers-report.ts';
export type { HrSource, Leaver, RemovalResult } from './views.ts';

export interface LifecycleDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  master: MasterKey;
  publicUrl: string;
  identity: IdentityService;
  access: AccessService;
  accessRequests: AccessRequestService;
}

/**
 * Joiner/mover/leaver: deprovisioning with its SLA evidence (leaver records,
 * the leavers report, findings), reactivation, HR sources and their signed
 * webhook, and the ticker that carries out future-dated terminations.
 * `onUserDeactivated` must be registered as a user-deactivation hook.
 */
export function createLifecycleService(deps: LifecycleDeps) {
  const { runner, identity } = deps;
  const deprovisioning = createDeprovisioning(deps);
  const hrSources = createHrSources(deps);
  const receiver = createHrEventReceiver({ ...deps, hrSources, deprovisioning });
  const ticker = createTerminationTicker({ ...deps, deprovisioning });
  const report = createLeaversReport(deps);

  return {
    ...deprovisioning,
    ...report,
    createHrSource: hrSources.createSource,
    listHrSources: hrSources.listSources,
    rotateHrSourceSecret: hrSources.rotateSecret,
    deleteHrSource: hrSources.deleteSource,
    /** Verifies and carries out one signed HR delivery (see hr-events.ts for the checks and their order). */
    receiveHrEvent: receiver.receive,
    /** Carries out every scheduled termination due now; returns how many this call did. */
    runDue: ticker.runDue,
    /** Starts the ticker (`keyledger start` only). */
    start: ticker.start,
    stop: ticker.stop,

    /**
     * An administrator deprovisions a member of the organization now (`terminatedAt`, when given,
     * says when the person actually left, and may be earlier). Deprovisioning someone already
     * deprovisioned changes nothing and records `lifecycle.deprovisioning.skipped`, answering the
     * earlier removal's numbers. Throws `organization.not_found`, `user.not_found`,
     * `membership.not_found`, `lifecycle.terminated_at_invalid`.
     */
    async deprovision(ctx: CommandContext, orgRef: string, userId: string, input: { terminatedAt?: string; reason: string }): Promise<RemovalResult & { userId: string }> {
      const { result } = await runner.run(ctx, async (scope) => {
        const org = await identity.requireOrg(orgRef, scope.trx);
        const removal = await deprovisioning.deprovisionInScope(scope, { orgId: org.id, userId, source: 'admin', sourceRef: null, terminatedAt: input.terminatedAt ?? null, reason: input.reason });
        if (removal.alreadyDeprovisioned) {
          scope.record({ action: 'lifecycle.deprovisioning.skipped', org: org.id, targets: [{ type: 'user', id: userId }], data: { userId, source: 'admin', reason: input.reason, leaverId: removal.leaverId } });
        }
        return { userId, ...removal };
      });
      return result;
    },

    /** An administrator reactivates a deprovisioned member. Throws `organization.not_found`, `user.not_found`, `membership.not_found`, `lifecycle.not_deprovisioned`. */
    async reactivate(ctx: CommandContext, orgRef: string, userId: string, input: { reason: string }): Promise<{ userId: string; leaverId: string | null }> {
      const { result } = await runner.run(ctx, async (scope) => {
        const org = await identity.requireOrg(orgRef, scope.trx);
        return deprovisioning.reactivateInScope(scope, { orgId: org.id, userId, source: 'admin', reason: input.reason });
      });
      return result;
    },
  };
}

export type LifecycleService = ReturnType<typeof createLifecycleService>;
