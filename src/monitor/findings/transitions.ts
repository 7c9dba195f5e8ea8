import type { CommandRunner, Trx } from '../../audit/command-runner.ts';
import type { CommandContext } from '../../audit/event.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import type { FindingResolution, FindingStatus } from '../../platform/schema-monitor-findings.ts';
import { findingFacts, findingTargets, toMonitorFinding, type MonitorFinding } from './views.ts';

/** The longest a risk may be accepted for before the finding speaks again. */
export const MAX_RISK_ACCEPTANCE_DAYS = 365;

export interface ResolveInput {
  resolution: FindingResolution;
  note: string;
  /** Required with `risk_accepted` (after now, at most 365 days ahead); refused with the others. */
  acceptedUntil?: string;
}

/**
 * Checks a resolution before anything is written (pure): `risk_accepted`
 * needs an `acceptedUntil` after `now` and at most 365 days ahead; `fixed`
 * and `false_positive` take none. Returns the normalized expiry. Throws
 * `finding.resolution_invalid`.
 */
export function checkResolution(input: ResolveInput, now: Date): string | null {
  if (input.resolution !== 'risk_accepted') {
    if (input.acceptedUntil !== undefined) throw new KeyledgerError('finding.resolution_invalid', `acceptedUntil goes only with resolution "risk_accepted", got resolution "${input.resolution}"`);
    return null;
  }
  if (input.acceptedUntil === undefined) throw new KeyledgerError('finding.resolution_invalid', 'resolution "risk_accepted" needs acceptedUntil: when the accepted risk must be looked at again');
  const until = Date.parse(input.acceptedUntil);
  if (Number.isNaN(until) || until <= now.getTime()) throw new KeyledgerError('finding.resolution_invalid', `acceptedUntil must be after now (${now.toISOString()}), got ${input.acceptedUntil}`);
  const latest = now.getTime() + MAX_RISK_ACCEPTANCE_DAYS * 86_400_000;
  if (until > latest) throw new KeyledgerError('finding.resolution_invalid', `acceptedUntil must be at most ${MAX_RISK_ACCEPTANCE_DAYS} days ahead (${new Date(latest).toISOString()}), got ${input.acceptedUntil}`);
  return new Date(until).toISOString();
}

async function refuse(trx: Trx, id: string, verb: string, allowed: FindingStatus[]): Promise<never> {
  const row = await trx.selectFrom('monitor_findings').select('status').where('id', '=', id).executeTakeFirst();
  if (!row) throw new KeyledgerError('finding.not_found', `no finding with id "${id}"`);
  throw new KeyledgerError('finding.invalid_transition', `a ${row.status} finding cannot be ${verb}; expected status ${allowed.join(' or ')}`, { status: row.status });
}

/** A person's transitions of a finding: acknowledging and resolving, each a ledger event with who and why. */
export function createFindingTransitions(deps: { runner: CommandRunner }) {
  const { runner } = deps;
  return {
    /**
     * Acknowledges an open finding (it stays open: someone is on it). Records
     * `monitor.finding.acknowledged`. Throws `finding.not_found`,
     * `finding.invalid_transition` (details: status) when it is not open.
     */
    async acknowledge(ctx: CommandContext, id: string, note: string): Promise<MonitorFinding> {
      const { result } = await runner.run(ctx, async (scope) => {
        const now = scope.now.toISOString();
        const claimed = await scope.trx
          .updateTable('monitor_findings')
          .set({ status: 'acknowledged', acknowledged_at: now, acknowledged_by_type: ctx.actor.type, acknowledged_by_id: ctx.actor.id, acknowledgement_note: note, updated_at: now })
          .where('id', '=', id)
          .where('status', '=', 'open')
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) await refuse(scope.trx, id, 'acknowledged', ['open']);
        const row = await scope.trx.selectFrom('monitor_findings').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        scope.record({ action: 'monitor.finding.acknowledged', org: row.org_id, targets: findingTargets(row), data: { ...findingFacts(row), note } });
        return toMonitorFinding(row);
      });
      return result;
    },

    /**
     * Resolves an open or acknowledged finding: `fixed` (reopens if the
     * condition is still there at the next evaluation), `risk_accepted` until
     * `acceptedUntil` (quiet until then), or `false_positive` (quiet while the
     * condition lasts). Records `monitor.finding.resolved`. Throws
     * `finding.not_found`, `finding.resolution_invalid`,
     * `finding.invalid_transition` (details: status).
     */
    async resolve(ctx: CommandContext, id: string, input: ResolveInput): Promise<MonitorFinding> {
      const { result } = await runner.run(ctx, async (scope) => {
        const acceptedUntil = checkResolution(input, scope.now);
        const now = scope.now.toISOString();
        const claimed = await scope.trx
          .updateTable('monitor_findings')
          .set({ status: 'resolved', resolution: input.resolution, resolution_note: input.note, accepted_until: acceptedUntil, resolved_at: now, resolved_by_type: ctx.actor.type, resolved_by_id: ctx.actor.id, updated_at: now })
          .where('id', '=', id)
          .where('status', 'in', ['open', 'acknowledged'])
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) await refuse(scope.trx, id, 'resolved', ['open', 'acknowledged']);
        const row = await scope.trx.selectFrom('monitor_findings').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        scope.record({ action: 'monitor.finding.resolved', org: row.org_id, targets: findingTargets(row), data: { ...findingFacts(row), resolution: input.resolution, note: input.note, acceptedUntil } });
        return toMonitorFinding(row);
      });
      return result;
    },
  };
}
