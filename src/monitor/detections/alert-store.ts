import type { CommandScope, Trx } from '../../audit/command-runner.ts';
import type { Target } from '../../audit/event.ts';
import type { DetectionAlertRow } from '../../platform/schema-detections.ts';
import type { CitedEvent, RuleMatch } from './rule.ts';

/** How many triggering event ids an alert's ledger event lists (the alert itself keeps them all). */
export const EVENT_IDS_IN_LEDGER = 100;

/** What one scan did to one alert: raised it, or added events to it. */
export interface AlertTouch {
  alert: DetectionAlertRow;
  raised: boolean;
  added: CitedEvent[];
}

export const openKey = (rule: string, subject: string) => `${rule}|${subject}`;

/** The one organization every event names, else null (none, or several). */
function commonOrg(events: CitedEvent[]): string | null {
  const orgs = new Set(events.map((e) => e.org));
  return orgs.size === 1 ? [...orgs][0] : null;
}

/** The ledger target naming an alert's subject. */
export function subjectTarget(subjectType: string, subject: string): Target {
  if (subjectType === 'ip') return { type: 'ip', id: subject };
  if (subjectType === 'principal') {
    const [type, ...rest] = subject.split(':');
    return { type, id: rest.join(':') };
  }
  if (subject.startsWith('email:')) return { type: 'email', id: subject.slice('email:'.length) };
  return { type: 'user', id: subject };
}

/**
 * Applies a match: extends the subject's open alert of this rule when the
 * match comes within the rule's window of its last event, else raises a new
 * alert (a lapsed one stops taking events but stays open for triage).
 * Each ledger event is linked to an alert once.
 */
export async function applyMatch(trx: Trx, match: RuleMatch, at: { now: Date; newId: () => string; eventTime: string }, touched: Map<string, AlertTouch>): Promise<void> {
  const key = openKey(match.rule, match.subject);
  const existing = await trx.selectFrom('detection_alerts').selectAll().where('open_key', '=', key).executeTakeFirst();
  if (existing && Date.parse(at.eventTime) - Date.parse(existing.last_seen_at) <= match.windowMs) {
    const linked = new Set((await trx.selectFrom('detection_alert_events').select('event_id').where('alert_id', '=', existing.id).execute()).map((r) => r.event_id));
    const added = match.events.filter((e) => !linked.has(e.id));
    if (added.length === 0) return;
    await trx.insertInto('detection_alert_events').values(added.map((e) => ({ alert_id: existing.id, event_id: e.id, seq: e.seq, time: e.time }))).execute();
    const times = added.map((e) => e.time).concat(existing.last_seen_at).sort();
    const org = existing.org_id !== null && added.every((e) => e.org === existing.org_id) ? existing.org_id : null;
    const patch = { last_seen_at: times[times.length - 1], event_count: Number(existing.event_count) + added.length, org_id: org, details: JSON.stringify(match.details) };
    await trx.updateTable('detection_alerts').set(patch).where('id', '=', existing.id).execute();
    const touch = touched.get(existing.id) ?? { alert: existing, raised: false, added: [] };
    touch.alert = { ...existing, ...patch };
    touch.added.push(...added);
    touched.set(existing.id, touch);
    return;
  }
  // Past the window: the old alert keeps its status but takes no more events.
  if (existing) await trx.updateTable('detection_alerts').set({ open_key: null }).where('id', '=', existing.id).execute();
  const times = match.events.map((e) => e.time).sort();
  const row: DetectionAlertRow = {
    id: at.newId(),
    rule: match.rule,
    severity: match.severity,
    org_id: commonOrg(match.events),
    subject_type: match.subjectType,
    subject: match.subject,
    status: 'open',
    open_key: key,
    first_seen_at: times[0],
    last_seen_at: times[times.length - 1],
    event_count: match.events.length,
    details: JSON.stringify(match.details),
    raised_at: at.now.toISOString(),
    acknowledged_at: null,
    acknowledged_by: null,
    closed_at: null,
    closed_by: null,
    disposition: null,
    note: null,
  };
  await trx.insertInto('detection_alerts').values(row).execute();
  await trx.insertInto('detection_alert_events').values(match.events.map((e) => ({ alert_id: row.id, event_id: e.id, seq: e.seq, time: e.time }))).execute();
  touched.set(row.id, { alert: row, raised: true, added: match.events });
}

/** Records what a scan did: `monitor.alert.raised` for a new alert, one `monitor.alert.updated` for an extended one. */
export async function recordTouches(scope: CommandScope, touched: Map<string, AlertTouch>): Promise<void> {
  for (const { alert, raised, added } of touched.values()) {
    const targets = [{ type: 'alert', id: alert.id, display: alert.rule }, subjectTarget(alert.subject_type, alert.subject)];
    if (raised) {
      const ids = (await scope.trx.selectFrom('detection_alert_events').select('event_id').where('alert_id', '=', alert.id).orderBy('seq').limit(EVENT_IDS_IN_LEDGER).execute()).map((r) => r.event_id);
      scope.record({
        action: 'monitor.alert.raised',
        org: alert.org_id,
        targets,
        data: { alertId: alert.id, rule: alert.rule, severity: alert.severity, subjectType: alert.subject_type, subject: alert.subject, firstSeenAt: alert.first_seen_at, lastSeenAt: alert.last_seen_at, eventCount: Number(alert.event_count), eventIds: ids, details: JSON.parse(alert.details) },
      });
    } else {
      scope.record({
        action: 'monitor.alert.updated',
        org: alert.org_id,
        targets,
        data: { alertId: alert.id, rule: alert.rule, subject: alert.subject, addedEventIds: added.slice(0, EVENT_IDS_IN_LEDGER).map((e) => e.id), eventCount: Number(alert.event_count), lastSeenAt: alert.last_seen_at },
      });
    }
  }
}
