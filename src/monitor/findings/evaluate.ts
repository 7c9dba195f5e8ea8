import { sql } from 'kysely';
import type { Db } from '../../platform/database.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { CommandRunner } from '../../audit/command-runner.ts';
import { systemContext } from '../../audit/event.ts';
import type { MonitorFindingRow } from '../../platform/schema-monitor-findings.ts';
import { findingKey, type Condition, type FindingRule } from './condition.ts';
import { planTransitions, type LiveFinding, type Transition } from './reconcile.ts';
import { findingFacts, findingTargets } from './views.ts';

/** Thrown inside a transition command that another run (or a person) got to first: rolls it back, silently. */
class AlreadyHandled extends Error {}

/** How many transitions one evaluation recorded. */
export interface EvaluationResult {
  opened: number;
  reopened: number;
  closed: number;
  /** Rules that failed (their findings were left as they were). */
  failedRules: string[];
}

export const MONITOR_ACTOR = systemContext('findings-monitor', 'Control-drift findings monitor');

/**
 * Reconciles the tracked findings with the conditions the rules see now. Each
 * transition is its own command, claimed by the unique open key (opening) or a
 * conditional update on the row's status and last change (reopening,
 * closing), so two evaluations at once record each transition once and a
 * second run changes nothing.
 */
export function createFindingsEvaluator(deps: { db: Db; runner: CommandRunner; clock: Clock; newId: () => string; logger: Logger; rules: readonly FindingRule[] }) {
  const { db, runner, newId, logger, rules } = deps;

  async function apply(t: Transition): Promise<boolean> {
    try {
      if (t.kind === 'open') await open(t.condition);
      else if (t.kind === 'reopen') await reopen(t.finding, t.condition, t.reason);
      else await close(t.finding);
      return true;
    } catch (err) {
      if (err instanceof AlreadyHandled) return false;
      throw err;
    }
  }

  function open(c: Condition) {
    return runner.run(MONITOR_ACTOR, async (scope) => {
      const key = findingKey(c);
      // Another run opened it first (on PostgreSQL the unique index makes the runner retry into this check).
      if (await scope.trx.selectFrom('monitor_findings').select('id').where('open_key', '=', key).executeTakeFirst()) throw new AlreadyHandled();
      const now = scope.now.toISOString();
      const row: MonitorFindingRow = {
        id: newId(),
        org_id: c.orgId,
        type: c.type,
        subject_type: c.subject.type,
        subject_id: c.subject.id,
        subject_display: c.subject.display ?? null,
        severity: c.severity,
        summary: c.summary,
        since: c.since,
        event_ids: JSON.stringify(c.eventIds),
        historical: c.historical ? 1 : 0,
        status: 'open',
        open_key: key,
        opened_at: now,
        updated_at: now,
        acknowledged_at: null,
        acknowledged_by_type: null,
        acknowledged_by_id: null,
        acknowledgement_note: null,
        resolution: null,
        resolution_note: null,
        accepted_until: null,
        resolved_at: null,
        resolved_by_type: null,
        resolved_by_id: null,
        reopen_count: 0,
        reopened_at: null,
        closed_at: null,
        close_reason: null,
      };
      await scope.trx.insertInto('monitor_findings').values(row).execute();
      scope.record({ action: 'monitor.finding.opened', org: c.orgId, targets: findingTargets(row), data: { ...findingFacts(row), since: c.since, summary: c.summary, historical: row.historical === 1 } });
    });
  }

  function reopen(f: LiveFinding, c: Condition, reason: string) {
    return runner.run(MONITOR_ACTOR, async (scope) => {
      const now = scope.now.toISOString();
      const before = await scope.trx.selectFrom('monitor_findings').select(['resolution', 'accepted_until']).where('id', '=', f.id).executeTakeFirstOrThrow();
      // The resolution no longer holds; the ledger keeps it (the resolved and reopened events).
      const claimed = await scope.trx
        .updateTable('monitor_findings')
        .set({ status: 'open', severity: c.severity, summary: c.summary, event_ids: JSON.stringify(c.eventIds), updated_at: now, reopened_at: now, reopen_count: sql<number>`reopen_count + 1`, resolution: null, resolution_note: null, accepted_until: null, resolved_at: null, resolved_by_type: null, resolved_by_id: null })
        .where('id', '=', f.id)
        .where('status', '=', 'resolved')
        .where('updated_at', '=', f.updated_at)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw new AlreadyHandled();
      const row = await scope.trx.selectFrom('monitor_findings').selectAll().where('id', '=', f.id).executeTakeFirstOrThrow();
      scope.record({ action: 'monitor.finding.reopened', org: row.org_id, targets: findingTargets(row), data: { ...findingFacts(row), reason, previousResolution: before.resolution, acceptedUntil: before.accepted_until, summary: row.summary } });
    });
  }

  function close(f: LiveFinding) {
    return runner.run(MONITOR_ACTOR, async (scope) => {
      const now = scope.now.toISOString();
      const claimed = await scope.trx
        .updateTable('monitor_findings')
        .set({ status: 'closed', open_key: null, closed_at: now, close_reason: 'condition_cleared', updated_at: now })
        .where('id', '=', f.id)
        .where('status', '=', f.status)
        .where('updated_at', '=', f.updated_at)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw new AlreadyHandled();
      const row = await scope.trx.selectFrom('monitor_findings').selectAll().where('id', '=', f.id).executeTakeFirstOrThrow();
      scope.record({ action: 'monitor.finding.closed', org: row.org_id, targets: findingTargets(row), data: { ...findingFacts(row), reason: 'condition_cleared', previousStatus: f.status, resolution: row.resolution } });
    });
  }

  /** Reconciles one organization (or, with null, the deployment-level rules). */
  async function evaluateScope(orgId: string | null, result: EvaluationResult): Promise<void> {
    const conditions: Condition[] = [];
    const types: string[] = [];
    for (const rule of rules.filter((r) => r.scope === (orgId === null ? 'deployment' : 'organization'))) {
      try {
        conditions.push(...(await rule.list(orgId)));
        types.push(...rule.types);
      } catch (err) {
        // A failing rule must not read as "every condition cleared": its findings stay as they are.
        logger.error({ err, rule: rule.name, orgId }, 'a findings rule failed; its findings are left unchanged');
        if (!result.failedRules.includes(rule.name)) result.failedRules.push(rule.name);
      }
    }
    if (types.length === 0) return;
    let q = db
      .selectFrom('monitor_findings')
      .select(['id', 'org_id', 'type', 'subject_type', 'subject_id', 'status', 'resolution', 'accepted_until', 'historical', 'updated_at'])
      .where('open_key', 'is not', null)
      .where('type', 'in', types);
    q = orgId === null ? q.where('org_id', 'is', null) : q.where('org_id', '=', orgId);
    const live = await q.orderBy('id').execute();
    const plan = planTransitions(conditions.filter((c) => c.orgId === orgId && types.includes(c.type)), live, deps.clock.now());
    for (const t of plan) {
      if (!(await apply(t))) continue;
      if (t.kind === 'open') result.opened++;
      else if (t.kind === 'reopen') result.reopened++;
      else result.closed++;
    }
  }

  return {
    /**
     * Evaluates every rule and reconciles: with `orgIds`, those organizations
     * only; without, every organization and the deployment-level rules. Safe to
     * run twice at once. Returns the transitions this call recorded.
     */
    async evaluate(opts: { orgIds?: string[]; deployment?: boolean } = {}): Promise<EvaluationResult> {
      const result: EvaluationResult = { opened: 0, reopened: 0, closed: 0, failedRules: [] };
      const orgIds = opts.orgIds ?? (await db.selectFrom('organizations').select('id').orderBy('id').execute()).map((o) => o.id);
      for (const orgId of [...new Set(orgIds)]) await evaluateScope(orgId, result);
      if (opts.deployment ?? opts.orgIds === undefined) await evaluateScope(null, result);
      return result;
    },
  };
}

export type FindingsEvaluator = ReturnType<typeof createFindingsEvaluator>;
