import type { Cell, CriterionSection, EvidenceContext, EvidenceTable, Fact, Status } from '../model.ts';
import { chartSvg, escapeXml as esc } from './chart-svg.ts';

/**
 * The human report of an evidence package (`report.html`): one self-contained
 * page (inline CSS, inline SVG charts; no scripts, fonts, images or links out)
 * that prints well on A4 and Letter, one criterion per printed page. Every
 * value is escaped: the data holds names people chose.
 */

export interface ReportInput {
  ctx: EvidenceContext;
  sections: CriterionSection[];
  /** The sampling the package offers auditors: the seed and the sample size per population. */
  sampling?: { seed: string | number; sizes: Record<string, number> };
}

/** Rows of each table shown in the report; the CSV holds them all. */
export const REPORT_ROWS = 20;

const STATUS_TEXT: Record<Status, { mark: string; text: string }> = {
  pass: { mark: '✓', text: 'Pass' },
  attention: { mark: '⚠', text: 'Attention' },
  info: { mark: 'ℹ', text: 'Info' },
};

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #111; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.45; font-size: 14px; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #111; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin-bottom: .2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: 12px; }
th, td { border: 1px solid #bbb; padding: .25rem .4rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eee; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
.meta { color: #333; margin: 0; }
.status { display: inline-block; padding: 0 .4rem; border: 1px solid; border-radius: 3px; font-weight: bold; white-space: nowrap; }
.status-pass { color: #1b5e20; border-color: #1b5e20; background: #e8f5e9; }
.status-attention { color: #8c1d18; border-color: #8c1d18; background: #fdecea; }
.status-info { color: #1f3f66; border-color: #1f3f66; background: #e8f0fa; }
.headline { font-size: 1.05rem; font-weight: 600; }
.facts td.attention { color: #8c1d18; font-weight: bold; }
.null { color: #777; }
.note { color: #333; font-style: italic; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; }
pre { background: #f4f4f4; padding: .5rem; white-space: pre-wrap; }
.criterion, .verify { break-before: page; }
@page { margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  a { color: inherit; text-decoration: none; }
  figure, .facts { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}
`;

function statusBadge(status: Status): string {
  const s = STATUS_TEXT[status];
  return `<span class="status status-${status}">${s.mark} ${s.text}</span>`;
}

function cell(value: Cell): string {
  if (value === null) return '<span class="null">—</span>';
  return esc(String(value));
}

function renderFacts(facts: Fact[]): string {
  if (facts.length === 0) return '';
  const rows = facts.map((f) => `<tr><th scope="row">${esc(f.label)}</th><td${f.attention ? ' class="attention"' : ''}>${f.attention ? '⚠ ' : ''}${esc(String(f.value))}</td></tr>`);
  return `<table class="facts"><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function renderTable(section: CriterionSection, t: EvidenceTable): string {
  const n = t.rows.length;
  const file = `${section.id}/${t.name}.csv`;
  const out = [`<section class="evidence-table" id="${esc(`table-${section.id}-${t.name}`)}">`, `<h3>${esc(t.title)}</h3>`, `<p>${esc(t.description)}</p>`];
  const count = `${n} row${n === 1 ? '' : 's'}`;
  if (n === 0) {
    out.push(`<p class="note">${count}: nothing to show. File: <code>${esc(file)}</code>.</p>`, '</section>');
    return out.join('\n');
  }
  out.push(n > REPORT_ROWS ? `<p class="note">${count}; the first ${REPORT_ROWS} are shown — see <code>${esc(file)}</code> for all ${n} rows.</p>` : `<p class="note">${count}, all shown. File: <code>${esc(file)}</code>.</p>`);
  out.push('<table>', `<thead><tr>${t.columns.map((c) => `<th scope="col" title="${esc(c.description)}">${esc(c.name)}</th>`).join('')}</tr></thead>`, '<tbody>');
  for (const r of t.rows.slice(0, REPORT_ROWS)) out.push(`<tr>${t.columns.map((c) => `<td>${cell(r.row[c.name] ?? null)}</td>`).join('')}</tr>`);
  out.push('</tbody>', '</table>', '</section>');
  return out.join('\n');
}

function renderSection(section: CriterionSection, index: number): string {
  const out = [
    `<section class="criterion" id="${esc(`criterion-${section.id}`)}">`,
    `<h2>${esc(section.title)} ${statusBadge(section.status)}</h2>`,
    `<p>${esc(section.summary)}</p>`,
    `<p class="headline">${esc(section.headline)}</p>`,
    renderFacts(section.facts),
  ];
  for (const chart of section.charts) out.push(`<figure>\n${chartSvg(chart, `${index}-${chart.name}`)}\n<figcaption class="note">File: <code>${esc(`${section.id}/${chart.name}.svg`)}</code></figcaption>\n</figure>`);
  for (const t of section.tables) out.push(renderTable(section, t));
  if (section.attachments.length) {
    out.push('<h3>Attached files</h3>', '<ul>');
    for (const a of section.attachments) out.push(`<li><code>${esc(`${section.id}/${a.name}`)}</code> — ${esc(a.description)}</li>`);
    out.push('</ul>');
  }
  out.push('</section>');
  return out.join('\n');
}

function renderOverview(sections: CriterionSection[]): string {
  const rows = sections.map((s) => `<tr><td><a href="#${esc(`criterion-${s.id}`)}">${esc(s.id)}</a></td><td>${esc(s.title)}</td><td>${statusBadge(s.status)}</td><td>${esc(s.headline)}</td></tr>`);
  return ['<h2 id="overview">Overview</h2>', '<table class="overview">', '<thead><tr><th scope="col">Criterion</th><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Result</th></tr></thead>', '<tbody>', ...rows, '</tbody>', '</table>',
    '<p class="note">Status: ✓ Pass — the control operated; ⚠ Attention — something an auditor should look at is present; ℹ Info — descriptive.</p>'].join('\n');
}

function renderSampling(sampling: ReportInput['sampling']): string {
  if (!sampling) return '';
  const rows = Object.entries(sampling.sizes).map(([population, size]) => `<tr><td><code>${esc(population)}</code></td><td>${esc(String(size))}</td></tr>`);
  return ['<h2 id="sampling">Sampling</h2>', `<p>Samples are drawn deterministically from seed <code>${esc(String(sampling.seed))}</code>: anyone with the package draws the same samples again.</p>`,
    '<table><thead><tr><th scope="col">Population</th><th scope="col">Sample size</th></tr></thead><tbody>', ...rows, '</tbody></table>'].join('\n');
}

function renderVerification(ctx: EvidenceContext): string {
  return [
    '<section class="verify" id="verify">',
    '<h2>How to verify this package</h2>',
    '<p>Run, on any machine with Keyledger installed, with no database and no network:</p>',
    '<pre><code>keyledger evidence verify FILE.zip</code></pre>',
    '<p>It checks:</p>',
    '<ul>',
    '<li>the signature of <code>manifest.json</code> with the ledger key, and the SHA-256 of every file the manifest lists (a changed, added or missing file fails);</li>',
    `<li>that every embedded ledger event is included in the signed package checkpoint (tree size ${esc(String(ctx.checkpoint.size))}, root <code>${esc(ctx.checkpoint.rootHash)}</code>) by its inclusion proof;</li>`,
    '<li>the consistency proof in <code>log-integrity/consistency-proof.json</code>: the ledger at the window start is a prefix of the package’s ledger, nothing changed or removed;</li>',
    '<li>every row of every recomputable population, recomputed from the events it cites: a row that does not follow from its events fails.</li>',
    '</ul>',
    '<p>Compare the verifier key in <code>log-integrity/signing-keys.csv</code> with the one the organization publishes before trusting the signatures. On the deployment itself, <code>keyledger audit verify --verifier-key &lt;key&gt;</code> recomputes the whole ledger.</p>',
    '</section>',
  ].join('\n');
}

/** The whole report as one HTML document. */
export function renderReport(input: ReportInput): string {
  const { ctx, sections } = input;
  const p = ctx.params;
  const title = `SOC 2 evidence — ${ctx.org.name} — ${p.from} to ${p.to}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>SOC 2 evidence: ${esc(ctx.org.name)}</h1>`,
    `<p class="meta">Organization <code>${esc(ctx.org.slug)}</code> (${esc(ctx.org.id)}) · window ${esc(p.from)} to ${esc(p.to)} (start inclusive, end exclusive)</p>`,
    `<p class="meta">Generated ${esc(ctx.generatedAt)} · proven against the ledger checkpoint of tree size ${esc(String(ctx.checkpoint.size))} signed ${esc(ctx.checkpoint.createdAt)}</p>`,
    '</header>',
    '<main>',
    renderOverview(sections),
    renderSampling(input.sampling),
    ...sections.map(renderSection),
    renderVerification(ctx),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
