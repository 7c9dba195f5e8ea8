import type { LedgerEvent } from '../../audit/event.ts';
import { judgeRemoval, slaDeadline } from '../../lifecycle/sla.ts';
import type { Chart, CitedRow, Column, CollectorFactory, CriterionSection, EvidenceParameters, Row, RowBuilder } from '../model.ts';
import { actorLabel, citesOf, hoursOf, inWindow, isoOrNull, num, quantile, str, targetDisplay, targetId } from './evidence-values.ts';

/**
 * CC6.5 — removal of access for leavers: every person whose termination falls
 * in the window, when their access was removed and whether that met the
 * organization's deprovisioning SLA, computed from the lifecycle events
 * (`lifecycle.user.deprovisioned` carries the SLA facts of the leaver record).
 */

const DEPROVISIONED = 'lifecycle.user.deprovisioned';
const BREACHED = 'lifecycle.sla.breached';
const HR_RECEIVED = 'lifecycle.hr_event.received';
const CARRIED_OUT = 'lifecycle.termination.carried_out';
const SESSION_REVOKED = 'sessions.session.revoked';
/** Events that say why a removal happened, recorded in the removal's own command. */
const RECEIPTS = new Set([HR_RECEIVED, CARRIED_OUT, 'scim.user.updated', 'scim.user.deleted']);

export const LEAVER_ROW = 'cc6.5.leaver';

export const LEAVER_COLUMNS: Column[] = [
  { name: 'user_id', description: 'Keyledger user id of the leaver.' },
  { name: 'email', description: 'Email address the leaver had when access was removed (or when the termination was received).' },
  { name: 'source', description: 'Who reported the termination: hr (signed HR webhook), scim (identity provider deactivation or deletion), admin (an administrator).' },
  { name: 'source_ref', description: 'The source’s own reference: HR event id or SCIM resource id, or empty.' },
  { name: 'terminated_at', description: 'When the person left according to the HR system, identity provider or administrator (RFC 3339).' },
  { name: 'access_removed_at', description: 'When every session, token, grant and role assignment was removed, in one transaction (RFC 3339); empty when not removed by the window end.' },
  { name: 'elapsed_seconds', description: 'Seconds from termination to removal (0 when the termination was announced ahead); empty when not removed.' },
  { name: 'elapsed_hours', description: 'The same in hours, one decimal.' },
  { name: 'sla_hours', description: 'The deprovisioning SLA in force at the removal (for a leaver not yet removed: the SLA at export time).' },
  { name: 'sla_deadline', description: 'Termination plus the SLA: when removal became late.' },
  { name: 'within_sla', description: 'true when removal came at or before the deadline, false when later; empty when not removed by the window end.' },
  { name: 'removed_by', description: 'The actor whose command removed the access (type:id (name)).' },
  { name: 'sessions_revoked', description: 'Browser sessions ended by the removal (its cited session revocation events); empty when not removed.' },
  { name: 'grants_removed', description: 'Role assignments ended by the removal.' },
  { name: 'requests_cancelled', description: 'Pending access requests cancelled by the removal.' },
];

/** Buckets of the latency chart: upper bound in hours (exclusive), the last is open. */
const BUCKETS = [
  { label: '< 1 h', from: 0, to: 1 },
  { label: '1–4 h', from: 1, to: 4 },
  { label: '4–8 h', from: 4, to: 8 },
  { label: '8–24 h', from: 8, to: 24 },
  { label: '24–48 h', from: 24, to: 48 },
  { label: '> 48 h', from: 48, to: Infinity },
] as const;

/**
 * One leaver (pure). Cited: the deprovisioned event (absent for a termination
 * received but not carried out by the window end), the termination receipt of
 * the same command when there is one (or the scheduling HR event), the
 * session revocations of the removal, and the SLA breach event.
 */
export const buildLeaverRow: RowBuilder = (cited: LedgerEvent[], params: EvidenceParameters): Row => {
  const removal = cited.find((e) => e.action === DEPROVISIONED);
  const receipt = cited.find((e) => RECEIPTS.has(e.action));
  const anchor = removal ?? receipt;
  const userId = str(anchor, 'userId') ?? (anchor ? targetId(anchor, 'user') : null);
  const email = (removal && targetDisplay(removal, 'user')) ?? (receipt && targetDisplay(receipt, 'user')) ?? null;
  if (removal) {
    const terminatedAt = isoOrNull(removal.data.terminatedAt) ?? removal.time;
    const accessRemovedAt = isoOrNull(removal.data.accessRemovedAt) ?? removal.time;
    const slaHours = num(removal, 'slaHours') ?? params.deprovisioningSlaHours;
    const verdict = judgeRemoval(terminatedAt, accessRemovedAt, slaHours);
    return {
      user_id: userId,
      email,
      source: str(removal, 'source'),
      source_ref: str(removal, 'sourceRef'),
      terminated_at: terminatedAt,
      access_removed_at: accessRemovedAt,
      elapsed_seconds: verdict.elapsedSeconds,
      elapsed_hours: hoursOf(verdict.elapsedSeconds),
      sla_hours: slaHours,
      sla_deadline: slaDeadline(terminatedAt, slaHours),
      within_sla: verdict.withinSla,
      removed_by: actorLabel(removal.actor),
      sessions_revoked: cited.filter((e) => e.action === SESSION_REVOKED).length,
      grants_removed: Array.isArray(removal.data.endedAssignments) ? removal.data.endedAssignments.length : null,
      requests_cancelled: Array.isArray(removal.data.cancelledRequests) ? removal.data.cancelledRequests.length : null,
    };
  }
  // A termination received (scheduled) and not carried out by the window end.
  const terminatedAt = isoOrNull(receipt?.data.effectiveAt) ?? isoOrNull(receipt?.data.terminatedAt);
  const slaHours = params.deprovisioningSlaHours;
  return {
    user_id: userId,
    email,
    source: receipt ? 'hr' : null,
    source_ref: str(receipt, 'eventId'),
    terminated_at: terminatedAt,
    access_removed_at: null,
    elapsed_seconds: null,
    elapsed_hours: null,
    sla_hours: slaHours,
    sla_deadline: terminatedAt ? slaDeadline(terminatedAt, slaHours) : null,
    within_sla: null,
    removed_by: null,
    sessions_revoked: null,
    grants_removed: null,
    requests_cancelled: null,
  };
};

export const CC6_5_ROW_BUILDERS: Record<string, RowBuilder> = { [LEAVER_ROW]: buildLeaverRow };

interface LeaverState {
  removal: LedgerEvent;
  receipt?: LedgerEvent;
  sessions: LedgerEvent[];
  breach?: LedgerEvent;
}

/** The user an event of the removal's command concerns. */
function userOf(event: LedgerEvent): string | null {
  return str(event, 'userId') ?? targetId(event, 'user');
}

export const cc65Leavers: CollectorFactory = (ctx) => {
  const { params } = ctx;
  const members = new Set<string>();
  const leavers: LeaverState[] = [];
  const byLeaverId = new Map<string, LeaverState>();
  /** Terminations scheduled for later, by scheduled termination id: the HR event that scheduled them. */
  const scheduled = new Map<string, LedgerEvent>();
  // Events of the command being read (same time and request): receipts and revocations arrive around the removal.
  let command = '';
  let commandEvents = new Map<string, LedgerEvent[]>();
  let commandLeavers = new Map<string, LeaverState>();

  function enterCommand(event: LedgerEvent): void {
    const key = `${event.time}|${event.context.requestId}`;
    if (key === command) return;
    command = key;
    commandEvents = new Map();
    commandLeavers = new Map();
  }

  function attach(state: LeaverState, event: LedgerEvent): void {
    if (event.action === SESSION_REVOKED) state.sessions.push(event);
    else if (RECEIPTS.has(event.action)) state.receipt ??= event;
  }

  function ours(event: LedgerEvent): boolean {
    // A removal counted against no organization belongs to each organization the user is a member of.
    return event.org === ctx.org.id || (event.org === null && members.has(userOf(event) ?? ''));
  }

  return {
    actions: [DEPROVISIONED, BREACHED, HR_RECEIVED, CARRIED_OUT, SESSION_REVOKED, 'scim.user.updated', 'scim.user.deleted', 'identity.membership.created', 'identity.membership.deleted'],
    add(event) {
      if (event.action === 'identity.membership.created' || event.action === 'identity.membership.deleted') {
        if (event.org !== ctx.org.id) return;
        const userId = str(event, 'userId');
        if (userId) (event.action === 'identity.membership.created' ? members.add(userId) : members.delete(userId));
        return;
      }
      enterCommand(event);
      const userId = userOf(event);
      if (event.action === DEPROVISIONED) {
        if (!ours(event)) return;
        const state: LeaverState = { removal: event, sessions: [] };
        for (const earlier of commandEvents.get(userId ?? '') ?? []) attach(state, earlier);
        const leaverId = str(event, 'leaverId');
        if (leaverId) byLeaverId.set(leaverId, state);
        if (userId) commandLeavers.set(userId, state);
        // A removal by any route settles the user's terminations still waiting for their date.
        for (const [id, hr] of scheduled) if (str(hr, 'userId') === userId) scheduled.delete(id);
        if (inWindow(isoOrNull(event.data.terminatedAt) ?? event.time, params)) leavers.push(state);
        return;
      }
      if (event.action === BREACHED) {
        const state = byLeaverId.get(str(event, 'leaverId') ?? '');
        if (state) state.breach = event;
        return;
      }
      if (event.action === HR_RECEIVED && event.org === ctx.org.id) {
        const id = str(event, 'scheduledTerminationId');
        if (event.data.result === 'scheduled' && id) scheduled.set(id, event);
        const cancelled = event.data.cancelledTerminations;
        if (Array.isArray(cancelled)) for (const c of cancelled) scheduled.delete(String(c));
      }
      if (event.action === CARRIED_OUT) scheduled.delete(str(event, 'scheduledTerminationId') ?? '');
      if (!userId) return;
      const sameCommand = commandLeavers.get(userId);
      if (sameCommand) attach(sameCommand, event);
      else commandEvents.set(userId, [...(commandEvents.get(userId) ?? []), event]);
    },
    async finish(): Promise<CriterionSection> {
      const rows: CitedRow[] = leavers.map((s) => {
        const cited = [s.receipt, ...s.sessions, s.removal, s.breach];
        const events = cited.filter((e): e is LedgerEvent => e !== undefined).sort((a, b) => a.seq - b.seq);
        return { row: buildLeaverRow(events, params), cites: citesOf(cited) };
      });
      for (const hr of scheduled.values()) {
        if (!inWindow(isoOrNull(hr.data.effectiveAt), params)) continue;
        rows.push({ row: buildLeaverRow([hr], params), cites: [hr.id] });
      }
      rows.sort((a, b) => String(a.row.terminated_at).localeCompare(String(b.row.terminated_at)) || String(a.row.user_id).localeCompare(String(b.row.user_id)));
      return leaversSection(rows, params);
    },
  };
};

/** The section from its rows (pure): facts, latency chart, status. */
function leaversSection(rows: CitedRow[], params: EvidenceParameters): CriterionSection {
  const removed = rows.filter((r) => r.row.within_sla !== null);
  const within = removed.filter((r) => r.row.within_sla === true).length;
  const outside = removed.length - within;
  const notRemoved = rows.length - removed.length;
  const latencies = removed.map((r) => Number(r.row.elapsed_seconds)).sort((a, b) => a - b);
  const median = quantile(latencies, 0.5);
  const p95 = quantile(latencies, 0.95);
  const chart: Chart = {
    name: 'deprovisioning-latency',
    title: 'Time from termination to access removal',
    xLabel: 'hours from termination to removal',
    yLabel: 'leavers',
    buckets: [
      ...BUCKETS.map((b) => {
        const inBucket = removed.filter((r) => Number(r.row.elapsed_seconds) >= b.from * 3600 && Number(r.row.elapsed_seconds) < b.to * 3600);
        const attention = b.from >= params.deprovisioningSlaHours || inBucket.some((r) => r.row.within_sla === false);
        return { label: b.label, count: inBucket.length, ...(attention ? { attention: true } : {}) };
      }),
      { label: 'not removed', count: notRemoved, ...(notRemoved > 0 ? { attention: true } : {}) },
    ],
  };
  const attention = outside > 0 || notRemoved > 0;
  const headline =
    rows.length === 0
      ? 'No leavers were terminated in the window.'
      : attention
        ? `${outside} of ${rows.length} leavers lost access outside the SLA and ${notRemoved} had not lost access by the window end.`
        : `All ${rows.length} leavers lost access within the SLA (median ${hoursOf(median ?? 0)} h).`;
  return {
    id: 'CC6.5',
    title: 'CC6.5 — Removal of access for leavers',
    summary: 'The entity removes access of people who leave in a timely manner. Every leaver terminated in the window is listed with the time from termination to removal of all access, judged against the organization’s deprovisioning SLA.',
    status: attention ? 'attention' : 'pass',
    headline,
    facts: [
      { label: 'Leavers', value: rows.length },
      { label: 'Within SLA', value: within },
      { label: 'Outside SLA', value: outside, ...(outside > 0 ? { attention: true } : {}) },
      { label: 'Not removed by window end', value: notRemoved, ...(notRemoved > 0 ? { attention: true } : {}) },
      { label: 'Median latency (hours)', value: median === null ? '—' : hoursOf(median) },
      { label: '95th percentile latency (hours)', value: p95 === null ? '—' : hoursOf(p95) },
      { label: 'Deprovisioning SLA at export (hours)', value: params.deprovisioningSlaHours },
    ],
    tables: [
      {
        name: 'leavers',
        title: 'Leavers and removal of their access',
        description:
          'Every person whose termination time falls in the window, with the termination time reported by HR, the identity provider or an administrator, and when all their access (sessions, application tokens, role assignments, pending requests) was removed in one transaction. Sample leavers by user_id and compare terminated_at with the HR system; each row cites the removal event and, when there was one, the HR or SCIM event that triggered it and the SLA breach event.',
        columns: LEAVER_COLUMNS,
        rows,
        recompute: LEAVER_ROW,
        sampleKey: 'user_id',
      },
    ],
    charts: [chart],
    attachments: [],
  };
}
