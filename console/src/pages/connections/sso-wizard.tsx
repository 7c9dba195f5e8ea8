import { useState } from 'react';
import { apiSend } from '../../api.ts';
import { Facts, Page, Panel } from '../../components/page.tsx';
import { EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { useApi, useAction } from '../../hooks.ts';
import { Link, setSearch, useLocation } from '../../router.tsx';
import { CopyValue, StatusBadge, useOrgApi, WizardSteps, type SsoConnection } from './shared.tsx';
import { DomainsPanel } from './sso-domains.tsx';
import { IdpSettingsForm } from './sso-wizard-idp.tsx';
import { SpValues } from './sso-sp-values.tsx';
import { TestsPanel } from './sso-tests.tsx';

const STEPS = ['Protocol', 'Identity provider', 'Domains', 'Test and enable'];

/**
 * The SSO setup wizard. Where it is lives in the URL (?step, ?type,
 * ?connection), so a reload or a shared link comes back to the same step.
 */
export function SsoWizardPage() {
  const orgApi = useOrgApi();
  const { search } = useLocation();
  const step = Math.min(4, Math.max(1, Number(search.get('step') ?? '1') || 1));
  const type = search.get('type') === 'oidc' ? 'oidc' : 'saml';
  const connectionId = search.get('connection');
  const go = (changes: Record<string, string | null>) => setSearch(changes);

  return (
    <Page title="Set up single sign-on" subtitle="Connect the organization’s identity provider in four steps.">
      <WizardSteps current={step} steps={STEPS} />
      {!orgApi ? <Loading /> : null}
      {orgApi && step === 1 ? <ChooseProtocol type={type} onNext={(t) => go({ type: t, step: '2', connection: null })} /> : null}
      {orgApi && step === 2 && !connectionId ? (
        <Panel title={`Step 2: ${type === 'saml' ? 'SAML 2.0' : 'OpenID Connect'} identity provider`}>
          <IdpSettingsForm orgApi={orgApi} type={type} onCreated={(c) => go({ connection: c.id, step: '2' })} />
          <p>
            <button type="button" onClick={() => go({ step: '1' })}>
              Back
            </button>
          </p>
        </Panel>
      ) : null}
      {orgApi && connectionId && step >= 2 ? <ConnectionSteps orgApi={orgApi} id={connectionId} step={step} go={go} /> : null}
      {orgApi && step > 2 && !connectionId ? (
        <EmptyState title="No connection chosen">
          <Link to="/connections/sso/new">Start again at step 1</Link>.
        </EmptyState>
      ) : null}
    </Page>
  );
}

function ChooseProtocol({ type, onNext }: { type: 'saml' | 'oidc'; onNext: (t: 'saml' | 'oidc') => void }) {
  const [chosen, setChosen] = useState<'saml' | 'oidc'>(type);
  return (
    <Panel title="Step 1: Choose the protocol">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onNext(chosen);
        }}
      >
        <fieldset className="choice">
          <legend>Protocol the identity provider speaks</legend>
          <label>
            <input type="radio" name="protocol" checked={chosen === 'saml'} onChange={() => setChosen('saml')} />
            <span>
              <strong>SAML 2.0</strong> <span className="muted small">Okta, Entra ID, Google Workspace, ADFS: you need the IdP metadata XML.</span>
            </span>
          </label>
          <label>
            <input type="radio" name="protocol" checked={chosen === 'oidc'} onChange={() => setChosen('oidc')} />
            <span>
              <strong>OpenID Connect</strong> <span className="muted small">You need the issuer URL, a client id and its secret.</span>
            </span>
          </label>
        </fieldset>
        <button type="submit" className="primary">
          Continue
        </button>
      </form>
    </Panel>
  );
}

/** Steps 2 (created: the SP values), 3 (domains) and 4 (test and enable) of a connection that exists. */
function ConnectionSteps({ orgApi, id, step, go }: { orgApi: string; id: string; step: number; go: (c: Record<string, string | null>) => void }) {
  const conn = useApi<SsoConnection>(`${orgApi}/sso-connections/${id}`);
  const { error, run } = useAction();
  if (conn.error) return <ErrorNote error={conn.error} title="Could not load the connection" />;
  if (!conn.data) return <Loading />;
  const c = conn.data;

  async function setStatus(status: 'active' | 'disabled') {
    await run(async () => {
      await apiSend('PATCH', `${orgApi}/sso-connections/${id}`, { status });
      conn.reload();
    });
  }

  return (
    <>
      {step === 2 ? (
        <Panel title="Step 2: Give these values to the identity provider">
          <p role="status">
            Connection <strong>{c.name}</strong> created.
          </p>
          <SpValues connection={c} />
          <button type="button" className="primary" onClick={() => go({ step: '3' })}>
            Continue to domains
          </button>
        </Panel>
      ) : null}
      {step === 3 ? (
        <>
          <DomainsPanel orgApi={orgApi} />
          <div className="actions">
            <button type="button" onClick={() => go({ step: '2' })}>
              Back
            </button>
            <button type="button" className="primary" onClick={() => go({ step: '4' })}>
              Continue to test and enable
            </button>
          </div>
        </>
      ) : null}
      {step === 4 ? (
        <>
          <Panel title="Step 4: Test and enable">
            <Facts
              items={[
                ['Connection', <Link key="c" to={`/connections/sso/${c.id}`}>{c.name}</Link>],
                ['Status', <StatusBadge key="s" status={c.status} />],
                ['Sign-in link', <CopyValue key="l" label="Sign-in link" value={c.loginUrl} />],
              ]}
            />
            <p className="muted small">
              “Test connection” below runs a test sign-in at the identity provider (nobody is signed in, no account is created); the result page links back to the connection, which lists the results. The sign-in link above signs a person in for real (it is not a test).
            </p>
            <ErrorNote error={error} title="The status did not change" />
            <div className="actions">
              {c.status === 'active' ? (
                <button type="button" onClick={() => void setStatus('disabled')}>
                  Disable connection
                </button>
              ) : (
                <button type="button" className="primary" onClick={() => void setStatus('active')}>
                  Enable connection
                </button>
              )}
              <Link to={`/connections/sso/${c.id}`} className="button">
                Finish: open the connection
              </Link>
            </div>
          </Panel>
          <TestsPanel orgApi={orgApi} connectionId={c.id} />
        </>
      ) : null}
    </>
  );
}
