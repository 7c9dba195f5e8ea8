import type { Db } from '../../../platform/database.ts';
import type { LifecycleFinding } from '../../../lifecycle/leavers-report.ts';
import type { Condition, FindingRule } from '../condition.ts';
import { eventIdsByTarget } from './evidence.ts';

/**
 * `deprovisioning_sla_breach` (high), from the lifecycle SLA findings
 * (the organization's `deprovisioningSlaHours`, default 24):
 * - a leaver whose access was removed later than the SLA allowed (subject
 *   the leaver record, citing its `lifecycle.sla.breached` event). The breach
 *   is a historical fact that no later change undoes, so the finding is
 *   historical: it stays open until a person resolves it (`fixed` when the
 *   process was corrected, `risk_accepted`, or `false_positive`), and a
 *   resolution ends it for good — it never reopens;
 * - a scheduled termination past its SLA and not yet carried out (subject the
 *   scheduled termination): a live condition that closes by itself when the
 *   removal happens (the late removal then opens its own historical finding).
 */
export function deprovisioningSlaBreachRule(deps: { db: Db; listFindings: (orgId: string) => Promise<LifecycleFinding[]> }): FindingRule {
  const { db } = deps;
  return {
    name: 'deprovisioning_sla_breach',
    scope: 'organization',
    types: ['deprovisioning_sla_breach'],
    async list(orgId) {
      if (orgId === null) return [];
      const findings = await deps.listFindings(orgId);
      const leaverIds = findings.flatMap((f) => (f.leaverId ? [f.leaverId] : []));
      const overdueUsers = findings.filter((f) => f.scheduledTerminationId).map((f) => f.userId);
      const [breaches, received] = await Promise.all([
        eventIdsByTarget(db, 'leaver', leaverIds, ['lifecycle.sla.breached']),
        eventIdsByTarget(db, 'user', overdueUsers, ['lifecycle.hr_event.received'], orgId),
      ]);
      return findings.map((f): Condition =>
        f.kind === 'removal_late'
          ? { type: 'deprovisioning_sla_breach', severity: 'high', orgId, subject: { type: 'leaver', id: f.leaverId!, display: f.userId }, since: f.since, summary: f.detail, eventIds: breaches.get(f.leaverId!) ?? [], historical: true }
          : { type: 'deprovisioning_sla_breach', severity: 'high', orgId, subject: { type: 'scheduled_termination', id: f.scheduledTerminationId!, display: f.userId }, since: f.since, summary: f.detail, eventIds: (received.get(f.userId) ?? []).slice(-1) },
      );
    },
  };
}
