/**
 * A small Prometheus text exposition: counters, gauges and one histogram are
 * all Keyledger needs, so no client library is pulled in.
 */
type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

class Counter {
  private values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(by = 1, labels: Labels = {}): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [k, v] of this.values) lines.push(`${this.name}${k} ${v}`);
    return lines.join('\n');
  }
}

class Histogram {
  private buckets: number[];
  private series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, buckets: number[]) {
    this.buckets = buckets;
  }
  observe(value: number, labels: Labels = {}): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => {
      if (value <= b) s!.counts[i]++;
    });
    s.sum += value;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, s] of this.series) {
      const inner = key ? key.slice(1, -1) + ',' : '';
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${inner}le="${b}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${inner}le="+Inf"} ${s.count}`, `${this.name}_sum${key} ${s.sum}`, `${this.name}_count${key} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export function createMetrics() {
  const httpRequests = new Counter('keyledger_http_requests_total', 'HTTP requests by method, route and status.');
  const httpDuration = new Histogram('keyledger_http_request_duration_seconds', 'HTTP request duration.', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
  const ledgerEventsAppended = new Counter('keyledger_ledger_events_appended_total', 'Ledger events appended by this process.');
  const scimRejected = new Counter('keyledger_scim_requests_rejected_total', 'SCIM requests refused for a missing, wrong, revoked or rotated-out directory token (not in the ledger: they change nothing).');
  const streamDelivered = new Counter('keyledger_stream_delivered_events_total', 'Ledger events a SIEM destination accepted from this process, by destination id.');
  const complianceReads = new Counter('keyledger_compliance_reads_total', 'Pages read from the compliance API by GRC platforms, by dataset (reads are not in the ledger).');
  const streamFailures = new Counter('keyledger_stream_delivery_failures_total', 'Batches a SIEM destination refused or failed to take from this process (each retried), by destination id.');
  return {
    httpRequests,
    httpDuration,
    ledgerEventsAppended,
    scimRejected,
    streamDelivered,
    streamFailures,
    complianceReads,
    /** Renders every metric, with gauges read at scrape time (samples of one name, with different labels, share one HELP and TYPE). */
    render(gauges: Array<{ name: string; help: string; value: number; labels?: Labels }>): string {
      const parts = [httpRequests.render(), httpDuration.render(), ledgerEventsAppended.render(), scimRejected.render(), streamDelivered.render(), streamFailures.render(), complianceReads.render()];
      const byName = new Map<string, { help: string; lines: string[] }>();
      for (const g of gauges) {
        const entry = byName.get(g.name) ?? { help: g.help, lines: [] };
        entry.lines.push(`${g.name}${labelText(g.labels ?? {})} ${g.value}`);
        byName.set(g.name, entry);
      }
      for (const [name, g] of byName) parts.push(`# HELP ${name} ${g.help}\n# TYPE ${name} gauge\n${g.lines.join('\n')}`);
      return parts.join('\n') + '\n';
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
