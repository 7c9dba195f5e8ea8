import type { Runtime } from '../../runtime.ts';
import type { Destination } from '../../stream/destinations.ts';
import type { EvidenceContext, EvidenceTable } from '../model.ts';

/**
 * The CC7.2 tables read from the configuration at export time (not from the
 * ledger): the detection rules in force and SIEM delivery health. They carry
 * no row builder; their descriptions say what moment they describe.
 */

/** The detection rules and thresholds in force when the package was generated. */
export function detectionRulesTable(rt: Runtime): EvidenceTable {
  return {
    name: 'detection-rules',
    title: 'Detection rules in force',
    description: 'The security detection rules of this deployment and the thresholds they run with. This is the configuration at export time, read from the running service (not from the ledger); a rule that is off says so. Each alert in alerts.csv names the rule that raised it and records the thresholds in force when it did.',
    columns: [
      { name: 'rule', description: 'The rule name, as alerts cite it.' },
      { name: 'enabled', description: 'true when the rule runs.' },
      { name: 'severity', description: 'Severity of the alerts it raises.' },
      { name: 'description', description: 'What it detects.' },
      { name: 'events', description: 'The ledger actions it reads, space-separated.' },
      { name: 'thresholds', description: 'Its thresholds as JSON, or null when it is off.' },
    ],
    rows: rt.detections.listRules().map((r) => ({
      row: { rule: r.name, enabled: r.enabled, severity: r.severity, description: r.description, events: r.events.join(' '), thresholds: r.thresholds === null ? null : JSON.stringify(r.thresholds) },
      cites: [],
    })),
  };
}

async function listAllDestinations(rt: Runtime): Promise<Destination[]> {
  const out: Destination[] = [];
  let cursor: string | undefined;
  do {
    const page = await rt.streamDestinations.list({ limit: 200, cursor });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** Delivery health of this organization's and the deployment-wide SIEM destinations at export time. */
export async function siemHealthTable(rt: Runtime, ctx: EvidenceContext): Promise<EvidenceTable> {
  const destinations = (await listAllDestinations(rt)).filter((d) => d.orgId === null || d.orgId === ctx.org.id);
  return {
    name: 'siem-delivery-health',
    title: 'SIEM delivery health at export time',
    description: `How far each SIEM destination is behind the ledger and how its last deliveries went. This is the state at export time (${ctx.generatedAt}), read from the running service, not from the ledger; the outages during the window are in siem-failure-episodes.csv.`,
    columns: [
      { name: 'destination_id', description: 'The destination.' },
      { name: 'name', description: 'Its name.' },
      { name: 'kind', description: 'webhook, splunk_hec, syslog_tls or jsonl_file.' },
      { name: 'scope', description: 'organization or deployment.' },
      { name: 'status', description: 'healthy, failing or paused.' },
      { name: 'lag_events', description: 'Ledger events not yet delivered (or skipped by its filter).' },
      { name: 'lag_seconds', description: 'Age in whole seconds of the oldest event not yet delivered; 0 when caught up.' },
      { name: 'last_delivered_at', description: 'When a batch was last accepted, or null.' },
      { name: 'consecutive_failures', description: 'Failed attempts since the last success.' },
      { name: 'last_error', description: 'The last delivery error, or null.' },
      { name: 'last_error_at', description: 'When it happened, or null.' },
    ],
    rows: destinations.map((d) => ({
      row: {
        destination_id: d.id,
        name: d.name,
        kind: d.kind,
        scope: d.orgId ? 'organization' : 'deployment',
        status: d.health.status,
        lag_events: d.health.lagEvents,
        lag_seconds: Math.round(d.health.lagSeconds),
        last_delivered_at: d.health.lastDeliveredAt,
        consecutive_failures: d.health.consecutiveFailures,
        last_error: d.health.lastError,
        last_error_at: d.health.lastErrorAt,
      },
      cites: [],
    })),
  };
}
