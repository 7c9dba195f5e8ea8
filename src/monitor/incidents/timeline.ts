import type { LedgerEvent } from '../../audit/event.ts';
import type { Alert } from '../detections/alerts.ts';

/** One entry of an incident's timeline. */
export type TimelineEntry =
  | { type: 'event'; time: string; eventId: string; action: string; summary: string }
  | { type: 'alert'; time: string; alertId: string; rule: string; summary: string }
  | { type: 'note'; time: string; noteId: string; summary: string }
  | { type: 'change'; time: string; eventId: string; action: string; summary: string };

const ORDER: Record<TimelineEntry['type'], number> = { alert: 0, event: 1, change: 2, note: 3 };

/**
 * The timeline of an incident, pure: linked ledger events at their own
 * time, alerts at their first triggering event, notes, and the incident's
 * own changes (opened, updated, resolved — read back from the ledger) —
 * sorted by time, ties in a fixed order. A note's and a link's own ledger
 * events are left out: the note and the event are on the timeline already.
 */
export function buildTimeline(parts: { alerts: Alert[]; events: LedgerEvent[]; notes: Array<{ id: string; text: string; createdAt: string }>; changes: LedgerEvent[] }): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...parts.alerts.map((a): TimelineEntry => ({ type: 'alert', time: a.firstSeenAt, alertId: a.id, rule: a.rule, summary: `${a.rule} on ${a.subjectType} ${a.subject} (${a.eventCount} events, ${a.status})` })),
    ...parts.events.map((e): TimelineEntry => ({ type: 'event', time: e.time, eventId: e.id, action: e.action, summary: `${e.action} by ${e.actor.type} ${e.actor.display}${e.context.ip ? ` from ${e.context.ip}` : ''}` })),
    ...parts.notes.map((n): TimelineEntry => ({ type: 'note', time: n.createdAt, noteId: n.id, summary: n.text })),
    ...parts.changes
      .filter((c) => c.action === 'monitor.incident.opened' || c.action === 'monitor.incident.updated' || c.action === 'monitor.incident.resolved')
      .map((c): TimelineEntry => ({ type: 'change', time: c.time, eventId: c.id, action: c.action, summary: describeChange(c) })),
  ];
  return entries.map((e, i) => ({ e, i })).sort((a, b) => (a.e.time < b.e.time ? -1 : a.e.time > b.e.time ? 1 : ORDER[a.e.type] - ORDER[b.e.type] || a.i - b.i)).map(({ e }) => e);
}

function describeChange(c: LedgerEvent): string {
  const d = c.data;
  if (c.action === 'monitor.incident.opened') return `opened (${String(d.severity)}) by ${c.actor.display}`;
  if (c.action === 'monitor.incident.resolved') return `resolved by ${c.actor.display}: ${String(d.resolution)}`;
  const after = (d.after ?? {}) as Record<string, unknown>;
  const parts = Object.entries(after).map(([k, v]) => `${k} → ${String(v)}`);
  return `updated by ${c.actor.display}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}
