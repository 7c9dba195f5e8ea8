import { useState } from 'react';
import { useApi } from '../../hooks.ts';
import type { Organization } from '../../org-context.tsx';
import { Facts, Page, Panel } from '../../components/page.tsx';
import { Badge, ErrorNote, Loading } from '../../components/states.tsx';
import { LedgerHistory, Time, UserRef, WithOrg } from './shared.tsx';
import { AssignmentsPanel, EligibilitiesPanel } from './role-assignments.tsx';
import { RoleForm } from './role-form.tsx';
import { DeleteRole } from './role-delete.tsx';
import type { Role } from './types.ts';

function Detail({ org, roleRef }: { org: Organization; roleRef: string }) {
  const role = useApi<Role>(`/api/v1/organizations/${org.id}/roles/${encodeURIComponent(roleRef)}`);
  const [editing, setEditing] = useState(false);
  if (role.error) return <ErrorNote error={role.error} title={`Could not load the role in ${org.name}`} />;
  const r = role.data;
  if (!r) return <Loading />;
  const actions = editing ? null : (
    <>
      <button type="button" onClick={() => setEditing(true)}>
        Edit role
      </button>
      <DeleteRole orgId={org.id} role={r} />
    </>
  );
  if (editing) {
    return (
      <Page title={`Edit ${r.name}`} subtitle={<code>{r.key}</code>}>
        <Panel title="Definition and governance">
          <RoleForm
            orgId={org.id}
            role={r}
            onSaved={() => {
              setEditing(false);
              role.reload();
            }}
            onCancel={() => setEditing(false)}
          />
        </Panel>
      </Page>
    );
  }
  return (
    <Page title={r.name} subtitle={<code>{r.key}</code>} actions={actions}>
      <Panel title="Definition">
        <p>{r.description}</p>
        <Facts
          items={[
            ['Privileged', r.privileged ? <Badge tone="warn">privileged</Badge> : <Badge tone="neutral">no</Badge>],
            ['MFA required of holders', r.mfaPolicy ?? 'organization policy'],
            ['Owner', r.ownerId ? <UserRef id={r.ownerId} /> : null],
            ['Changed', <Time value={r.updatedAt} />],
          ]}
        />
        <h3>Permissions</h3>
        {r.permissions.length === 0 ? (
          <p className="muted">No permissions.</p>
        ) : (
          <ul>
            {r.permissions.map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
        )}
      </Panel>
      <Panel title="Governance">
        <Facts
          items={[
            ['Approvers', r.approval.approvers.join(', ')],
            ['Named approvers', r.approval.namedApprovers.length ? <>{r.approval.namedApprovers.map((id, i) => <span key={id}>{i > 0 ? ', ' : ''}<UserRef id={id} /></span>)}</> : null],
            ['Approvals required', `${r.approval.approvalsRequired}${r.approval.approvalsRequiredDefault ? ' (default)' : ''}`],
            ['Longest elevation', `${r.elevation.maxActivationMinutes} min`],
            ['Elevation needs approval', r.elevation.activationRequiresApproval ? 'Yes' : 'No'],
            ['Standing assignments', r.allowStanding ? 'Accepted' : r.privileged ? 'Reported as findings' : 'Allowed'],
          ]}
        />
      </Panel>
      <Panel title="Current assignments">
        <AssignmentsPanel orgId={org.id} role={r} />
      </Panel>
      <Panel title="Eligibilities">
        <EligibilitiesPanel orgId={org.id} role={r} />
      </Panel>
      <Panel title="Ledger history">
        <LedgerHistory target={r.id} caption="Ledger events about this role" />
      </Panel>
    </Page>
  );
}

/** /roles/:role: a role of the chosen organization (by id or key); Edit role and Delete role. */
export function RolePage({ params }: { params: Record<string, string> }) {
  return <WithOrg>{(org) => <Detail org={org} roleRef={params.role} />}</WithOrg>;
}
