import { useState } from 'react';
import { apiSend } from '../../api.ts';
import { useApi, useAction } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import { Page, Panel } from '../../components/page.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { Field } from '../../components/form.tsx';
import { plural } from '../../format.ts';
import { DecisionList, type AccessRequest } from './shared.tsx';
import { RequestFacts } from './request-facts.tsx';

/** One pending request with the approver's comment and the Approve / Deny buttons. */
function Decide({ request, onDecided }: { request: AccessRequest; onDecided: (r: AccessRequest) => void }) {
  const [comment, setComment] = useState('');
  const { busy, error, reset, run } = useAction();
  const [fieldError, setFieldError] = useState<string | null>(null);
  async function decide(verdict: 'approve' | 'deny') {
    reset();
    if (verdict === 'deny' && !comment.trim()) {
      setFieldError('Say why you deny it: the requester and the record read this.');
      return;
    }
    setFieldError(null);
    await run(async () => onDecided(await apiSend<AccessRequest>('POST', `/api/v1/me/approvals/${request.id}/${verdict}`, verdict === 'deny' ? { comment: comment.trim() } : { comment: comment.trim() || null })));
  }
  return (
    <article className="panel request-card" aria-labelledby={`req-${request.id}`}>
      <h3 id={`req-${request.id}`} className="small muted">
        Request <code>{request.id}</code>
      </h3>
      <RequestFacts request={request} />
      <h4 className="small">Decisions so far</h4>
      <DecisionList request={request} />
      <ErrorNote error={error} title="The decision was not recorded" />
      <form
        className="decision-form"
        onSubmit={(e) => {
          e.preventDefault();
          void decide('approve');
        }}
      >
        <Field label="Comment" hint="Optional when approving; required when denying. Recorded in the ledger." error={fieldError}>
          <textarea value={comment} onChange={(e) => setComment(e.target.value)} maxLength={1000} rows={2} />
        </Field>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Approve
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => void decide('deny')}>
            Deny
          </button>
        </div>
      </form>
    </article>
  );
}

/** Access requests waiting for the signed-in user's decision, across organizations (GET /api/v1/me/approvals). */
export function InboxPage() {
  const inbox = useApi<{ items: AccessRequest[] }>('/api/v1/me/approvals');
  const [decided, setDecided] = useState<AccessRequest[]>([]);
  const done = new Set(decided.map((d) => d.id));
  const waiting = (inbox.data?.items ?? []).filter((r) => !done.has(r.id));
  return (
    <Page title="Approval inbox" subtitle="Access requests waiting for your decision, in every organization you approve for." actions={<button type="button" onClick={inbox.reload}>Refresh</button>}>
      <div role="status" aria-live="polite" className="decided-log">
        {decided.map((r) => (
          <p key={r.id} className={`notice ${r.status === 'denied' ? 'warn' : 'good'}`}>
            Your decision on request <code>{r.id.slice(0, 8)}</code> is recorded: it is now <strong>{r.status}</strong>
            {r.status === 'pending' ? ` (${r.approvals ?? 0} of ${r.approvalsRequired} approvals)` : ''}.{' '}
            <Link to={`/access/requests/${r.orgId}/${r.id}`}>See the request and its ledger trail</Link>
          </p>
        ))}
      </div>
      {inbox.error ? <ErrorNote error={inbox.error} title="Could not load your inbox" /> : null}
      {inbox.loading && !inbox.data ? <Loading /> : null}
      {inbox.data ? (
        <Panel title={`Waiting for you (${plural(waiting.length, 'request')})`} id="waiting">
          {waiting.length === 0 ? (
            <EmptyState title="Nothing waits for your decision">New requests you may approve appear here; you are also told by notification.</EmptyState>
          ) : (
            waiting.map((r) => <Decide key={r.id} request={r} onDecided={(d) => setDecided((list) => [d, ...list])} />)
          )}
        </Panel>
      ) : null}
    </Page>
  );
}
