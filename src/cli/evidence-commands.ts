import type { Command } from 'commander';
import { oscalComponentDefinition } from '../evidence/oscal.ts';
import { existsSync, readFileSync } from 'node:fs';
import { KeyledgerError } from '../platform/errors.ts';
import { verifyEvidencePackage, type VerifyPackageReport } from '../evidence/package/verify-package.ts';
import { emit, handled } from './output.ts';

/**
 * `keyledger evidence …`: creates the command group and adds `verify`;
 * returns the group so `export` and `push` can be added beside it.
 */
export function evidenceCommands(program: Command): Command {
  const evidence = program.command('evidence').description('SOC 2 evidence packages');
  addEvidenceVerifyCommand(evidence);
  evidence
    .command('oscal')
    .description('print the OSCAL 1.1 component definition of the SOC 2 controls Keyledger implements')
    .action(() => {
      process.stdout.write(JSON.stringify(oscalComponentDefinition(PACKAGE_VERSION, new Date().toISOString()), null, 2) + '\n');
    });
  return evidence;
}

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** A verifier key given inline, as `@file`, or as the path of a file holding it. */
function readKeyOption(value: string): string {
  const path = value.startsWith('@') ? value.slice(1) : existsSync(value) ? value : null;
  return (path === null ? value : readFileSync(path, 'utf8')).trim();
}

function describeReport(file: string, r: VerifyPackageReport): string {
  const lines = [`package ${file}`, `verifier key: ${r.verifierKey ?? '(none usable)'}${r.pinned ? ' (pinned)' : ' (read from the package, NOT pinned: compare it with the published key, or pass --key)'}`];
  for (const c of r.checks) lines.push(`  ${c.result === 'ok' ? 'ok     ' : c.result === 'skipped' ? 'skipped' : 'FAILED '} ${c.title}${c.problems ? ` (${c.problems} problems)` : ''}`);
  lines.push(`${r.counts.files} files, ${r.counts.events} events, ${r.counts.rows} rows (${r.counts.rowsRecomputed} recomputed)` + (r.checkpoint ? `, checkpoint size ${r.checkpoint.size} root ${r.checkpoint.rootHash}` : ''));
  if (r.ok) lines.push('PACKAGE VERIFIED');
  else {
    lines.push('PACKAGE VERIFICATION FAILED:');
    for (const p of r.problems) lines.push(`  ${p.code} ${p.file}${p.row !== undefined ? ` row ${p.row}` : ''}${p.line !== undefined ? ` line ${p.line}` : ''}: ${p.message}`);
    if (r.problemsOmitted) lines.push(`  … and ${r.problemsOmitted} more`);
  }
  return lines.join('\n');
}

/**
 * `keyledger evidence verify FILE.zip [--key KEY_OR_FILE] [--json]`: checks a
 * package offline. Opens no database and reads no configuration, so it runs
 * anywhere the package is. Exit 0 when it verifies, 1 otherwise.
 */
export function addEvidenceVerifyCommand(evidence: Command): void {
  evidence
    .command('verify <file>')
    .description('check an evidence package offline (no database, no network): signatures, file digests, the batch proof, every row recomputed from its events')
    .option('--key <key>', 'the published ledger verifier key, or a file holding it (@file or a path); without it the key inside the package is used and reported as not pinned')
    .option('--json', 'machine-readable output')
    .action(
      handled(async (file: string, opts: { key?: string; json?: boolean }) => {
        let zip: Uint8Array;
        try {
          zip = readFileSync(file);
        } catch (err) {
          throw new KeyledgerError('request.invalid', `cannot read ${file}: ${(err as Error).message}`);
        }
        const report = verifyEvidencePackage(zip, { verifierKey: opts.key === undefined ? undefined : readKeyOption(opts.key) });
        emit(Boolean(opts.json), report, () => describeReport(file, report));
        process.exitCode = report.ok ? 0 : 1;
      }),
    );
}
