import { useState } from 'react';
import { Facts, Panel } from '../../components/page.tsx';
import { Badge, ErrorNote, Loading } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { useApi } from '../../hooks.ts';
import type { PublishedLedgerKey } from './ledger-types.ts';
import type { usePinnedKey } from './pinned-key.ts';

type Pinning = ReturnType<typeof usePinnedKey>;

/**
 * The ledger key this browser trusts. The published key is shown to compare
 * against what the operator knows out of band; only a key the user pins here
 * (pasted, or the published one explicitly confirmed) is used to verify.
 */
export function LedgerKeyPanel({ pinning }: { pinning: Pinning }) {
  const published = useApi<PublishedLedgerKey>('/.well-known/keyledger/ledger-key');
  const { pinned, pin, unpin } = pinning;
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);

  async function save(value: string) {
    setProblem(null);
    try {
      await pin(value);
      setDraft('');
      setEditing(false);
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
  }

  const pub = published.data;
  const matches = pinned && pub ? pinned.keyName === pub.keyName && pinned.keyId === pub.keyId : null;
  return (
    <Panel title="Ledger key" id="ledger-key">
      <p className="muted small">
        Checkpoints are signed with an Ed25519 key. Verification here uses the key you pin in this browser, never the one the server offers now: compare the key name
        and key ID with the ones your operator recorded before pinning.
      </p>
      {published.loading ? <Loading label="Reading the published key" /> : null}
      {published.error ? <ErrorNote error={published.error} title="Could not read the published ledger key" /> : null}
      <Facts
        items={[
          ['Published key name', pub ? <code>{pub.keyName}</code> : null],
          ['Published key ID', pub ? <code>{pub.keyId}</code> : null],
          ['Pinned key name', pinned ? <code>{pinned.keyName}</code> : <Badge tone="warn">No key pinned</Badge>],
          ['Pinned key ID', pinned ? <code>{pinned.keyId}</code> : null],
          ['Pinned matches published', matches === null ? null : matches ? <Badge tone="good">Same key</Badge> : <Badge tone="bad">Different key</Badge>],
        ]}
      />
      {pinned && !editing ? (
        <div className="actions ledger-key-actions">
          <button type="button" onClick={() => setEditing(true)}>
            Pin another key
          </button>
          <button type="button" onClick={unpin}>
            Unpin
          </button>
        </div>
      ) : (
        <form
          className="ledger-key-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save(draft);
          }}
        >
          <Field label="Verifier key to trust" hint="The C2SP verifier key: <name>+<key ID>+<base64 key>, as your operator published it." error={problem}>
            <textarea rows={2} value={draft} onChange={(e) => setDraft(e.target.value)} spellCheck={false} />
          </Field>
          <div className="actions">
            <button type="submit" className="primary" disabled={draft.trim() === ''}>
              Pin this key
            </button>
            {pub ? (
              <button type="button" onClick={() => setDraft(pub.verifierKey)}>
                Fill in the published key
              </button>
            ) : null}
            {pinned ? (
              <button type="button" onClick={() => setEditing(false)}>
                Cancel
              </button>
            ) : null}
          </div>
        </form>
      )}
    </Panel>
  );
}
