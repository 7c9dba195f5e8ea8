import { describe, expect, it } from 'vitest';
import { renderReport, REPORT_ROWS } from './render-report.ts';
import type { CriterionSection, EvidenceContext, EvidenceTable } from '../model.ts';

const EVIL = '<script>alert("x")</script>';

const ctx: EvidenceContext = {
  params: { orgId: 'org-1', orgSlug: 'acme', from: '2026-01-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', deprovisioningSlaHours: 24 },
  org: { id: 'org-1', slug: 'acme', name: `Acme ${EVIL}` },
  generatedAt: '2026-04-02T09:00:00.000Z',
  checkpoint: { size: 4242, rootHash: 'cm9vdA==', note: 'note', createdAt: '2026-04-02T08:59:00.000Z' },
};

function users(n: number): EvidenceTable {
  return {
    name: 'users',
    title: 'Users',
    description: 'Everyone with an account.',
    columns: [
      { name: 'user_id', description: 'The user.' },
      { name: 'name', description: 'Their name.' },
      { name: 'mfa', description: 'Has MFA.' },
      { name: 'left_at', description: 'When they left.' },
    ],
    rows: Array.from({ length: n }, (_, i) => ({ row: { user_id: `u-${i + 1}`, name: i === 0 ? EVIL : `user ${i + 1}`, mfa: i % 2 === 0, left_at: null }, cites: [] })),
    recompute: 'x.user',
    sampleKey: 'user_id',
  };
}

const sections: CriterionSection[] = [
  {
    id: 'CC6.1',
    title: 'CC6.1 — Logical access',
    summary: 'Access is restricted.',
    status: 'pass',
    headline: 'All 25 users have MFA.',
    facts: [{ label: 'Users', value: 25 }],
    tables: [users(25), { ...users(0), name: 'leavers', title: 'Leavers' }],
    charts: [{ name: 'latency', title: 'Latency', xLabel: 'Hours', yLabel: 'Leavers', buckets: [{ label: '0–4 h', count: 3 }, { label: '> 24 h', count: 1, attention: true }] }],
    attachments: [],
  },
  {
    id: 'CC7.2-CC7.3',
    title: 'CC7.2 / CC7.3 — Monitoring',
    summary: 'Anomalies are monitored.',
    status: 'attention',
    headline: `1 alert about ${EVIL} was not acknowledged.`,
    facts: [{ label: 'Unacknowledged alerts', value: 1, attention: true }],
    tables: [{ ...users(3), name: 'alerts', title: 'Alerts' }],
    charts: [{ name: 'latency', title: 'Response', xLabel: 'Hours', yLabel: 'Alerts', buckets: [{ label: 'x', count: 2 }] }],
    attachments: [],
  },
  {
    id: 'log-integrity',
    title: 'Log integrity',
    summary: 'The ledger is append-only.',
    status: 'info',
    headline: 'Consistency proven.',
    facts: [],
    tables: [],
    charts: [],
    attachments: [{ name: 'consistency-proof.json', content: '{}', description: 'The proof.' }],
  },
];

describe('renderReport', () => {
  const html = renderReport({ ctx, sections, sampling: { seed: 'seed-<1>', sizes: { 'CC6.1/users': 25 } } });

  it('escapes every value: a user, an organization or a headline holding markup cannot inject it', () => {
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('<title>SOC 2 evidence — Acme &lt;script&gt;');
    expect(html).toContain('seed-&lt;1&gt;');
    // Nothing loads from outside: no scripts, no external fonts, images or style sheets.
    expect(html).not.toMatch(/<script|<img|<link|@import|url\(http|src=|href="http/i);
  });

  it('opens with the organization, the window and an overview with a status in words, not colour alone', () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('window 2026-01-01T00:00:00.000Z to 2026-04-01T00:00:00.000Z');
    const overview = html.slice(html.indexOf('<table class="overview">'), html.indexOf('</table>', html.indexOf('<table class="overview">')));
    expect([...overview.matchAll(/<tr><td><a href="#criterion-([^"]+)">/g)].map((m) => m[1])).toEqual(['CC6.1', 'CC7.2-CC7.3', 'log-integrity']);
    expect(overview).toContain('<span class="status status-pass">✓ Pass</span>');
    expect(overview).toContain('<span class="status status-attention">⚠ Attention</span>');
    expect(overview).toContain('<span class="status status-info">ℹ Info</span>');
  });

  it('has every section, every table with its row count, and at most 20 rows with a pointer to the CSV', () => {
    for (const s of sections) expect(html).toContain(`<section class="criterion" id="criterion-${s.id}">`);
    for (const s of sections) for (const t of s.tables) expect(html).toContain(`id="table-${s.id}-${t.name}"`);
    expect(html).toContain(`25 rows; the first ${REPORT_ROWS} are shown — see <code>CC6.1/users.csv</code> for all 25 rows.`);
    expect(html).toContain('0 rows: nothing to show.');
    expect(html).toContain('3 rows, all shown.');
    const usersTable = html.slice(html.indexOf('id="table-CC6.1-users"'), html.indexOf('</section>', html.indexOf('id="table-CC6.1-users"')));
    expect(usersTable.match(/<tr><td>/g)).toHaveLength(REPORT_ROWS);
    expect(usersTable).toContain('<td>u-20</td>');
    expect(usersTable).not.toContain('<td>u-21</td>');
    expect(usersTable).toContain('<span class="null">—</span>');
    expect(usersTable).toContain('<td>true</td>');
    expect(html).toContain('<code>log-integrity/consistency-proof.json</code> — The proof.');
  });

  it('inlines each chart as SVG with ids unique on the page, and marks attention facts and bars', () => {
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('id="chart-0-latency-title"');
    expect(html).toContain('id="chart-1-latency-title"');
    expect(html).toContain('class="bar bar-attention"');
    expect(html).toContain('<td class="attention">⚠ 1</td>');
  });

  it('is print-ready and closes with how to verify the package', () => {
    expect(html).toContain('@media print');
    expect(html).toContain('.criterion, .verify { break-before: page; }');
    expect(html).toContain('<pre><code>keyledger evidence verify FILE.zip</code></pre>');
    expect(html.indexOf('id="verify"')).toBeGreaterThan(html.indexOf('id="criterion-log-integrity"'));
    expect(html).toContain('tree size 4242');
  });

  it('leaves out the sampling section when there is no sampling', () => {
    expect(renderReport({ ctx, sections })).not.toContain('id="sampling"');
    expect(html).toContain('id="sampling"');
  });
});
