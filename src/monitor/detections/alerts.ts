import type { CommandContext, LedgerEvent } from '../../audit/event.ts';
import type { CommandRunner, Trx } from '../../audit/command-runner.ts';
import type { LedgerQueries } from '../../audit/ledger-queries.ts';
import type { Db } from '../../platform/database.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../../platform/pagination.ts';
import type { DetectionAlertRow } from '../../platform/schema-detections.ts';
import type { IdentityService } from '../../identity/service.ts';
import { subjectTarget } from './alert-store.ts';

export type AlertStatus = 'open' | 'acknowledged' | 'closed';
export type Disposition = 'true_positive' | 'false_positive' | 'benign';

export interface Alert {
  id: string;
  rule: string;
  severity: string;
  orgId: string | null;
  subjectType: string;
  subject: string;
  status: AlertStatus;
  firstSeenAt: string;
  lastSeenAt: string;
  eventCount: number;
  details: Record<string, unknown>;
  raisedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  closedAt: string | null;
  closedBy: string | null;
  disposition: Disposition | null;
  note: string | null;
}

/** How many triggering events GET /alerts/{id} returns (the alert's eventCount says how many there are). */
export const ALERT_EVENTS_SHOWN = 200;

export function toAlert(r: DetectionAlertRow): Alert {
  return {
    id: r.id,
    rule: r.rule,
    severity: r.severity,
    orgId: r.org_id,
    subjectType: r.subject_type,
    subject: r.subject,
    status: r.status as AlertStatus,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    eventCount: Number(r.event_count),
    details: JSON.parse(r.details) as Record<string, unknown>,
    raisedAt: r.raised_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    closedAt: r.closed_at,
    closedBy: r.closed_by,
    disposition: r.disposition as Disposition | null,
    note: r.note,
  };
}

const actorRef = (ctx: CommandContext) => `${ctx.actor.type}:${ctx.actor.id}`;

/** Alerts: listing with server paging, one alert with its triggering events, acknowledging and closing (each a ledger event). */
export function createAlertService(deps: { db: Db; runner: CommandRunner; ledger: LedgerQueries; identity: IdentityService }) {
  const { db, runner } = deps;

  async function requireAlert(reader: Db | Trx, id: string): Promise<DetectionAlertRow> {
    const row = await reader.selectFrom('detection_alerts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new KeyledgerError('alert.not_found', `no alert with id "${id}"`);
    return row;
  }

  return {
    /** Alerts, newest first, filtered by organization (id or slug), status, rule and severity. Throws `organization.not_found`, `pagination.invalid_cursor`. */
    async listAlerts(filter: { org?: string; status?: AlertStatus; rule?: string; severity?: string }, page: { limit: number; cursor?: string }): Promise<{ items: Alert[]; nextCursor: string | null }> {
      let q = db.selectFrom('detection_alerts').selectAll();
      if (filter.org) q = q.where('org_id', '=', (await deps.identity.requireOrg(filter.org)).id);
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.rule) q = q.where('rule', '=', filter.rule);
      if (filter.severity) q = q.where('severity', '=', filter.severity);
      if (page.cursor) q = q.where('id', '<', decodeCursor(page.cursor, 'alert'));
      const rows = await q.orderBy('id', 'desc').limit(page.limit + 1).execute();
      const items = rows.slice(0, page.limit).map(toAlert);
      return { items, nextCursor: rows.length > page.limit ? encodeCursor('alert', items[items.length - 1].id) : null };
    },

    /** One alert with the ledger events that triggered it (in ledger order). Throws `alert.not_found`. */
    async getAlert(id: string): Promise<Alert & { events: LedgerEvent[] }> {
      const row = await requireAlert(db, id);
      const links = await db.selectFrom('detection_alert_events').select('event_id').where('alert_id', '=', id).orderBy('seq').limit(ALERT_EVENTS_SHOWN).execute();
      const events = await Promise.all(links.map((l) => deps.ledger.getEvent(l.event_id)));
      return { ...toAlert(row), events };
    },

    /** Acknowledges an open alert (someone is looking at it); it still takes further events. Throws `alert.not_found`, `alert.state_invalid`. */
    async acknowledgeAlert(ctx: CommandContext, id: string, input: { note?: string | null }): Promise<Alert> {
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const row = await requireAlert(trx, id);
        if (row.status !== 'open') throw new KeyledgerError('alert.state_invalid', `alert "${id}" is ${row.status}; only an open alert can be acknowledged`, { status: row.status });
        const patch = { status: 'acknowledged', acknowledged_at: now.toISOString(), acknowledged_by: actorRef(ctx), note: input.note ?? row.note };
        await trx.updateTable('detection_alerts').set(patch).where('id', '=', id).execute();
        record({ action: 'monitor.alert.acknowledged', org: row.org_id, targets: [{ type: 'alert', id, display: row.rule }, subjectTarget(row.subject_type, row.subject)], data: { alertId: id, rule: row.rule, subject: row.subject, note: input.note ?? null } });
        return toAlert({ ...row, ...patch });
      });
      return result;
    },

    /** Closes an open or acknowledged alert with a disposition; further matches raise a new alert. Throws `alert.not_found`, `alert.state_invalid`. */
    async closeAlert(ctx: CommandContext, id: string, input: { disposition: Disposition; note?: string | null }): Promise<Alert> {
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const row = await requireAlert(trx, id);
        if (row.status === 'closed') throw new KeyledgerError('alert.state_invalid', `alert "${id}" is already closed`, { status: row.status });
        const patch = { status: 'closed', open_key: null, closed_at: now.toISOString(), closed_by: actorRef(ctx), disposition: input.disposition, note: input.note ?? row.note };
        await trx.updateTable('detection_alerts').set(patch).where('id', '=', id).execute();
        record({ action: 'monitor.alert.closed', org: row.org_id, targets: [{ type: 'alert', id, display: row.rule }, subjectTarget(row.subject_type, row.subject)], data: { alertId: id, rule: row.rule, subject: row.subject, disposition: input.disposition, note: input.note ?? null, eventCount: Number(row.event_count) } });
        return toAlert({ ...row, ...patch });
      });
      return result;
    },
  };
}

export type AlertService = ReturnType<typeof createAlertService>;
