/**
 * The README files of an evidence package: the top-level one (what the
 * package is, how to verify it, the folders, the sampling rule, what is and
 * is not recomputed) and one per criterion (summary, result, facts, and each
 * table's columns and provenance). Plain Markdown, deterministic.
 */
import type { CriterionSection, EvidenceContext, EvidenceTable } from '../model.ts';
import { CITES_COLUMN } from './csv.ts';

const STATUS_WORDS = { pass: 'pass — the control operated', attention: 'attention — something here needs the auditor\'s look', info: 'info — descriptive' } as const;

/** Where each table's rows come from, in one sentence. */
function provenance(t: EvidenceTable): string {
  return t.recompute
    ? `Computed from the ledger: each row cites the events it was computed from (\`${CITES_COLUMN}\`), and \`keyledger evidence verify\` recomputes every row from those events with the rule \`${t.recompute}\`.`
    : 'Configuration at export time (not in the ledger): not recomputed by the verifier.';
}

/** `<criterion>/README.md`. */
export function criterionReadme(section: CriterionSection): string {
  const out: string[] = [`# ${section.id} — ${section.title}`, '', section.summary, '', `**Result:** ${section.headline}`, '', `**Status:** ${STATUS_WORDS[section.status]}`, ''];
  if (section.facts.length) {
    out.push('## Facts', '', '| fact | value |', '|---|---|');
    for (const f of section.facts) out.push(`| ${cell(f.label)} | ${cell(String(f.value))}${f.attention ? ' (attention)' : ''} |`);
    out.push('');
  }
  for (const t of section.tables) {
    out.push(`## ${t.title}`, '', `Files: \`${t.name}.csv\`, \`${t.name}.json\` — ${t.rows.length} rows.`, '', t.description, '', provenance(t), '');
    if (t.sampleKey) out.push(`Sample key: \`${t.sampleKey}\`.`, '');
    out.push('| column | meaning |', '|---|---|');
    for (const c of t.columns) out.push(`| \`${c.name}\` | ${cell(c.description)} |`);
    out.push(`| \`${CITES_COLUMN}\` | The ids of the ledger events the row was computed from, separated by spaces (CSV only; the JSON has \`cites\`). |`, '');
  }
  for (const c of section.charts) out.push(`Chart: \`${c.name}.svg\` — ${c.title}.`, '');
  for (const a of section.attachments) out.push(`Attachment: \`${a.name}\` — ${a.description}`, '');
  return out.join('\n');
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/\r?\n/g, ' ');
}

/** The top-level `README.md`. */
export function packageReadme(ctx: EvidenceContext, sections: readonly CriterionSection[], ledger: { size: number; events: number }, sampling: { seed: string } | undefined): string {
  const p = ctx.params;
  const out = [
    `# SOC 2 evidence package — ${ctx.org.name} (${ctx.org.slug})`,
    '',
    `Window: from ${p.from} (inclusive) to ${p.to} (exclusive). Generated ${ctx.generatedAt} by Keyledger from its tamper-evident audit ledger, proven against the signed checkpoint of tree size ${ledger.size}.`,
    '',
    'Every population is complete (not a sample) and comes as CSV and JSON. Every row of a ledger-derived population cites the ledger events it was computed from; those events are embedded in `ledger/events.jsonl` with one batch inclusion proof (`ledger/batch-proof.json`) against the signed checkpoint (`ledger/checkpoint.txt`). `manifest.json` lists the SHA-256 of every other file, and `manifest.sig` signs the manifest with the ledger key.',
    '',
    '## How to verify',
    '',
    'With no database and no network:',
    '',
    '    keyledger evidence verify this-package.zip --key <the published ledger verifier key>',
    '',
    'It checks the manifest signature, every file\'s SHA-256 and size, the checkpoint signature, that each embedded event is canonical JSON whose leaf hash the batch proof covers, that the proof gives the checkpoint\'s root, that every cited event is embedded, that each CSV matches its JSON, that every ledger-derived row recomputes from its cited events, the consistency proof in `log-integrity/` and the samples. Without `--key` it uses `ledger/verifier-key.txt` from the package itself and says the key was not pinned: compare that key with the one the organization published. The checks and how to do them by hand are in Keyledger\'s `docs/evidence-verify.md`.',
    '',
    '## Folders',
    '',
    '| folder | status | result |',
    '|---|---|---|',
    ...sections.map((s) => `| \`${s.id}/\` | ${s.status} | ${cell(s.headline)} |`),
    '| `ledger/` | | the cited events, their batch inclusion proof, the signed checkpoint and the verifier key |',
    ...(sampling ? ['| `samples/` | | samples drawn from the populations (see below) |'] : []),
    '',
    'Each criterion folder has a README explaining its populations column by column.',
    '',
    '## What is and is not recomputed',
    '',
    `${ledger.events} ledger events are embedded. Rows of tables marked "computed from the ledger" are recomputed by the verifier from the events they cite (with the parameters in \`manifest.json\`, such as the deprovisioning SLA); tables marked "configuration at export time" (session, token and lockout settings, role definitions, destination health) record what the configuration was when the package was made and cannot be recomputed from the ledger.`,
    '',
    '## CSV files',
    '',
    'RFC 4180: comma-separated, CRLF line ends, fields with commas, quotes or line breaks in double quotes. The last column, `ledger_event_ids`, lists the cited event ids separated by spaces. A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading `\'` so that spreadsheets do not run it as a formula; the JSON file has the value as it is.',
    '',
    '## Sampling rule',
    '',
    'A sample is re-derivable by anyone: each row of a population is ranked by the lowercase hex SHA-256 of the seed, a newline, and the row\'s sample-key value; the sample is the rows with the smallest ranks. For one key:',
    '',
    '    printf \'%s\\n%s\' "$SEED" "$KEY" | sha256sum',
    '    python3 -c \'import hashlib,sys; print(hashlib.sha256((sys.argv[1]+"\\n"+sys.argv[2]).encode()).hexdigest())\' "$SEED" "$KEY"',
    '    # sort the population by that hex, ascending, and take the first N rows',
    '',
    sampling ? `This package's samples use the seed \`${sampling.seed}\`; \`samples/sampling.json\` lists the sizes and the keys drawn, and \`samples/<criterion>-<table>.csv\` the drawn rows with their rank.` : 'This package carries no samples; the rule above lets an auditor draw their own from any population with a sample key.',
    '',
  ];
  return out.join('\n');
}
