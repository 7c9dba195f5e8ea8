import { useState, type FormEvent } from 'react';
import { apiSend, withQuery } from '../../api.ts';
import { useApi, useAction } from '../../hooks.ts';
import { DataTable } from '../../components/table.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { Field, OneTimeSecret } from '../../components/form.tsx';
import { formatDuration } from '../../format.ts';
import { ReasonAction } from './reason-action.tsx';
import { StateBadge, Time } from './shared.tsx';
import { PublicKeyInput, publicKeyBody } from './public-key-input.tsx';
import type { Credential } from './types.ts';

interface Issued {
  credential: Credential;
  secret?: string;
  rotated?: Credential;
}

const OVERLAPS: Array<[number, string]> = [
  [0, 'None: the old one stops now'],
  [300, '5 minutes'],
  [3600, '1 hour'],
  [86_400, '1 day (default)'],
  [604_800, '7 days (longest)'],
];

function age(iso: string): string {
  return formatDuration((Date.now() - Date.parse(iso)) / 1000);
}

function RotateForm({ base, credential, onIssued, onCancel }: { base: string; credential: Credential; onIssued: (i: Issued) => void; onCancel: () => void }) {
  const [overlap, setOverlap] = useState(86_400);
  const [key, setKey] = useState('');
  const { busy, error, run } = useAction();
  const isKey = credential.kind === 'public_key';
  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      onIssued(await apiSend<Issued>('POST', `${base}/${credential.id}/rotate`, { overlapSeconds: overlap, ...(isKey ? publicKeyBody(key) : {}) }));
    });
  }
  return (
    <form onSubmit={submit} aria-label={`Rotate credential ${credential.secretPrefix ?? credential.thumbprint ?? credential.id}`} className="reason-action">
      <ErrorNote error={error} title="The credential was not rotated" />
      {isKey ? (
        <>
          <p className="hint">
            Rotating a key pair: generate a new pair on the client, paste its public half here. Keyledger registers the new key and keeps the old one working for the overlap, then ends it — the same as adding the new key and revoking the old one, without an outage while the client switches.
          </p>
          <PublicKeyInput label="New public key" value={key} onChange={setKey} />
        </>
      ) : null}
      <Field label="Overlap" hint={`How long the old ${isKey ? 'key' : 'secret'} keeps working, so clients can switch without an outage.`}>
        <select value={overlap} onChange={(e) => setOverlap(Number(e.target.value))}>
          {OVERLAPS.map(([s, label]) => (
            <option key={s} value={s}>
              {label}
            </option>
          ))}
        </select>
      </Field>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Rotate now
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A service account's credentials: age, expiry, last use; add a client secret (shown once) or a public key, rotate either with an overlap, revoke. */
export function CredentialsPanel({ orgId, serviceAccountId, disabled }: { orgId: string; serviceAccountId: string; disabled: boolean }) {
  const base = `/api/v1/organizations/${orgId}/service-accounts/${serviceAccountId}/credentials`;
  const creds = useApi<{ items: Credential[] }>(base);
  const [rotating, setRotating] = useState<string | null>(null);
  const [issued, setIssued] = useState<Issued | null>(null);
  const { error, run: perform } = useAction();
  const shown = (i: Issued) => {
    setIssued(i);
    setRotating(null);
    creds.reload();
  };
  const [addingKey, setAddingKey] = useState(false);
  const [keyText, setKeyText] = useState('');
  async function addKey(e: FormEvent) {
    e.preventDefault();
    await perform(async () => {
      shown(await apiSend<Issued>('POST', base, { kind: 'public_key', ...publicKeyBody(keyText) }));
      setAddingKey(false);
      setKeyText('');
    });
  }
  async function addSecret() {
    await perform(async () => {
      shown(await apiSend<Issued>('POST', base, { kind: 'secret' }));
    });
  }
  if (creds.error) return <ErrorNote error={creds.error} title="Could not load the credentials" />;
  if (!creds.data) return <Loading />;
  return (
    <>
      {issued?.secret ? (
        <>
          <OneTimeSecret label="New client secret" value={issued.secret} onDone={() => setIssued(null)} />
          {issued.rotated ? (
            <p className="notice info" role="status">
              The old secret <code>{issued.rotated.secretPrefix}…</code> keeps working until <Time value={issued.rotated.expiresAt} />, then stops.
            </p>
          ) : null}
        </>
      ) : null}
      <ErrorNote error={error} title="No credential was added" />
      {!disabled ? (
        <div className="actions">
          <button type="button" onClick={() => void addSecret()}>
            Add client secret
          </button>
          <button type="button" onClick={() => setAddingKey((a) => !a)} aria-expanded={addingKey}>
            {addingKey ? 'Cancel public key' : 'Add public key'}
          </button>
        </div>
      ) : null}
      {addingKey && !disabled ? (
        <form onSubmit={addKey} aria-label="Add public key" className="reason-action">
          <p className="hint">
            For <code>private_key_jwt</code>: the client signs its token requests with the private key, which never leaves it. To replace a key later, use its Rotate button (or add the new key here, move the client to it, then revoke the old one).
          </p>
          <PublicKeyInput label="Public key" value={keyText} onChange={setKeyText} />
          <button type="submit" className="primary">
            Register public key
          </button>
        </form>
      ) : null}
      {issued && !issued.secret ? (
        <p className="notice good" role="status">
          Registered public key {issued.credential.alg} <code>{issued.credential.thumbprint}</code>
          {issued.rotated ? <>; the old key keeps working until <Time value={issued.rotated.expiresAt} />, then stops.</> : '.'}
        </p>
      ) : null}
      <DataTable
        caption="Credentials"
        rows={creds.data.items}
        rowKey={(c) => c.id}
        empty={<EmptyState title="No credentials">Add a client secret so the account can request tokens.</EmptyState>}
        columns={[
          { header: 'Credential', cell: (c) => (c.kind === 'secret' ? <code>{c.secretPrefix}…</code> : <span title={c.thumbprint ?? ''}>public key {c.alg}</span>) },
          { header: 'State', cell: (c) => <StateBadge state={c.status} /> },
          { header: 'Age', cell: (c) => <span title={c.createdAt}>{age(c.createdAt)}</span> },
          { header: 'Expires', cell: (c) => <Time value={c.expiresAt} /> },
          { header: 'Last used', cell: (c) => (c.lastUsedAt ? <><Time value={c.lastUsedAt} /> {c.lastUsedIp ? `from ${c.lastUsedIp}` : ''}</> : 'never') },
          { header: 'Rotation', cell: (c) => (c.replacedById ? 'replaced' : c.rotatedFromId ? 'rotated in' : '—') },
          {
            header: 'Actions',
            cell: (c) =>
              c.status !== 'active' ? null : rotating === c.id ? (
                <RotateForm base={base} credential={c} onIssued={shown} onCancel={() => setRotating(null)} />
              ) : (
                <div className="actions">
                  {!c.replacedById ? (
                    <button type="button" onClick={() => setRotating(c.id)}>
                      Rotate
                    </button>
                  ) : null}
                  <ReasonAction label="Revoke" confirmLabel="Revoke credential" danger run={(reason) => apiSend('DELETE', withQuery(`${base}/${c.id}`, { reason }))} onDone={creds.reload} />
                </div>
              ),
          },
        ]}
      />
    </>
  );
}
