import { apiSend } from '../../api.ts';
import { useApi, useAction } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import { Page, Panel } from '../../components/page.tsx';
import { ErrorNote, Loading } from '../../components/states.tsx';
import { DecisionList, LedgerTrail, type AccessRequest } from './shared.tsx';
import { RequestFacts } from './request-facts.tsx';

/** One request of an organization: the facts, each approver's decision, and the ledger events that prove them. */
export function RequestDetailPage({ params }: { params: Record<string, string> }) {
  const request = useApi<AccessRequest>(`/api/v1/organizations/${params.org}/access-requests/${params.id}`);
  const { error, run } = useAction();
  async function cancel() {
    await run(async () => {
      await apiSend('POST', `/api/v1/organizations/${params.org}/access-requests/${params.id}/cancel`, { reason: 'cancelled in the console' });
      request.reload();
    });
  }
  const r = request.data;
  return (
    <Page
      title="Access request"
      subtitle={<Link to="/access/requests">All requests of the organization</Link>}
      actions={
        r?.status === 'pending' ? (
          <button type="button" className="danger" onClick={() => void cancel()}>
            Cancel the request
          </button>
        ) : null
      }
    >
      <ErrorNote error={error} title="The request was not cancelled" />
      {request.error ? <ErrorNote error={request.error} title="Could not load the request" /> : null}
      {!r && request.loading ? <Loading /> : null}
      {r ? (
        <>
          <Panel title="Request">
            <RequestFacts request={r} />
          </Panel>
          <Panel title="Approval trail">
            <DecisionList request={r} />
          </Panel>
          <Panel title="Ledger events">
            <LedgerTrail target={r.id} action="access." />
          </Panel>
        </>
      ) : null}
    </Page>
  );
}
