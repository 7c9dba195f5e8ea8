import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { cliContext, withRuntime } from './context.ts';
import { emit, handled } from './output.ts';
import { parseSampleOption } from '../evidence/exports/export-request.ts';

/** `keyledger evidence export`: builds an organization's SOC 2 evidence package here and writes the zip. */
export function exportCommand(evidence: Command): void {
  evidence
    .command('export')
    .description('build the SOC 2 evidence package of an organization over a window and write it as a zip')
    .requiredOption('--org <slug>', 'organization slug or id')
    .requiredOption('--from <date>', 'window start, RFC 3339 or YYYY-MM-DD (inclusive)')
    .requiredOption('--to <date>', 'window end, RFC 3339 or YYYY-MM-DD (exclusive)')
    .requiredOption('--out <file>', 'where to write the zip')
    .option('--seed <seed>', 'the auditor’s sampling seed')
    .option('--sample <sizes>', 'sample sizes, e.g. CC6.2/new-users=5,CC6.5/leavers=8,CC6.6/mfa-accounts=10')
    .option('--json', 'machine-readable output')
    .action(
      handled(async (opts: { org: string; from: string; to: string; out: string; seed?: string; sample?: string; json?: boolean }) => {
        const samples = opts.sample ? parseSampleOption(opts.sample) : {};
        let lastPhase = '';
        const { view, zip } = await withRuntime(async (rt) => {
          const v = await rt.evidenceExports.runNow(cliContext(), { org: opts.org, from: opts.from, to: opts.to, seed: opts.seed ?? null, samples }, (phase, done, total) => {
            if (opts.json || !process.stderr.isTTY) {
              if (phase !== lastPhase) process.stderr.write(`${phase}…\n`);
            } else process.stderr.write(`\r${phase} ${done}/${total}   `);
            lastPhase = phase;
          });
          return { view: v, zip: await rt.evidenceExports.packageOf(v.id) };
        });
        writeFileSync(opts.out, zip);
        emit(Boolean(opts.json), { ...view, file: opts.out }, () =>
          [
            `\nwrote ${opts.out} (${zip.byteLength} bytes, sha256 ${view.package!.sha256})`,
            ...view.summary!.map((s) => `  ${s.status === 'pass' ? 'PASS     ' : s.status === 'attention' ? 'ATTENTION' : 'INFO     '} ${s.id}: ${s.headline}`),
            `verify it with: keyledger evidence verify ${opts.out}`,
          ].join('\n'),
        );
      }),
    );
}
