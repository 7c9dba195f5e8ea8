import { useState } from 'react';
import { Page, Panel } from '../../components/page.tsx';
import { OneTimeSecret } from '../../components/form.tsx';
import { apiSend } from '../../api.ts';
import { useAction } from '../../hooks.ts';
import { Link, navigate } from '../../router.tsx';
import type { Destination } from './monitoring-types.ts';
import { DestinationForm, EMPTY, createBody, type DestinationValues } from './siem-form.tsx';
import { SIEM_API } from './siem-page.tsx';

/**
 * A new SIEM destination. A webhook's signing secret comes back once, in
 * the create answer: it is shown here until the user says it is saved, then
 * forgotten. Other kinds go straight to their page.
 */
export function SiemNewPage() {
  const { busy, error, run } = useAction();
  const [created, setCreated] = useState<{ destination: Destination; secret: string } | null>(null);

  async function create(v: DestinationValues) {
    await run(async () => {
      const answer = await apiSend<{ destination: Destination; secret: string | null }>('POST', SIEM_API, createBody(v));
      if (answer.secret) setCreated({ destination: answer.destination, secret: answer.secret });
      else navigate(`/monitoring/siem/${answer.destination.id}`);
    });
  }

  if (created) {
    const page = `/monitoring/siem/${created.destination.id}`;
    return (
      <Page title={`Created ${created.destination.name}`} actions={<Link to={page}>Open the destination</Link>}>
        <OneTimeSecret label="Webhook signing secret" value={created.secret} onDone={() => navigate(page)} />
        <p className="muted">
          Every batch is POSTed with <code>Keyledger-Signature: t=&lt;unix time&gt;,v1=&lt;hex HMAC-SHA256(secret, t + "." + body)&gt;</code>; the receiver
          recomputes it with this secret and refuses what does not match. Delivery starts from the ledger head as it was at creation.
        </p>
      </Page>
    );
  }
  return (
    <Page title="Add a SIEM destination" subtitle="Where Keyledger streams its ledger: each event once or more (deduplicate by event id), in ledger order." actions={<Link to="/monitoring/siem">All destinations</Link>}>
      <Panel title="Destination">
        <DestinationForm initial={EMPTY} editing={false} submitLabel="Create destination" error={error} busy={busy} onSubmit={(v) => void create(v)} onCancel={() => navigate('/monitoring/siem')} />
      </Panel>
    </Page>
  );
}
