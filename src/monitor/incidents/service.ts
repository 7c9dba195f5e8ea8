import type { CommandContext, LedgerEvent } from '../../audit/event.ts';
import type { CommandRunner, CommandScope, Trx } from '../../audit/command-runner.ts';
import type { LedgerQueries } from '../../audit/ledger-queries.ts';
import type { Db } from '../../platform/database.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../../platform/pagination.ts';
import type { IncidentRow } from '../../platform/schema-detections.ts';
import type { IdentityService } from '../../identity/service.ts';
import { toAlert, type Alert } from '../detections/alerts.ts';
import { buildTimeline, type TimelineEntry } from './timeline.ts';

export type IncidentSeverity = 'low' | 'medium' | 'high' | 'critical';
export type IncidentStatus = 'open' | 'investigating' | 'contained' | 'resolved';

export interface Incident {
  id: string;
  title: string;
  severity: IncidentSeverity;
  orgId: string | null;
  ownerId: string;
  status: IncidentStatus;
  summary: string;
  resolution: string | null;
  rootCause: string | null;
  openedAt: string;
  openedBy: { type: string; id: string };
  updatedAt: string;
  resolvedAt: string | null;
}

export interface IncidentNote {
  id: string;
  text: string;
  author: { type: string; id: string };
  createdAt: string;
}

export interface IncidentDetail extends Incident {
  alerts: Alert[];
  events: LedgerEvent[];
  notes: IncidentNote[];
  timeline: TimelineEntry[];
}

export interface OpenIncidentInput {
  title: string;
  severity: IncidentSeverity;
  orgId?: string | null;
  ownerId: string;
  alertIds?: string[];
  summary: string;
}

export type IncidentPatch = { ownerId?: string; severity?: IncidentSeverity; status?: Exclude<IncidentStatus, 'resolved'> };

function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    title: r.title,
    severity: r.severity as IncidentSeverity,
    orgId: r.org_id,
    ownerId: r.owner_id,
    status: r.status as IncidentStatus,
    summary: r.summary,
    resolution: r.resolution,
    rootCause: r.root_cause,
    openedAt: r.opened_at,
    openedBy: { type: r.opened_by_type, id: r.opened_by_id },
    updatedAt: r.updated_at,
    resolvedAt: r.resolved_at,
  };
}

const incidentTarget = (r: Pick<IncidentRow, 'id' | 'title'>) => ({ type: 'incident', id: r.id, display: r.title });

/**
 * The incident-response record: opening (from alerts or on its own), owner,
 * severity and status changes, linked ledger events, notes, resolution with
 * root cause. Every change is a `monitor.incident.*` ledger event; a resolved
 * incident takes no more changes.
 */
export function createIncidentService(deps: { db: Db; runner: CommandRunner; newId: () => string; ledger: LedgerQueries; identity: IdentityService }) {
  const { db, runner, newId, identity } = deps;

  async function requireIncident(reader: Db | Trx, id: string): Promise<IncidentRow> {
    const row = await reader.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new KeyledgerError('incident.not_found', `no incident with id "${id}"`);
    return row;
  }

  async function requireChangeable(trx: Trx, id: string): Promise<IncidentRow> {
    const row = await requireIncident(trx, id);
    if (row.status === 'resolved') throw new KeyledgerError('incident.resolved', `incident "${id}" was resolved at ${row.resolved_at}; it takes no more changes`);
    return row;
  }

  /** The owner must be an existing, active user. */
  async function checkOwner(trx: Trx, ownerId: string): Promise<void> {
    const user = await identity.requireUser(ownerId, trx).catch(() => null);
    if (!user || user.status !== 'active') throw new KeyledgerError('incident.owner_invalid', `owner "${ownerId}" is not an active user`, { ownerId });
  }

  async function checkAlerts(trx: Trx, alertIds: string[]): Promise<void> {
    if (alertIds.length === 0) return;
    const found = new Set((await trx.selectFrom('detection_alerts').select('id').where('id', 'in', alertIds).execute()).map((r) => r.id));
    const missing = alertIds.filter((id) => !found.has(id));
    if (missing.length > 0) throw new KeyledgerError('incident.link_invalid', `no alert with id ${missing.map((m) => `"${m}"`).join(', ')}`, { missing });
  }

  async function change(ctx: CommandContext, id: string, body: (scope: CommandScope, row: IncidentRow) => Promise<void>): Promise<Incident> {
    await runner.run(ctx, async (scope) => {
      const row = await requireChangeable(scope.trx, id);
      await body(scope, row);
      await scope.trx.updateTable('incidents').set({ updated_at: scope.now.toISOString() }).where('id', '=', id).execute();
    });
    return toIncident(await requireIncident(db, id));
  }

  return {
    /** Opens an incident, linking `alertIds`. Throws `organization.not_found`, `incident.owner_invalid`, `incident.link_invalid`. */
    async openIncident(ctx: CommandContext, input: OpenIncidentInput): Promise<Incident> {
      const alertIds = [...new Set(input.alertIds ?? [])];
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const orgId = input.orgId ? (await identity.requireOrg(input.orgId, trx)).id : null;
        await checkOwner(trx, input.ownerId);
        await checkAlerts(trx, alertIds);
        const at = now.toISOString();
        const row: IncidentRow = { id: newId(), title: input.title, severity: input.severity, org_id: orgId, owner_id: input.ownerId, status: 'open', summary: input.summary, resolution: null, root_cause: null, opened_at: at, opened_by_type: ctx.actor.type, opened_by_id: ctx.actor.id, updated_at: at, resolved_at: null };
        await trx.insertInto('incidents').values(row).execute();
        if (alertIds.length > 0) await trx.insertInto('incident_alerts').values(alertIds.map((alert_id) => ({ incident_id: row.id, alert_id, linked_at: at }))).execute();
        record({
          action: 'monitor.incident.opened',
          org: orgId,
          targets: [incidentTarget(row), { type: 'user', id: input.ownerId }, ...alertIds.map((a) => ({ type: 'alert', id: a }))],
          data: { incidentId: row.id, title: row.title, severity: row.severity, orgId, ownerId: row.owner_id, alertIds, summary: row.summary },
        });
        return toIncident(row);
      });
      return result;
    },

    /** Incidents, newest first, by status and organization (id or slug). */
    async listIncidents(filter: { status?: IncidentStatus; org?: string }, page: { limit: number; cursor?: string }): Promise<{ items: Incident[]; nextCursor: string | null }> {
      let q = db.selectFrom('incidents').selectAll();
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.org) q = q.where('org_id', '=', (await identity.requireOrg(filter.org)).id);
      if (page.cursor) q = q.where('id', '<', decodeCursor(page.cursor, 'incident'));
      const rows = await q.orderBy('id', 'desc').limit(page.limit + 1).execute();
      const items = rows.slice(0, page.limit).map(toIncident);
      return { items, nextCursor: rows.length > page.limit ? encodeCursor('incident', items[items.length - 1].id) : null };
    },

    /** One incident with its alerts, linked events, notes, and the timeline of all of them and its changes, in time order. */
    async getIncident(id: string): Promise<IncidentDetail> {
      const row = await requireIncident(db, id);
      const alertRows = await db.selectFrom('incident_alerts').innerJoin('detection_alerts', 'detection_alerts.id', 'incident_alerts.alert_id').selectAll('detection_alerts').where('incident_alerts.incident_id', '=', id).orderBy('detection_alerts.first_seen_at').execute();
      const links = await db.selectFrom('incident_events').select('event_id').where('incident_id', '=', id).orderBy('seq').execute();
      const events = await Promise.all(links.map((l) => deps.ledger.getEvent(l.event_id)));
      const notes = (await db.selectFrom('incident_notes').selectAll().where('incident_id', '=', id).orderBy('created_at').orderBy('id').execute()).map((n) => ({ id: n.id, text: n.text, author: { type: n.author_type, id: n.author_id }, createdAt: n.created_at }));
      const { events: changes } = await deps.ledger.listEvents({ targetId: id, actionPrefix: 'monitor.incident.' }, { limit: 1000 });
      const alerts = alertRows.map(toAlert);
      return { ...toIncident(row), alerts, events, notes, timeline: buildTimeline({ alerts, events, notes, changes }) };
    },

    /** Changes owner, severity or status (open, investigating, contained). Throws `incident.not_found`, `incident.resolved`, `incident.owner_invalid`. */
    async updateIncident(ctx: CommandContext, id: string, patch: IncidentPatch): Promise<Incident> {
      const current = await requireIncident(db, id);
      // Nothing would change: no command, no event (a resolved incident still refuses below).
      const unchanged = (patch.ownerId ?? current.owner_id) === current.owner_id && (patch.severity ?? current.severity) === current.severity && (patch.status ?? current.status) === current.status;
      if (unchanged && current.status !== 'resolved') return toIncident(current);
      return change(ctx, id, async ({ trx, record }, row) => {
        if (patch.ownerId !== undefined && patch.ownerId !== row.owner_id) await checkOwner(trx, patch.ownerId);
        const current = { ownerId: row.owner_id, severity: row.severity, status: row.status };
        const beforeF: Record<string, unknown> = {};
        const afterF: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(patch)) {
          if (v === undefined || current[k as keyof typeof current] === v) continue;
          beforeF[k] = current[k as keyof typeof current];
          afterF[k] = v;
        }
        await trx.updateTable('incidents').set({ owner_id: patch.ownerId ?? row.owner_id, severity: patch.severity ?? row.severity, status: patch.status ?? row.status }).where('id', '=', id).execute();
        record({ action: 'monitor.incident.updated', org: row.org_id, targets: [incidentTarget(row)], data: { incidentId: id, before: beforeF, after: afterF } });
      });
    },

    /** Links ledger events to the incident (already linked ones are skipped). Throws `incident.not_found`, `incident.resolved`, `incident.link_invalid`. */
    async linkEvents(ctx: CommandContext, id: string, eventIds: string[]): Promise<Incident> {
      const wanted = [...new Set(eventIds)];
      return change(ctx, id, async ({ trx, now, record }, row) => {
        const found = await trx.selectFrom('audit_events').select(['id', 'seq']).where('id', 'in', wanted).execute();
        const missing = wanted.filter((e) => !found.some((f) => f.id === e));
        if (missing.length > 0) throw new KeyledgerError('incident.link_invalid', `no ledger event with id ${missing.map((m) => `"${m}"`).join(', ')}`, { missing });
        const linked = new Set((await trx.selectFrom('incident_events').select('event_id').where('incident_id', '=', id).execute()).map((r) => r.event_id));
        const fresh = found.filter((f) => !linked.has(f.id)).sort((a, b) => Number(a.seq) - Number(b.seq));
        if (fresh.length > 0) await trx.insertInto('incident_events').values(fresh.map((f) => ({ incident_id: id, event_id: f.id, seq: Number(f.seq), linked_at: now.toISOString() }))).execute();
        record({ action: 'monitor.incident.event_linked', org: row.org_id, targets: [incidentTarget(row)], data: { incidentId: id, eventIds: fresh.map((f) => f.id) } });
      });
    },

    /** Links alerts to the incident (already linked ones are skipped). Throws `incident.not_found`, `incident.resolved`, `incident.link_invalid`. */
    async linkAlerts(ctx: CommandContext, id: string, alertIds: string[]): Promise<Incident> {
      const wanted = [...new Set(alertIds)];
      return change(ctx, id, async ({ trx, now, record }, row) => {
        await checkAlerts(trx, wanted);
        const linked = new Set((await trx.selectFrom('incident_alerts').select('alert_id').where('incident_id', '=', id).execute()).map((r) => r.alert_id));
        const fresh = wanted.filter((a) => !linked.has(a));
        if (fresh.length > 0) await trx.insertInto('incident_alerts').values(fresh.map((alert_id) => ({ incident_id: id, alert_id, linked_at: now.toISOString() }))).execute();
        record({ action: 'monitor.incident.alert_linked', org: row.org_id, targets: [incidentTarget(row), ...fresh.map((a) => ({ type: 'alert', id: a }))], data: { incidentId: id, alertIds: fresh } });
      });
    },

    /** Adds a note to the timeline. Throws `incident.not_found`, `incident.resolved`. */
    async addNote(ctx: CommandContext, id: string, text: string): Promise<IncidentNote> {
      const noteId = newId();
      let note: IncidentNote | null = null;
      await change(ctx, id, async ({ trx, now, record }, row) => {
        note = { id: noteId, text, author: { type: ctx.actor.type, id: ctx.actor.id }, createdAt: now.toISOString() };
        await trx.insertInto('incident_notes').values({ id: noteId, incident_id: id, text, author_type: ctx.actor.type, author_id: ctx.actor.id, created_at: note.createdAt }).execute();
        record({ action: 'monitor.incident.note_added', org: row.org_id, targets: [incidentTarget(row)], data: { incidentId: id, noteId, text } });
      });
      return note!;
    },

    /** Resolves the incident with its resolution and root cause. Throws `incident.not_found`, `incident.resolved`. */
    async resolveIncident(ctx: CommandContext, id: string, input: { resolution: string; rootCause: string }): Promise<Incident> {
      return change(ctx, id, async ({ trx, now, record }, row) => {
        const at = now.toISOString();
        await trx.updateTable('incidents').set({ status: 'resolved', resolution: input.resolution, root_cause: input.rootCause, resolved_at: at }).where('id', '=', id).execute();
        record({ action: 'monitor.incident.resolved', org: row.org_id, targets: [incidentTarget(row)], data: { incidentId: id, resolution: input.resolution, rootCause: input.rootCause, openedAt: row.opened_at, resolvedAt: at } });
      });
    },
  };
}

export type IncidentService = ReturnType<typeof createIncidentService>;
