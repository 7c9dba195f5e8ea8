import type { Db } from '../../platform/database.ts';
import type { LedgerEvent } from '../../audit/event.ts';
import type { LedgerQueries } from '../../audit/ledger-queries.ts';
import type { FindingStatus, MonitorFindingsTable } from '../../platform/schema-monitor-findings.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../../platform/pagination.ts';
import { toMonitorFinding, type MonitorFinding } from './views.ts';

export type FindingSeverity = MonitorFindingsTable['severity'];

export interface FindingFilter {
  /** An organization id; omitted: every organization and the deployment-level findings. */
  orgId?: string;
  status?: FindingStatus;
  type?: string;
  severity?: FindingSeverity;
  /** Only findings still open or acknowledged, or changed (resolved, closed) at or after this time (RFC 3339). */
  openOrUpdatedSince?: string;
}

/** Reads of tracked findings: pages, newest first, and one finding with its ledger timeline. */
export function createFindingQueries(deps: { db: Db; ledger: LedgerQueries }) {
  const { db, ledger } = deps;
  return {
    /** One page of findings matching the filter, newest first. Throws `pagination.invalid_cursor`. */
    async listFindings(filter: FindingFilter, page: { limit: number; cursor?: string }): Promise<{ items: MonitorFinding[]; nextCursor: string | null }> {
      let q = db.selectFrom('monitor_findings').selectAll();
      if (filter.orgId) q = q.where('org_id', '=', filter.orgId);
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.type) q = q.where('type', '=', filter.type);
      if (filter.severity) q = q.where('severity', '=', filter.severity);
      if (filter.openOrUpdatedSince) {
        const since = filter.openOrUpdatedSince;
        q = q.where((eb) => eb.or([eb('status', 'in', ['open', 'acknowledged']), eb('updated_at', '>=', since)]));
      }
      if (page.cursor) q = q.where('id', '<', decodeCursor(page.cursor, 'finding'));
      const rows = await q.orderBy('id', 'desc').limit(page.limit + 1).execute();
      const items = rows.slice(0, page.limit).map(toMonitorFinding);
      return { items, nextCursor: rows.length > page.limit ? encodeCursor('finding', items[items.length - 1].id) : null };
    },

    /**
     * How many findings of an organization are unresolved (open or acknowledged),
     * by rule (`type`) and severity: one grouped count, for dashboards.
     */
    async countUnresolvedFindings(orgId: string): Promise<Array<{ type: string; severity: MonitorFinding['severity']; count: number }>> {
      const rows = await db
        .selectFrom('monitor_findings')
        .select(['type', 'severity', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('org_id', '=', orgId)
        .where('status', 'in', ['open', 'acknowledged'])
        .groupBy(['type', 'severity'])
        .execute();
      return rows.map((r) => ({ type: r.type, severity: r.severity, count: Number(r.n) }));
    },

    /**
     * A finding and its timeline: the ledger events of its transitions
     * (opened, acknowledged, resolved, reopened, closed), in ledger order.
     * Throws `finding.not_found`.
     */
    async getFinding(id: string): Promise<MonitorFinding & { timeline: LedgerEvent[] }> {
      const row = await db.selectFrom('monitor_findings').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new KeyledgerError('finding.not_found', `no finding with id "${id}"`);
      const timeline: LedgerEvent[] = [];
      let cursor: string | undefined;
      do {
        const page = await ledger.listEvents({ targetId: id, actionPrefix: 'monitor.finding.' }, { limit: 200, cursor });
        timeline.push(...page.events);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return { ...toMonitorFinding(row), timeline };
    },
  };
}
