import type { Db } from '../platform/database.ts';

export interface Gauge {
  name: string;
  help: string;
  value: number;
  labels: Record<string, string>;
}

/**
 * Scrape-time gauges of what the monitor holds now: findings not yet resolved
 * or closed (open or acknowledged) by type and severity, and alerts not yet
 * closed by rule and severity — so a dashboard or an alert rule on Prometheus
 * sees control drift and attacks without reading the API.
 */
export async function monitorGauges(db: Db): Promise<Gauge[]> {
  const findings = await db
    .selectFrom('monitor_findings')
    .select(['type', 'severity', (eb) => eb.fn.countAll().as('n')])
    .where('status', 'in', ['open', 'acknowledged'])
    .groupBy(['type', 'severity'])
    .orderBy('type')
    .orderBy('severity')
    .execute();
  const alerts = await db
    .selectFrom('detection_alerts')
    .select(['rule', 'severity', (eb) => eb.fn.countAll().as('n')])
    .where('status', 'in', ['open', 'acknowledged'])
    .groupBy(['rule', 'severity'])
    .orderBy('rule')
    .orderBy('severity')
    .execute();
  return [
    ...findings.map((r) => ({ name: 'keyledger_findings_open', help: 'Control-drift findings open or acknowledged, by type and severity.', value: Number(r.n), labels: { type: r.type, severity: r.severity } })),
    ...alerts.map((r) => ({ name: 'keyledger_alerts_open', help: 'Security alerts open or acknowledged, by rule and severity.', value: Number(r.n), labels: { rule: r.rule, severity: r.severity } })),
  ];
}
