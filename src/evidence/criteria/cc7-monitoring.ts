import type { LedgerEvent } from '../../audit/event.ts';
import type { Runtime } from '../../runtime.ts';
import type { Chart, CitedRow, CollectorFactory, CriterionCollector, CriterionSection, EvidenceContext, EvidenceTable, Fact, RowBuilder } from '../model.ts';
import { ALERT_COLUMNS, FINDING_COLUMNS, INCIDENT_COLUMNS, buildAlertRow, buildFindingRow, buildIncidentRow, findingStatusAfter } from './cc7-rows.ts';
import { CC7_SIEM_ROW_BUILDERS, DESTINATION_COLUMNS, EPISODE_COLUMNS, buildDestinationRow, buildEpisodeRow } from './cc7-siem-rows.ts';
import { detectionRulesTable, siemHealthTable } from './cc7-configuration.ts';
import { citesOf } from './evidence-values.ts';

/**
 * CC7.2 / CC7.3: the system is monitored for anomalies (detection rules,
 * alerts, control-drift findings, delivery of events to the SIEM) and
 * security events are evaluated and responded to (alert triage, incidents).
 */

const ALERT_ACTIONS = ['monitor.alert.raised', 'monitor.alert.updated', 'monitor.alert.acknowledged', 'monitor.alert.closed'];
const FINDING_ACTIONS = ['monitor.finding.opened', 'monitor.finding.acknowledged', 'monitor.finding.resolved', 'monitor.finding.reopened', 'monitor.finding.closed'];
const INCIDENT_ACTIONS = ['monitor.incident.opened', 'monitor.incident.updated', 'monitor.incident.resolved'];
const DESTINATION_ACTIONS = ['created', 'updated', 'deleted', 'paused', 'resumed', 'failing', 'recovered'].map((v) => `stream.destination.${v}`);
const OPEN_FINDING = new Set(['open', 'acknowledged']);
const HOUR = 3600;

/** The row builders of this criterion, by the name a table's `recompute` gives. */
export const CC7_ROW_BUILDERS: Record<string, RowBuilder> = {
  'cc7.alert': buildAlertRow,
  'cc7.finding': buildFindingRow,
  'cc7.incident': buildIncidentRow,
  ...CC7_SIEM_ROW_BUILDERS,
};

interface AlertState {
  raised: LedgerEvent;
  updated?: LedgerEvent;
  acknowledged?: LedgerEvent;
  closed?: LedgerEvent;
}

/** A duration for a fact, in the largest unit that reads well ("45 s", "12 min", "3.5 h", "2.1 d"). */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < HOUR) return `${Math.round(seconds / 60)} min`;
  if (seconds < 24 * HOUR) return `${(seconds / HOUR).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/** The median of integer values, or null when there are none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : Math.round((v[mid - 1] + v[mid]) / 2);
}


/** Collects CC7.2 / CC7.3 in one pass; per alert, finding, incident and destination it keeps only the events its row cites. */
export const collectMonitoring: CollectorFactory = (ctx: EvidenceContext, rt: Runtime): CriterionCollector => {
  const { from, to } = ctx.params;
  const alerts = new Map<string, AlertState>();
  const findings = new Map<string, LedgerEvent[]>();
  const incidents = new Map<string, LedgerEvent[]>();
  const destinations = new Map<string, LedgerEvent[]>();
  const openEpisodes = new Map<string, LedgerEvent>();
  const episodes: Array<LedgerEvent[]> = [];

  function addAlert(e: LedgerEvent): void {
    const id = String(e.data.alertId);
    if (e.action === 'monitor.alert.raised') return void alerts.set(id, { raised: e });
    const a = alerts.get(id);
    if (!a) return;
    if (e.action === 'monitor.alert.updated') a.updated = e;
    else if (e.action === 'monitor.alert.acknowledged') a.acknowledged = e;
    // Closed before the window: neither raised in it nor open at its start.
    else if (e.time < from) alerts.delete(id);
    else a.closed = e;
  }

  function addLifecycle(map: Map<string, LedgerEvent[]>, id: string, e: LedgerEvent, ends: boolean): void {
    if (ends && e.time < from) return void map.delete(id);
    const list = map.get(id);
    if (list) list.push(e);
    else map.set(id, [e]);
  }

  function addDestination(e: LedgerEvent): void {
    const id = e.targets[0]?.id;
    if (!id) return;
    addLifecycle(destinations, id, e, e.action === 'stream.destination.deleted');
    if (e.action === 'stream.destination.failing' && !openEpisodes.has(id)) openEpisodes.set(id, e);
    if (e.action === 'stream.destination.recovered' || e.action === 'stream.destination.deleted') {
      const failing = openEpisodes.get(id);
      openEpisodes.delete(id);
      if (failing && e.time >= from) episodes.push([failing, e]);
    }
  }

  return {
    actions: [...ALERT_ACTIONS, ...FINDING_ACTIONS, ...INCIDENT_ACTIONS, ...DESTINATION_ACTIONS],
    add(e) {
      if (e.action.startsWith('monitor.alert.')) addAlert(e);
      else if (e.action.startsWith('monitor.finding.')) addLifecycle(findings, String(e.data.findingId), e, e.action === 'monitor.finding.closed');
      else if (e.action.startsWith('monitor.incident.')) addLifecycle(incidents, String(e.data.incidentId), e, e.action === 'monitor.incident.resolved');
      else addDestination(e);
    },
    async finish(): Promise<CriterionSection> {
      const p = ctx.params;
      const alertRows: CitedRow[] = [...alerts.values()].map((a) => {
        const cited = [a.raised, a.updated, a.acknowledged, a.closed].filter((x): x is LedgerEvent => x !== undefined);
        return { row: buildAlertRow(cited, p), cites: citesOf(cited) };
      });
      const findingRows: CitedRow[] = [...findings.values()].filter((events) => wasOpenInWindow(events, from)).map((events) => ({ row: buildFindingRow(events, p), cites: citesOf(events) }));
      const incidentRows: CitedRow[] = [...incidents.values()].map((events) => ({ row: buildIncidentRow(events, p), cites: citesOf(events) }));
      const destinationRows: CitedRow[] = [...destinations.values()].map((events) => ({ row: buildDestinationRow(events, p), cites: citesOf(events) }));
      for (const failing of openEpisodes.values()) episodes.push([failing]);
      episodes.sort((a, b) => a[0].seq - b[0].seq);
      const episodeRows: CitedRow[] = episodes.map((events) => ({ row: buildEpisodeRow(events, p), cites: citesOf(events) }));

      const inWindow = (t: unknown) => typeof t === 'string' && t >= from && t < to;
      const raised = alertRows.filter((r) => inWindow(r.row.raised_at));
      const closedCount = alertRows.filter((r) => inWindow(r.row.closed_at)).length;
      const ackTimes = alertRows.filter((r) => inWindow(r.row.acknowledged_at)).map((r) => r.row.seconds_to_acknowledge as number);
      const medianAck = median(ackTimes);
      const unacknowledged = alertRows.filter((r) => r.row.unacknowledged_over_24h === true).length;
      const openFindings = findingRows.filter((r) => OPEN_FINDING.has(String(r.row.status_at_window_end)));
      const severeOpen = openFindings.filter((r) => r.row.severity === 'high' || r.row.severity === 'critical').length;
      const failingAtEnd = destinationRows.filter((r) => r.row.status_at_window_end === 'failing').length;
      const episodesInWindow = episodeRows.length;
      const attention = unacknowledged > 0 || severeOpen > 0 || failingAtEnd > 0;

      const facts: Fact[] = [
        { label: 'Alerts raised in the window', value: raised.length },
        { label: 'Alerts closed in the window', value: closedCount },
        { label: 'Median time to acknowledge', value: medianAck === null ? 'no acknowledgements' : formatDuration(medianAck) },
        { label: 'Alerts unacknowledged for more than 24 hours', value: unacknowledged, attention: unacknowledged > 0 },
        { label: 'Findings open at the window end', value: openFindings.length },
        { label: 'High-severity findings open at the window end', value: severeOpen, attention: severeOpen > 0 },
        { label: 'Incidents', value: incidentRows.length },
        { label: 'SIEM delivery failure episodes', value: episodesInWindow },
        { label: 'SIEM destinations failing at the window end', value: failingAtEnd, attention: failingAtEnd > 0 },
      ];
      const problems = [
        unacknowledged ? `${unacknowledged} alert${unacknowledged === 1 ? ' was' : 's were'} not acknowledged within 24 hours` : '',
        severeOpen ? `${severeOpen} high-severity finding${severeOpen === 1 ? ' was' : 's were'} open at the window end` : '',
        failingAtEnd ? `${failingAtEnd} SIEM destination${failingAtEnd === 1 ? ' was' : 's were'} failing at the window end` : '',
      ].filter(Boolean);
      const headline =
        `${raised.length} alert${raised.length === 1 ? ' was' : 's were'} raised and ${closedCount} closed in the window` +
        (medianAck === null ? '' : ` (median ${formatDuration(medianAck)} to acknowledge)`) +
        `; ${openFindings.length} finding${openFindings.length === 1 ? '' : 's'} open at the window end; ${incidentRows.length} incident${incidentRows.length === 1 ? '' : 's'}` +
        (problems.length ? `; ${problems.join('; ')}.` : '.');

      const tables: EvidenceTable[] = [
        detectionRulesTable(rt),
        {
          name: 'alerts',
          title: 'Security alerts',
          description: 'Every alert a detection rule raised in the window, and every alert raised earlier that was still open at its start, with who acknowledged and closed it and how fast. Test: for a sample, open the cited events and check that an alert raised is acknowledged or closed with a disposition in a reasonable time; alerts marked unacknowledged_over_24h need an explanation.',
          columns: ALERT_COLUMNS,
          rows: alertRows,
          recompute: 'cc7.alert',
          sampleKey: 'alert_id',
        },
        {
          name: 'findings',
          title: 'Control-drift findings',
          description: 'Every finding (a control condition the monitor detected, such as a member without required MFA or a grant without approval) that was open or acknowledged at any time in the window, with its lifecycle. Test: for a sample, check that findings were acknowledged, resolved with a reason or closed because the condition cleared; findings still open at the window end are listed with their severity.',
          columns: FINDING_COLUMNS,
          rows: findingRows,
          recompute: 'cc7.finding',
          sampleKey: 'finding_id',
        },
        {
          name: 'incidents',
          title: 'Security incidents',
          description: 'Every incident opened in the window, and every incident opened earlier that was not resolved at its start, with owner, severity, linked alerts, resolution and root cause. Test: check that each incident has an owner, and that resolved incidents record a resolution and a root cause.',
          columns: INCIDENT_COLUMNS,
          rows: incidentRows,
          recompute: 'cc7.incident',
          sampleKey: 'incident_id',
        },
        {
          name: 'siem-destinations',
          title: 'SIEM destinations',
          description: 'Every destination that streamed the ledger (this organization’s and deployment-wide ones) and existed during the window: when it was created, paused or deleted, and how long it spent failing. Delivery is at-least-once from a cursor, so a failing destination receives everything once it recovers.',
          columns: DESTINATION_COLUMNS,
          rows: destinationRows,
          recompute: 'cc7.siem-destination',
          sampleKey: 'destination_id',
        },
        {
          name: 'siem-failure-episodes',
          title: 'SIEM delivery outages',
          description: 'Every outage of a SIEM destination (from the first failed delivery until a delivery succeeded again) that overlaps the window, with its duration. Nothing is skipped during an outage: delivery resumes from the destination’s cursor.',
          columns: EPISODE_COLUMNS,
          rows: episodeRows,
          recompute: 'cc7.siem-failure-episode',
        },
        await siemHealthTable(rt, ctx),
      ];
      return {
        id: 'CC7.2-CC7.3',
        title: 'CC7.2 / CC7.3 — Monitoring, anomalies and incident response',
        summary: 'The entity monitors system components for anomalies indicative of malicious acts or errors, and evaluates security events to determine whether they are incidents that need a response. Keyledger runs detection rules and control-drift checks, raises alerts and findings, tracks their triage and the incident record, and streams every event to the SIEM.',
        status: attention ? 'attention' : 'pass',
        headline,
        facts,
        tables,
        charts: [responseChart(alertRows.filter((r) => inWindow(r.row.raised_at)))],
        attachments: [],
      };
    },
  };
};

/** Whether a finding was open (or acknowledged) at the window start or became so during the window. */
function wasOpenInWindow(events: LedgerEvent[], from: string): boolean {
  let status = 'closed';
  for (const e of events) {
    if (e.time >= from && OPEN_FINDING.has(findingStatusAfter(e))) return true;
    if (e.time < from) status = findingStatusAfter(e);
  }
  return OPEN_FINDING.has(status);
}

/** How fast alerts raised in the window got a first response (acknowledged or closed). */
function responseChart(rows: CitedRow[]): Chart {
  const buckets = [
    { label: '< 1 h', count: 0 },
    { label: '1–4 h', count: 0 },
    { label: '4–24 h', count: 0 },
    { label: '> 24 h', count: 0, attention: true },
    { label: 'awaiting (< 24 h)', count: 0 },
  ];
  for (const { row } of rows) {
    const first = [row.seconds_to_acknowledge, row.seconds_to_close].filter((x): x is number => typeof x === 'number');
    const s = first.length ? Math.min(...first) : null;
    const i = s === null ? (row.unacknowledged_over_24h ? 3 : 4) : s < HOUR ? 0 : s < 4 * HOUR ? 1 : s <= 24 * HOUR ? 2 : 3;
    buckets[i].count++;
  }
  return { name: 'alert-response-time', title: 'Time from alert to first response (alerts raised in the window)', xLabel: 'Time to acknowledge or close', yLabel: 'Alerts', buckets };
}
