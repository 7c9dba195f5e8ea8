import type { LedgerEvent } from '../../audit/event.ts';
import type { Column, EvidenceParameters, Row, RowBuilder } from '../model.ts';
import { secondsBetween } from './evidence-values.ts';

/**
 * Row builders of CC7.2/CC7.3 (monitoring, anomalies, incident response):
 * each row is recomputed from the ledger events it cites, in ledger order,
 * and the window in the parameters. Pure: no clock, no database.
 */

const DAY_SECONDS = 86_400;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const actorRef = (e: LedgerEvent): string => `${e.actor.type}:${e.actor.id}`;
const suffix = (e: LedgerEvent, prefix: string): string => e.action.slice(prefix.length);

// ——— alerts ———

export const ALERT_COLUMNS: Column[] = [
  { name: 'alert_id', description: 'The alert.' },
  { name: 'rule', description: 'The detection rule that raised it.' },
  { name: 'severity', description: 'low, medium, high or critical.' },
  { name: 'subject_type', description: 'account, ip, user or principal.' },
  { name: 'subject', description: 'What the alert is about: a user id, an email:<address> with no account, an IP address or a principal.' },
  { name: 'raised_at', description: 'When the alert was raised.' },
  { name: 'occurrences', description: 'Triggering events the alert held at its last recorded change.' },
  { name: 'acknowledged_at', description: 'When someone acknowledged it, or null.' },
  { name: 'acknowledged_by', description: 'Who acknowledged it (actor type:id), or null.' },
  { name: 'closed_at', description: 'When it was closed, or null.' },
  { name: 'closed_by', description: 'Who closed it (actor type:id), or null.' },
  { name: 'disposition', description: 'true_positive, false_positive or benign when closed, else null.' },
  { name: 'seconds_to_acknowledge', description: 'Seconds from raised to acknowledged, or null.' },
  { name: 'seconds_to_close', description: 'Seconds from raised to closed, or null.' },
  { name: 'unacknowledged_over_24h', description: 'true when nobody acknowledged or closed the alert within 24 hours of it being raised (measured up to the window end).' },
];

/** One alert from its raised event, its latest update, its acknowledgement and its closing (whichever exist). */
export const buildAlertRow: RowBuilder = (cited: LedgerEvent[], params: EvidenceParameters): Row => {
  const raised = cited.find((e) => e.action === 'monitor.alert.raised');
  const ack = cited.find((e) => e.action === 'monitor.alert.acknowledged') ?? null;
  const closed = cited.find((e) => e.action === 'monitor.alert.closed') ?? null;
  const d = raised?.data ?? {};
  let occurrences: number | null = null;
  for (const e of cited) occurrences = num(e.data.eventCount) ?? occurrences;
  const raisedAt = raised?.time ?? null;
  // Closing without acknowledging is a response too; no response is measured up to the window end.
  const waited = secondsBetween(raisedAt, ack?.time ?? closed?.time ?? params.to);
  return {
    alert_id: str(d.alertId),
    rule: str(d.rule),
    severity: str(d.severity),
    subject_type: str(d.subjectType),
    subject: str(d.subject),
    raised_at: raisedAt,
    occurrences,
    acknowledged_at: ack?.time ?? null,
    acknowledged_by: ack ? actorRef(ack) : null,
    closed_at: closed?.time ?? null,
    closed_by: closed ? actorRef(closed) : null,
    disposition: closed ? str(closed.data.disposition) : null,
    seconds_to_acknowledge: secondsBetween(raisedAt, ack?.time ?? null),
    seconds_to_close: secondsBetween(raisedAt, closed?.time ?? null),
    unacknowledged_over_24h: waited !== null && waited > DAY_SECONDS,
  };
};

// ——— findings ———

export const FINDING_COLUMNS: Column[] = [
  { name: 'finding_id', description: 'The finding.' },
  { name: 'type', description: 'The control-drift rule, e.g. member_without_required_mfa.' },
  { name: 'severity', description: 'low, medium or high, as last recorded.' },
  { name: 'subject_type', description: 'What kind of thing it is about (user, role_assignment, api_key, …).' },
  { name: 'subject_id', description: 'The id of what it is about.' },
  { name: 'subject', description: 'What it is about, as displayed (an email, a name).' },
  { name: 'opened_at', description: 'When the monitor opened it.' },
  { name: 'status_at_window_end', description: 'open, acknowledged, resolved or closed after its last event before the window end.' },
  { name: 'resolution', description: 'fixed, risk_accepted or false_positive when resolved (also kept when the monitor closed it later), else null.' },
  { name: 'closed_at', description: 'When the monitor closed it (the condition cleared), or null.' },
  { name: 'timeline', description: 'Its lifecycle in ledger order: "opened <time>; acknowledged <time>; resolved (fixed) <time>; …".' },
];

const FINDING_STATUS: Record<string, string> = { opened: 'open', acknowledged: 'acknowledged', resolved: 'resolved', reopened: 'open', closed: 'closed' };

/** Status of a finding after each of its events, in order. */
export function findingStatusAfter(e: LedgerEvent): string {
  return FINDING_STATUS[suffix(e, 'monitor.finding.')] ?? 'open';
}

/** One finding from every event of its lifecycle before the window end. */
export const buildFindingRow: RowBuilder = (cited: LedgerEvent[]): Row => {
  const first = cited[0];
  const last = cited[cited.length - 1];
  const subject = (first?.data.subject ?? {}) as Record<string, unknown>;
  let resolution: string | null = null;
  for (const e of cited) {
    if (e.action === 'monitor.finding.resolved') resolution = str(e.data.resolution);
    if (e.action === 'monitor.finding.reopened') resolution = null;
  }
  const closed = cited.find((e) => e.action === 'monitor.finding.closed') ?? null;
  const timeline = cited
    .map((e) => {
      const verb = suffix(e, 'monitor.finding.');
      const detail = verb === 'resolved' ? ` (${String(e.data.resolution)})` : verb === 'reopened' ? ` (${String(e.data.reason)})` : '';
      return `${verb}${detail} ${e.time}`;
    })
    .join('; ');
  return {
    finding_id: str(first?.data.findingId),
    type: str(first?.data.type),
    severity: str(last?.data.severity),
    subject_type: str(subject.type),
    subject_id: str(subject.id),
    subject: str(subject.display) ?? str(subject.id),
    opened_at: cited.find((e) => e.action === 'monitor.finding.opened')?.time ?? null,
    status_at_window_end: last ? findingStatusAfter(last) : null,
    resolution,
    closed_at: closed?.time ?? null,
    timeline,
  };
};

// ——— incidents ———

export const INCIDENT_COLUMNS: Column[] = [
  { name: 'incident_id', description: 'The incident.' },
  { name: 'title', description: 'Its title.' },
  { name: 'severity', description: 'low, medium, high or critical, as at the window end.' },
  { name: 'owner_id', description: 'The user who owned it at the window end.' },
  { name: 'status_at_window_end', description: 'open, investigating, contained or resolved.' },
  { name: 'opened_at', description: 'When it was opened.' },
  { name: 'opened_by', description: 'Who opened it (actor type:id).' },
  { name: 'resolved_at', description: 'When it was resolved, or null.' },
  { name: 'seconds_to_resolve', description: 'Seconds from opened to resolved, or null.' },
  { name: 'linked_alerts', description: 'Alerts linked to it when it was opened.' },
  { name: 'resolution', description: 'How it was resolved, or null.' },
  { name: 'root_cause', description: 'Its root cause as recorded at resolution, or null.' },
];

/** One incident from its opening, its updates and its resolution. */
export const buildIncidentRow: RowBuilder = (cited: LedgerEvent[]): Row => {
  const opened = cited.find((e) => e.action === 'monitor.incident.opened');
  const resolved = cited.find((e) => e.action === 'monitor.incident.resolved') ?? null;
  const d = opened?.data ?? {};
  let severity = str(d.severity);
  let owner = str(d.ownerId);
  let status = 'open';
  for (const e of cited) {
    if (e.action !== 'monitor.incident.updated') continue;
    const after = (e.data.after ?? {}) as Record<string, unknown>;
    severity = str(after.severity) ?? severity;
    owner = str(after.ownerId) ?? owner;
    status = str(after.status) ?? status;
  }
  if (resolved) status = 'resolved';
  const openedAt = opened?.time ?? null;
  return {
    incident_id: str(d.incidentId),
    title: str(d.title),
    severity,
    owner_id: owner,
    status_at_window_end: status,
    opened_at: openedAt,
    opened_by: opened ? actorRef(opened) : null,
    resolved_at: resolved?.time ?? null,
    seconds_to_resolve: secondsBetween(openedAt, resolved?.time ?? null),
    linked_alerts: Array.isArray(d.alertIds) ? d.alertIds.length : 0,
    resolution: resolved ? str(resolved.data.resolution) : null,
    root_cause: resolved ? str(resolved.data.rootCause) : null,
  };
};
