import type { Selectable } from 'kysely';

/** Security detections, alerts and incidents (migration 0024); see `src/monitor/detections` and `src/monitor/incidents`. */
export interface DetectionTables {
  detection_cursor: DetectionCursorTable;
  detection_signals: DetectionSignalsTable;
  detection_alerts: DetectionAlertsTable;
  detection_alert_events: DetectionAlertEventsTable;
  incidents: IncidentsTable;
  incident_alerts: IncidentAlertsTable;
  incident_events: IncidentEventsTable;
  incident_notes: IncidentNotesTable;
}

/** The one row (id 1) saying how far detections have read the ledger; advanced only by a conditional update. */
export interface DetectionCursorTable {
  id: number;
  /** The sequence number of the last ledger event scanned (−1 before the first). */
  last_seq: number;
  updated_at: string;
}

/**
 * What the rules remember of a ledger event they care about (a projection of the ledger kept only as long
 * as the longest look-back): one row per event, keyed by the event id.
 */
export interface DetectionSignalsTable {
  event_id: string;
  seq: number;
  time: string;
  /** auth_failed | factor_failed | login_succeeded | recovery | factor_changed */
  kind: string;
  /** The account: a user id, or `email:<address>` for an address with no account. */
  account: string | null;
  user_id: string | null;
  ip: string | null;
  user_agent: string | null;
  org_id: string | null;
  /** Where GeoIP places `ip` (login_succeeded, when GeoIP is on). */
  latitude: number | null;
  longitude: number | null;
  country: string | null;
}
export type DetectionSignalRow = Selectable<DetectionSignalsTable>;

/** An alert: one rule matched one subject; later matches within the rule's window extend it. */
export interface DetectionAlertsTable {
  id: string;
  rule: string;
  severity: string;
  /** The organization of every triggering event, or null when they span organizations (or name none). */
  org_id: string | null;
  /** account | ip | user */
  subject_type: string;
  subject: string;
  /** open | acknowledged | closed */
  status: string;
  /** `<rule>|<subject>` while the alert is not closed, else null: a unique index keeps one open alert per rule and subject. */
  open_key: string | null;
  first_seen_at: string;
  last_seen_at: string;
  event_count: number;
  /** JSON: what the rule counted (thresholds in force, accounts, distances, …). */
  details: string;
  raised_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  closed_at: string | null;
  closed_by: string | null;
  disposition: string | null;
  note: string | null;
}
export type DetectionAlertRow = Selectable<DetectionAlertsTable>;

/** The ledger events that triggered (or extended) an alert. */
export interface DetectionAlertEventsTable {
  alert_id: string;
  event_id: string;
  seq: number;
  time: string;
}

export interface IncidentsTable {
  id: string;
  title: string;
  /** low | medium | high | critical */
  severity: string;
  org_id: string | null;
  owner_id: string;
  /** open | investigating | contained | resolved */
  status: string;
  summary: string;
  resolution: string | null;
  root_cause: string | null;
  opened_at: string;
  opened_by_type: string;
  opened_by_id: string;
  updated_at: string;
  resolved_at: string | null;
}
export type IncidentRow = Selectable<IncidentsTable>;

export interface IncidentAlertsTable {
  incident_id: string;
  alert_id: string;
  linked_at: string;
}

export interface IncidentEventsTable {
  incident_id: string;
  event_id: string;
  seq: number;
  linked_at: string;
}

export interface IncidentNotesTable {
  id: string;
  incident_id: string;
  text: string;
  author_type: string;
  author_id: string;
  created_at: string;
}
export type IncidentNoteRow = Selectable<IncidentNotesTable>;
