import { X509Certificate, createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { KeyledgerError } from '../platform/errors.ts';
import type { DestinationKind } from '../platform/schema-stream.ts';
import { isLoopbackUrl } from '../sso/urls.ts';

/**
 * The settings of each destination kind: which fields it takes, which it
 * requires, and the checks they pass before anything is stored. Every refusal
 * is `stream.destination_invalid` with details.field and details.reason.
 */

/** The settings as the API takes them: one flat object, checked per kind. */
export interface ConfigInput {
  url?: string;
  caCertificate?: string;
  batchSize?: number;
  token?: string;
  index?: string;
  sourcetype?: string;
  host?: string;
  port?: number;
  serverName?: string;
  format?: 'ocsf' | 'cef';
  directory?: string;
  maxBytes?: number;
  maxAgeSeconds?: number;
}

export interface FilterInput {
  actionPrefixes?: string[];
  orgIds?: string[];
}

export interface DestinationFilter {
  actionPrefixes: string[];
  orgIds: string[];
}

export const DEFAULT_BATCH_SIZE = 500;

const FIELDS: Record<DestinationKind, { allowed: Array<keyof ConfigInput>; required: Array<keyof ConfigInput> }> = {
  webhook: { allowed: ['url', 'caCertificate', 'batchSize'], required: ['url'] },
  splunk_hec: { allowed: ['url', 'caCertificate', 'batchSize', 'token', 'index', 'sourcetype'], required: ['url', 'token'] },
  syslog_tls: { allowed: ['host', 'port', 'caCertificate', 'serverName', 'format', 'batchSize'], required: ['host', 'port'] },
  jsonl_file: { allowed: ['directory', 'maxBytes', 'maxAgeSeconds', 'batchSize'], required: ['directory'] },
};

function invalid(field: string, reason: string, message: string): KeyledgerError {
  return new KeyledgerError('stream.destination_invalid', message, { field, reason });
}

function checkUrl(value: string): string {
  if (!URL.canParse(value)) throw invalid('config.url', 'not_a_url', `"${value.slice(0, 100)}" is not a URL`);
  const url = new URL(value);
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url)))) {
    throw invalid('config.url', 'not_https', `the URL must be https (http only for 127.0.0.1, ::1 or localhost), got "${url.protocol}//${url.host}"`);
  }
  if (url.username !== '' || url.password !== '') throw invalid('config.url', 'credentials', 'the URL must not carry a user name or password');
  return url.toString();
}

function checkCaCertificate(pem: string): string {
  try {
    new X509Certificate(pem);
  } catch {
    throw invalid('config.caCertificate', 'not_a_certificate', 'caCertificate is not a PEM X.509 certificate');
  }
  return pem;
}

/**
 * Checks the settings for `kind`: only its fields, the required ones present,
 * URLs https, a CA certificate that parses, an absolute folder. Returns the
 * settings to store (never the token) and the token apart.
 */
export function checkDestinationConfig(kind: DestinationKind, input: ConfigInput): { config: Record<string, unknown>; token: string | null } {
  const spec = FIELDS[kind];
  for (const key of Object.keys(input) as Array<keyof ConfigInput>) {
    if (input[key] !== undefined && !spec.allowed.includes(key)) throw invalid(`config.${key}`, 'not_for_kind', `a ${kind} destination takes no "${key}" (it takes ${spec.allowed.join(', ')})`);
  }
  for (const key of spec.required) if (input[key] === undefined) throw invalid(`config.${key}`, 'missing', `a ${kind} destination needs "${key}"`);
  const config: Record<string, unknown> = { batchSize: input.batchSize ?? DEFAULT_BATCH_SIZE };
  if (input.caCertificate !== undefined) config.caCertificate = checkCaCertificate(input.caCertificate);
  switch (kind) {
    case 'webhook':
      config.url = checkUrl(input.url!);
      break;
    case 'splunk_hec':
      config.url = checkUrl(input.url!);
      if (input.index !== undefined) config.index = input.index;
      config.sourcetype = input.sourcetype ?? 'ocsf:keyledger';
      break;
    case 'syslog_tls':
      if (!/^[A-Za-z0-9.-]+$|^\[?[0-9a-fA-F:]+\]?$/.test(input.host!)) throw invalid('config.host', 'not_a_host', `"${input.host}" is not a host name or address`);
      Object.assign(config, { host: input.host, port: input.port, format: input.format ?? 'ocsf' });
      if (input.serverName !== undefined) config.serverName = input.serverName;
      break;
    case 'jsonl_file':
      if (!isAbsolute(input.directory!)) throw invalid('config.directory', 'not_absolute', `the directory must be an absolute path, got "${input.directory}"`);
      Object.assign(config, { directory: input.directory, maxBytes: input.maxBytes ?? 64 * 1024 * 1024, maxAgeSeconds: input.maxAgeSeconds ?? 3600 });
      break;
  }
  return { config, token: input.token ?? null };
}

/** The settings as the ledger and the API show them: the URL without its query, a CA certificate as its SHA-256 fingerprint. */
export function configForView(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  if (typeof out.url === 'string') {
    const url = new URL(out.url);
    out.url = `${url.origin}${url.pathname}`;
  }
  if (typeof out.caCertificate === 'string') {
    out.caCertificate = `sha256:${createHash('sha256').update(new X509Certificate(out.caCertificate).raw).digest('hex')}`;
  }
  return out;
}

/**
 * Checks a filter: organization filters only on deployment destinations (an
 * organization's destination receives its own events only). `resolveOrg`
 * turns an id or slug into an id, or null when there is none.
 */
export async function checkFilter(input: FilterInput | undefined, orgScoped: boolean, resolveOrg: (ref: string) => Promise<string | null>): Promise<DestinationFilter> {
  const actionPrefixes = [...new Set(input?.actionPrefixes ?? [])];
  const orgIds: string[] = [];
  if (input?.orgIds && input.orgIds.length > 0) {
    if (orgScoped) throw invalid('filter.orgIds', 'org_scoped', "an organization's destination receives that organization's events only; filter.orgIds is for deployment destinations");
    for (const ref of input.orgIds) {
      const id = await resolveOrg(ref);
      if (!id) throw invalid('filter.orgIds', 'unknown_organization', `no organization "${ref}"`);
      if (!orgIds.includes(id)) orgIds.push(id);
    }
  }
  return { actionPrefixes, orgIds };
}

/**
 * Whether a destination receives an event: an organization's destination only
 * its organization's events; a deployment destination every event, or those of
 * `filter.orgIds`; then, with `actionPrefixes`, only actions starting with one.
 */
export function destinationReceives(dest: { orgId: string | null; filter: DestinationFilter }, event: { org: string | null; action: string }): boolean {
  if (dest.orgId !== null && event.org !== dest.orgId) return false;
  if (dest.orgId === null && dest.filter.orgIds.length > 0 && (event.org === null || !dest.filter.orgIds.includes(event.org))) return false;
  return dest.filter.actionPrefixes.length === 0 || dest.filter.actionPrefixes.some((p) => event.action.startsWith(p));
}
