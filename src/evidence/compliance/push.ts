import { KeyledgerError } from '../../platform/errors.ts';
import type { Runtime } from '../../runtime.ts';
import { isLoopbackUrl } from '../../sso/urls.ts';
import { signatureHeader } from '../../notify/webhooks.ts';
import type { DatasetOptions } from './service.ts';
import { COMPLIANCE_DATASETS, type ComplianceDataset } from './views.ts';

/** The most records one POST carries. */
export const MAX_PUSH_BATCH = 500;
/** Retries of one batch after a 5xx, a 429 or a network error (so at most 5 attempts). */
export const DEFAULT_PUSH_RETRIES = 4;
/** The first retry waits this long, each next one twice as long, never more than `MAX_BACKOFF_MS`. */
export const DEFAULT_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;

export interface PushOptions extends DatasetOptions {
  /** Organization id or slug. */
  org: string;
  /** The receiver's base URL; each dataset goes to `<url>/<dataset>`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` when given. */
  token?: string | null;
  /** Signs every body (`Keyledger-Signature: t=…,v1=<HMAC-SHA256>`) when given. */
  secret?: string | null;
  /** Default: every dataset, in the order of COMPLIANCE_DATASETS. */
  datasets?: readonly string[];
  /** Records per POST, 1..500 (default 500). */
  batchSize?: number;
  retries?: number;
  backoffMs?: number;
}

export interface PushedDataset {
  dataset: ComplianceDataset;
  records: number;
  batches: number;
}

export interface PushResult {
  pushId: string;
  org: { id: string; slug: string };
  datasets: PushedDataset[];
}

/**
 * Checks the receiver URL: https (plain http only to 127.0.0.1, ::1 or localhost, for
 * development), without a user name or password (they would end up in logs; the token and
 * the signature authenticate). Throws `evidence.push_options_invalid`.
 */
export function checkPushUrl(value: string): URL {
  if (!URL.canParse(value)) throw new KeyledgerError('evidence.push_options_invalid', `--url "${value.slice(0, 100)}" is not a URL`, { field: 'url' });
  const url = new URL(value);
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url)))) {
    throw new KeyledgerError('evidence.push_options_invalid', `--url must be https (http only for 127.0.0.1, ::1 or localhost), got "${url.protocol}//${url.host}"`, { field: 'url' });
  }
  if (url.username !== '' || url.password !== '') throw new KeyledgerError('evidence.push_options_invalid', '--url must not carry a user name or password; use --token-env', { field: 'url' });
  return url;
}

/** The dataset names asked for, checked against the catalogue (default: all). Throws `evidence.push_options_invalid`. */
export function checkDatasets(names: readonly string[] | undefined): ComplianceDataset[] {
  if (!names || names.length === 0) return [...COMPLIANCE_DATASETS];
  const unknown = names.filter((n) => !(COMPLIANCE_DATASETS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new KeyledgerError('evidence.push_options_invalid', `unknown dataset(s) ${unknown.map((n) => `"${n}"`).join(', ')}; expected some of ${COMPLIANCE_DATASETS.join(', ')}`, { field: 'datasets' });
  return [...new Set(names)] as ComplianceDataset[];
}

/** `<base>/<dataset>`, keeping the base's query string. */
function datasetUrl(base: URL, dataset: ComplianceDataset): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${dataset}`;
  return url.toString();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads each dataset of an organization through the compliance service (the same functions
 * as the API) and POSTs it to `<url>/<dataset>` as JSON batches of at most 500 records:
 * `{ pushId, dataset, org, generatedAt, batch, last, records }`, with `Idempotency-Key:
 * <pushId>:<dataset>:<batch>`. A dataset with no records is sent as one empty last batch, so
 * the receiver learns that it is empty. A 5xx, a 429 or a network error is retried with
 * exponential backoff (bounded); a 4xx stops the push (`evidence.push_refused`), and so do
 * exhausted retries (`evidence.push_failed`). Nothing is recorded in the ledger: a push only reads.
 */
export async function pushCompliance(rt: Pick<Runtime, 'compliance' | 'identity' | 'clock' | 'newId'>, options: PushOptions): Promise<PushResult> {
  const base = checkPushUrl(options.url);
  const datasets = checkDatasets(options.datasets);
  const batchSize = options.batchSize ?? MAX_PUSH_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_PUSH_BATCH) throw new KeyledgerError('evidence.push_options_invalid', `batch size must be 1..${MAX_PUSH_BATCH}, got ${batchSize}`, { field: 'batchSize' });
  for (const [field, value] of [['from', options.from], ['to', options.to], ['since', options.since]] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(value))) throw new KeyledgerError('evidence.push_options_invalid', `--${field} "${value.slice(0, 60)}" is not an RFC 3339 time`, { field });
  }
  const retries = options.retries ?? DEFAULT_PUSH_RETRIES;
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const org = await rt.identity.requireOrg(options.org);
  const pushId = rt.newId();
  const result: PushResult = { pushId, org: { id: org.id, slug: org.slug }, datasets: [] };

  async function post(dataset: ComplianceDataset, batch: number, body: string): Promise<void> {
    const target = datasetUrl(base, dataset);
    let lastProblem = '';
    for (let attempt = 1; attempt <= retries + 1; attempt++) {
      if (attempt > 1) await sleep(Math.min(backoffMs * 2 ** (attempt - 2), MAX_BACKOFF_MS));
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Keyledger-Evidence-Push/1', 'idempotency-key': `${pushId}:${dataset}:${batch}` };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.secret) headers['keyledger-signature'] = signatureHeader(options.secret, Math.floor(rt.clock.now().getTime() / 1000), body);
      let res: Response;
      try {
        res = await fetch(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), redirect: 'error' });
      } catch (err) {
        lastProblem = `network error: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`;
        continue;
      }
      const text = (await res.text().catch(() => '')).slice(0, 200);
      if (res.ok) return;
      if (res.status >= 500 || res.status === 429) {
        lastProblem = `HTTP ${res.status}`;
        continue;
      }
      throw new KeyledgerError('evidence.push_refused', `the receiver refused batch ${batch} of ${dataset} with HTTP ${res.status}${text ? `: ${text}` : ''}`, { status: res.status, dataset, batch });
    }
    throw new KeyledgerError('evidence.push_failed', `batch ${batch} of ${dataset} failed ${retries + 1} times (last: ${lastProblem})`, { dataset, batch, attempts: retries + 1 });
  }

  for (const dataset of datasets) {
    const pushed: PushedDataset = { dataset, records: 0, batches: 0 };
    let cursor: string | undefined;
    do {
      const page = await rt.compliance.listDataset(dataset, org.id, options, { limit: batchSize, cursor });
      cursor = page.nextCursor ?? undefined;
      const body = JSON.stringify({ pushId, dataset, org: result.org, generatedAt: rt.clock.now().toISOString(), batch: pushed.batches, last: cursor === undefined, records: page.items });
      await post(dataset, pushed.batches, body);
      pushed.batches++;
      pushed.records += page.items.length;
    } while (cursor);
    result.datasets.push(pushed);
  }
  return result;
}
