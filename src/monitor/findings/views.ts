import type { MonitorFindingRow } from '../../platform/schema-monitor-findings.ts';
import type { Target } from '../../audit/event.ts';

/** A tracked finding as the API shows it. */
export interface MonitorFinding {
  id: string;
  orgId: string | null;
  type: string;
  subject: { type: string; id: string; display?: string };
  severity: 'low' | 'medium' | 'high';
  summary: string;
  since: string;
  eventIds: string[];
  historical: boolean;
  status: MonitorFindingRow['status'];
  openedAt: string;
  updatedAt: string;
  acknowledgement: { at: string; by: { type: string; id: string }; note: string } | null;
  resolution: { resolution: NonNullable<MonitorFindingRow['resolution']>; note: string; acceptedUntil: string | null; at: string; by: { type: string; id: string } } | null;
  reopenCount: number;
  reopenedAt: string | null;
  closedAt: string | null;
  closeReason: string | null;
}

export function toMonitorFinding(row: MonitorFindingRow): MonitorFinding {
  return {
    id: row.id,
    orgId: row.org_id,
    type: row.type,
    subject: { type: row.subject_type, id: row.subject_id, ...(row.subject_display !== null ? { display: row.subject_display } : {}) },
    severity: row.severity,
    summary: row.summary,
    since: row.since,
    eventIds: JSON.parse(row.event_ids) as string[],
    historical: row.historical === 1,
    status: row.status,
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
    acknowledgement: row.acknowledged_at ? { at: row.acknowledged_at, by: { type: row.acknowledged_by_type!, id: row.acknowledged_by_id! }, note: row.acknowledgement_note ?? '' } : null,
    resolution: row.resolution ? { resolution: row.resolution, note: row.resolution_note ?? '', acceptedUntil: row.accepted_until, at: row.resolved_at!, by: { type: row.resolved_by_type!, id: row.resolved_by_id! } } : null,
    reopenCount: Number(row.reopen_count),
    reopenedAt: row.reopened_at,
    closedAt: row.closed_at,
    closeReason: row.close_reason,
  };
}

/** The targets of every transition event: the finding and what it is about. */
export function findingTargets(row: Pick<MonitorFindingRow, 'id' | 'type' | 'subject_type' | 'subject_id' | 'subject_display'>): Target[] {
  return [
    { type: 'monitor_finding', id: row.id, display: row.type },
    { type: row.subject_type, id: row.subject_id, ...(row.subject_display !== null ? { display: row.subject_display } : {}) },
  ];
}

/** The facts every transition event carries: which finding, of what type, about what, how severe, on which evidence. */
export function findingFacts(row: Pick<MonitorFindingRow, 'id' | 'type' | 'subject_type' | 'subject_id' | 'subject_display' | 'severity' | 'event_ids'>): Record<string, unknown> {
  return {
    findingId: row.id,
    type: row.type,
    subject: { type: row.subject_type, id: row.subject_id, display: row.subject_display },
    severity: row.severity,
    eventIds: JSON.parse(row.event_ids) as string[],
  };
}
