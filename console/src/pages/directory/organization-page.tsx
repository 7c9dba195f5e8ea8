import { useApi, usePaged } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import { useOrg, type Organization } from '../../org-context.tsx';
import { Facts, Page, Panel } from '../../components/page.tsx';
import { DataTable, PagedTable } from '../../components/table.tsx';
import { Badge, EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { LedgerHistory, Time, UserStatusBadge } from './shared.tsx';
import type { User } from './types.ts';

interface AuthnPolicy {
  passwordPolicy: { minLength: number; maxLength: number; mfaRequired: boolean };
  sessionPolicy: { idleTimeoutMinutes: number; absoluteTimeoutHours: number };
  mfaPolicy: string;
  mfaGracePeriodDays: number;
  stepUpFreshnessMinutes: number;
  roleMfaPolicies: Array<{ roleKey: string; mfaPolicy: string }>;
}

/** Settings shown by the policy panel; the others are listed as stored. */
const POLICY_KEYS = new Set(['mfaPolicy', 'mfaGracePeriodDays', 'stepUpFreshnessMinutes', 'passwordPolicy', 'sessionPolicy']);

function PolicyPanel({ orgId }: { orgId: string }) {
  const policy = useApi<AuthnPolicy>(`/api/v1/organizations/${orgId}/authn-policy`);
  if (policy.error) return <ErrorNote error={policy.error} title="Could not load the sign-in policy" />;
  const p = policy.data;
  if (!p) return <Loading />;
  return (
    <>
      <Facts
        items={[
          ['MFA policy', <Badge tone={p.mfaPolicy === 'optional' ? 'warn' : 'good'}>{p.mfaPolicy}</Badge>],
          ['MFA grace period for new members', `${p.mfaGracePeriodDays} days`],
          ['Step-up window (sensitive actions)', `${p.stepUpFreshnessMinutes} min`],
          ['Password length', `${p.passwordPolicy.minLength}–${p.passwordPolicy.maxLength} characters`],
          ['Password alone allowed', p.passwordPolicy.mfaRequired ? 'No: MFA required' : 'Yes'],
          ['Session idle timeout', `${p.sessionPolicy.idleTimeoutMinutes} min`],
          ['Session absolute timeout', `${p.sessionPolicy.absoluteTimeoutHours} h`],
        ]}
      />
      {p.roleMfaPolicies.length > 0 ? (
        <>
          <h3>Roles with their own MFA requirement</h3>
          <DataTable
            caption="Role MFA requirements"
            rows={p.roleMfaPolicies}
            rowKey={(r) => r.roleKey}
            columns={[
              { header: 'Role', cell: (r) => <code>{r.roleKey}</code> },
              { header: 'MFA', cell: (r) => r.mfaPolicy },
            ]}
          />
        </>
      ) : null}
    </>
  );
}

function OtherSettings({ settings }: { settings: Record<string, unknown> }) {
  const rows = Object.entries(settings).filter(([k]) => !POLICY_KEYS.has(k));
  if (rows.length === 0) return <p className="muted">No other settings: SLAs, credential ages and review schedules use their defaults.</p>;
  return <Facts items={rows.map(([k, v]) => [k, typeof v === 'object' ? <code>{JSON.stringify(v)}</code> : String(v)])} />;
}

function Members({ orgId }: { orgId: string }) {
  const list = usePaged<User>(`/api/v1/organizations/${orgId}/members`, {}, 10);
  return (
    <PagedTable
      list={list}
      caption="Members"
      rowKey={(u) => u.id}
      empty={<EmptyState title="No members yet">Create a user on the Users page and add them to this organization.</EmptyState>}
      columns={[
        { header: 'Email', cell: (u) => <Link to={`/users/${u.id}`}>{u.email}</Link> },
        { header: 'Name', cell: (u) => u.name ?? '—' },
        { header: 'Status', cell: (u) => <UserStatusBadge status={u.status} /> },
      ]}
    />
  );
}

/** /organizations/:org: an organization's settings, sign-in policy in force, members and ledger history. */
export function OrganizationPage({ params }: { params: Record<string, string> }) {
  const org = useApi<Organization & { updatedAt: string }>(`/api/v1/organizations/${encodeURIComponent(params.org)}`);
  const { org: chosen, choose } = useOrg();
  if (org.error) return <Page title="Organization"><ErrorNote error={org.error} title="Could not load the organization" /></Page>;
  const o = org.data;
  if (!o) return <Page title="Organization"><Loading /></Page>;
  return (
    <Page
      title={o.name}
      subtitle={<code>{o.slug}</code>}
      actions={
        chosen?.id === o.id ? (
          <Badge tone="info">Chosen in the header</Badge>
        ) : (
          <button type="button" onClick={() => choose(o.id)}>
            Work in this organization
          </button>
        )
      }
    >
      <Panel title="Summary">
        <Facts items={[['Id', <code>{o.id}</code>], ['Created', <Time value={o.createdAt} />], ['Last changed', <Time value={o.updatedAt} />]]} />
      </Panel>
      <Panel title="Sign-in policy in force">
        <PolicyPanel orgId={o.id} />
      </Panel>
      <Panel title="Other settings">
        <OtherSettings settings={o.settings ?? {}} />
      </Panel>
      <Panel title="Members" actions={<Link to={`/users?org=${o.id}`}>All members with filters</Link>}>
        <Members orgId={o.id} />
      </Panel>
      <Panel title="Ledger history">
        <LedgerHistory target={o.id} caption="Ledger events about this organization" />
      </Panel>
    </Page>
  );
}
