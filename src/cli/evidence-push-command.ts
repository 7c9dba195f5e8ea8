import type { Command } from 'commander';
import { KeyledgerError } from '../platform/errors.ts';
import { emit, handled } from './output.ts';
import { withRuntime } from './context.ts';
import { pushCompliance, type PushResult } from '../evidence/compliance/push.ts';
import { COMPLIANCE_DATASETS } from '../evidence/compliance/views.ts';

/** The value of the environment variable `name`, refused when unset or empty (a token never travels on the command line). */
export function secretFromEnv(name: string | undefined, field: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (name === undefined) return null;
  const value = env[name];
  if (!value) throw new KeyledgerError('evidence.push_options_invalid', `${field} names the environment variable ${name}, which is unset or empty`, { field });
  return value;
}

function summary(r: PushResult, url: string): string {
  const lines = r.datasets.map((d) => `  ${d.dataset.padEnd(17)} ${String(d.records).padStart(7)} records in ${d.batches} batch${d.batches === 1 ? '' : 'es'}`);
  return [`pushed ${r.org.slug} to ${url} (push ${r.pushId})`, ...lines].join('\n');
}

/**
 * `keyledger evidence push`: sends the compliance datasets of an organization to a receiver
 * (the customer's connector to Vanta, Drata or another GRC platform). Wired into the
 * `evidence` command group by src/cli/evidence-commands.ts.
 */
export function pushCommand(evidence: Command): void {
  evidence
    .command('push')
    .description('POST the compliance datasets of an organization to <url>/<dataset> as JSON batches of at most 500 records')
    .requiredOption('--org <slug>', 'organization slug or id')
    .requiredOption('--url <url>', 'receiver base URL (https; http only to localhost)')
    .option('--token-env <name>', 'environment variable holding the bearer token sent as Authorization: Bearer …')
    .option('--secret-env <name>', 'environment variable holding the secret that signs each body (Keyledger-Signature: t=…,v1=HMAC-SHA256)')
    .option('--datasets <list>', `comma-separated, some of ${COMPLIANCE_DATASETS.join(',')} (default: all)`)
    .option('--from <time>', 'deprovisioning: terminations at or after this time (RFC 3339)')
    .option('--to <time>', 'deprovisioning: terminations before this time (RFC 3339)')
    .option('--json', 'print the counts as JSON')
    .action(
      handled(async (opts: { org: string; url: string; tokenEnv?: string; secretEnv?: string; datasets?: string; from?: string; to?: string; json?: boolean }) => {
        const token = secretFromEnv(opts.tokenEnv, '--token-env');
        const secret = secretFromEnv(opts.secretEnv, '--secret-env');
        const datasets = opts.datasets?.split(',').map((d) => d.trim()).filter((d) => d.length > 0);
        const result = await withRuntime((rt) => pushCompliance(rt, { org: opts.org, url: opts.url, token, secret, datasets, from: opts.from, to: opts.to }));
        emit(Boolean(opts.json), result, () => summary(result, opts.url));
      }),
    );
}
