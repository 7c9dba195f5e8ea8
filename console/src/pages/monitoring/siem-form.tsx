import { useState, type FormEvent } from 'react';
import { Field } from '../../components/form.tsx';
import { ErrorNote } from '../../components/states.tsx';
import { useOrg } from '../../org-context.tsx';
import type { Destination } from './monitoring-types.ts';
import { OrgSelect } from '../../components/org-select.tsx';

export const KINDS = ['webhook', 'splunk_hec', 'syslog_tls', 'jsonl_file'] as const;
export type Kind = (typeof KINDS)[number];
export const KIND_LABELS: Record<Kind, string> = { webhook: 'HTTPS webhook (HMAC-signed)', splunk_hec: 'Splunk HTTP Event Collector', syslog_tls: 'Syslog over TLS (RFC 5425)', jsonl_file: 'JSONL files' };

/** The form's values: text inputs as strings; empty means "not set" (or, when editing, "keep"). */
export interface DestinationValues {
  name: string;
  kind: Kind;
  orgId: string;
  url: string;
  caCertificate: string;
  token: string;
  index: string;
  sourcetype: string;
  host: string;
  port: string;
  serverName: string;
  format: string;
  directory: string;
  maxBytes: string;
  maxAgeSeconds: string;
  batchSize: string;
  actionPrefixes: string;
  orgIds: string[];
}

/** Which settings each kind takes (as the API checks them: stream.destination_invalid otherwise). */
const FIELDS: Record<Kind, Array<keyof DestinationValues>> = {
  webhook: ['url', 'caCertificate', 'batchSize'],
  splunk_hec: ['url', 'token', 'index', 'sourcetype', 'caCertificate', 'batchSize'],
  syslog_tls: ['host', 'port', 'serverName', 'format', 'caCertificate', 'batchSize'],
  jsonl_file: ['directory', 'maxBytes', 'maxAgeSeconds', 'batchSize'],
};
const NUMBERS = new Set<keyof DestinationValues>(['port', 'batchSize', 'maxBytes', 'maxAgeSeconds']);

export const EMPTY: DestinationValues = { name: '', kind: 'webhook', orgId: '', url: '', caCertificate: '', token: '', index: '', sourcetype: '', host: '', port: '6514', serverName: '', format: 'ocsf', directory: '', maxBytes: '', maxAgeSeconds: '', batchSize: '', actionPrefixes: '', orgIds: [] };

/** The values of an existing destination, for editing. Secrets (token, CA PEM) are never shown: blank keeps them. */
export function valuesOf(d: Destination): DestinationValues {
  const c = d.config;
  const str = (k: string) => (c[k] === undefined || c[k] === null ? '' : String(c[k]));
  return { ...EMPTY, name: d.name, kind: d.kind as Kind, orgId: d.orgId ?? '', url: str('url'), index: str('index'), sourcetype: str('sourcetype'), host: str('host'), port: str('port'), serverName: str('serverName'), format: str('format') || 'ocsf', directory: str('directory'), maxBytes: str('maxBytes'), maxAgeSeconds: str('maxAgeSeconds'), batchSize: str('batchSize'), actionPrefixes: d.filter.actionPrefixes.join(' '), orgIds: d.filter.orgIds };
}

const prefixes = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** The settings the kind takes, from the values; with `initial`, only those the user changed (PATCH merges them). */
function configOf(v: DestinationValues, initial?: DestinationValues): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const key of FIELDS[v.kind]) {
    const value = v[key] as string;
    if (value.trim() === '' || (initial && value === initial[key])) continue;
    config[key] = NUMBERS.has(key) ? Number(value) : value;
  }
  return config;
}

/** POST /api/v1/siem-destinations body. */
export function createBody(v: DestinationValues): Record<string, unknown> {
  return {
    name: v.name.trim(),
    kind: v.kind,
    orgId: v.orgId || null,
    config: configOf(v),
    filter: { actionPrefixes: prefixes(v.actionPrefixes), ...(v.orgId ? {} : { orgIds: v.orgIds }) },
  };
}

/** PATCH /api/v1/siem-destinations/{id} body: only what changed; null when nothing did. */
export function patchBody(v: DestinationValues, initial: DestinationValues): Record<string, unknown> | null {
  const body: Record<string, unknown> = {};
  if (v.name.trim() !== initial.name) body.name = v.name.trim();
  const config = configOf(v, initial);
  if (Object.keys(config).length > 0) body.config = config;
  const sameFilter = prefixes(v.actionPrefixes).join(' ') === prefixes(initial.actionPrefixes).join(' ') && [...v.orgIds].sort().join() === [...initial.orgIds].sort().join();
  if (!sameFilter) body.filter = { actionPrefixes: prefixes(v.actionPrefixes), ...(v.orgId ? {} : { orgIds: v.orgIds }) };
  return Object.keys(body).length > 0 ? body : null;
}

/**
 * The create/edit form of a destination: name, kind (fixed when editing),
 * scope, the settings of that kind, and the filter (action prefixes, and
 * organizations for a deployment destination).
 */
export function DestinationForm({ initial, editing, submitLabel, error, busy, onSubmit, onCancel }: { initial: DestinationValues; editing: boolean; submitLabel: string; error: unknown; busy: boolean; onSubmit: (v: DestinationValues) => void; onCancel?: () => void }) {
  const { orgs } = useOrg();
  const [v, setV] = useState<DestinationValues>(initial);
  const set = (patch: Partial<DestinationValues>) => setV((old) => ({ ...old, ...patch }));
  const text = (key: keyof DestinationValues) => ({ value: v[key] as string, onChange: (e: { target: { value: string } }) => set({ [key]: e.target.value }) });
  const takes = (key: keyof DestinationValues) => FIELDS[v.kind].includes(key);
  const keep = editing ? ' Leave blank to keep the one stored.' : '';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(v);
  };
  return (
    <form onSubmit={submit} aria-label={submitLabel}>
      <ErrorNote error={error} title="The destination was not saved" />
      <div className="grid">
        <Field label="Name">
          <input {...text('name')} required maxLength={100} />
        </Field>
        <Field label="Kind" hint={editing ? 'The kind of a destination cannot change; create another one instead.' : undefined}>
          <select value={v.kind} onChange={(e) => set({ kind: e.target.value as Kind })} disabled={editing}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </Field>
        <OrgSelect label="Scope" hint={editing ? 'The scope cannot change.' : "An organization's destination receives that organization's events only."} value={v.orgId} onChange={(orgId) => set({ orgId })} none="Whole deployment" disabled={editing} />
      </div>
      <fieldset>
        <legend>Settings for {KIND_LABELS[v.kind]}</legend>
        <div className="grid">
          {takes('url') ? (
            <Field label="URL" hint={v.kind === 'splunk_hec' ? 'The HEC base URL, https.' : 'https (plain http only to 127.0.0.1, ::1 or localhost).'}>
              <input type="url" {...text('url')} required={!editing} maxLength={2048} spellCheck={false} />
            </Field>
          ) : null}
          {takes('token') ? (
            <Field label="HEC token" hint={`Stored encrypted; never shown again.${keep}`}>
              <input type="password" {...text('token')} required={!editing} maxLength={500} autoComplete="off" />
            </Field>
          ) : null}
          {takes('index') ? (
            <Field label="Index" hint="Optional; the HEC token's default index otherwise.">
              <input {...text('index')} pattern="[A-Za-z0-9_\-]{1,80}" />
            </Field>
          ) : null}
          {takes('sourcetype') ? (
            <Field label="Source type" hint="Default ocsf:keyledger.">
              <input {...text('sourcetype')} pattern="[A-Za-z0-9_:.\-]{1,80}" />
            </Field>
          ) : null}
          {takes('host') ? (
            <Field label="Host" hint="The syslog receiver's host name or address.">
              <input {...text('host')} required={!editing} maxLength={253} spellCheck={false} />
            </Field>
          ) : null}
          {takes('port') ? (
            <Field label="Port">
              <input type="number" min={1} max={65535} {...text('port')} required={!editing} />
            </Field>
          ) : null}
          {takes('serverName') ? (
            <Field label="Server name" hint="The name the receiver's certificate must carry, when it is not the host.">
              <input {...text('serverName')} maxLength={253} spellCheck={false} />
            </Field>
          ) : null}
          {takes('format') ? (
            <Field label="Format">
              <select {...text('format')}>
                <option value="ocsf">OCSF JSON</option>
                <option value="cef">CEF</option>
              </select>
            </Field>
          ) : null}
          {takes('directory') ? (
            <Field label="Directory" hint="An absolute folder on the Keyledger server.">
              <input {...text('directory')} required={!editing} maxLength={1024} spellCheck={false} />
            </Field>
          ) : null}
          {takes('maxBytes') ? (
            <Field label="Rotate after bytes" hint="Default 64 MiB.">
              <input type="number" min={1024} {...text('maxBytes')} />
            </Field>
          ) : null}
          {takes('maxAgeSeconds') ? (
            <Field label="Rotate after seconds" hint="Default 3600.">
              <input type="number" min={1} max={604800} {...text('maxAgeSeconds')} />
            </Field>
          ) : null}
          {takes('batchSize') ? (
            <Field label="Batch size" hint="Events per delivery; default 500.">
              <input type="number" min={1} max={5000} {...text('batchSize')} />
            </Field>
          ) : null}
        </div>
        {takes('caCertificate') ? (
          <Field label="CA certificate (PEM)" hint={`Only for a receiver behind a private CA: its certificate must chain to this one. The receiver's certificate is always verified.${keep}`}>
            <textarea rows={4} {...text('caCertificate')} spellCheck={false} placeholder="-----BEGIN CERTIFICATE-----" />
          </Field>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>Which events</legend>
        <Field label="Action prefixes" hint='Only actions starting with one of these, separated by spaces or commas (e.g. "authn. access.assignment."). Empty: every action.'>
          <input {...text('actionPrefixes')} spellCheck={false} />
        </Field>
        {v.orgId === '' && orgs.length > 0 ? (
          <fieldset className="siem-orgs">
            <legend>Organizations</legend>
            <p className="hint">Only the events of the ticked organizations; none ticked: every organization and deployment-level events.</p>
            {orgs.map((o) => (
              <label key={o.id}>
                <input type="checkbox" checked={v.orgIds.includes(o.id)} onChange={(e) => set({ orgIds: e.target.checked ? [...v.orgIds, o.id] : v.orgIds.filter((x) => x !== o.id) })} /> {o.name}
              </label>
            ))}
          </fieldset>
        ) : null}
      </fieldset>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !v.name.trim()}>
          {submitLabel}
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
