import { apiSend, ApiError } from '../../api.ts';
import { useApi } from '../../hooks.ts';
import { Facts } from '../../components/page.tsx';
import { DataTable } from '../../components/table.tsx';
import { Badge, EmptyState, ErrorNote, Loading } from '../../components/states.tsx';
import { ReasonAction } from './reason-action.tsx';
import { Time } from './shared.tsx';

interface Factors {
  password: { set: boolean; updatedAt: string | null };
  totp: Array<{ id: string; status: 'pending' | 'active'; algorithm: string; digits: number; period: number; createdAt: string; activatedAt: string | null }>;
  recoveryCodes: { remaining: number; generatedAt: string | null };
}
interface MfaStatus {
  requirement: { level: string; source: string; graceEndsAt: string | null; inGrace: boolean };
  enrolled: { password: boolean; totp: boolean; recoveryCodes: number };
  compliant: boolean;
}
interface Lockout {
  locked: boolean;
  lockedUntil: string | null;
  failuresInWindow: number;
  threshold: number;
  windowMinutes: number;
  durationMinutes: number;
  history: Array<{ id: string; lockedAt: string; lockedUntil: string; failures: number; endedAt: string | null; endedBy: string | null }>;
}

/** MFA compliance against the chosen organization's requirement, and the factors enrolled (never a secret). */
export function FactorsPanel({ userId, orgId }: { userId: string; orgId: string | null }) {
  const factors = useApi<Factors>(`/api/v1/users/${userId}/factors`);
  const mfa = useApi<MfaStatus>(orgId ? `/api/v1/users/${userId}/mfa-status` : null, { org: orgId ?? undefined });
  if (factors.error) return <ErrorNote error={factors.error} title="Could not load the factors" />;
  const f = factors.data;
  if (!f) return <Loading />;
  const m = mfa.data;
  return (
    <>
      {mfa.error instanceof ApiError && mfa.error.code === 'membership.not_found' ? (
        <p className="muted">Not a member of the chosen organization: its MFA requirement does not apply. Choose another organization in the header to check it there.</p>
      ) : mfa.error ? (
        <ErrorNote error={mfa.error} title="Could not load the MFA status" />
      ) : null}
      <Facts
        items={[
          ['MFA in the chosen organization', m ? <Badge tone={m.compliant ? 'good' : m.requirement.inGrace ? 'warn' : 'bad'}>{m.compliant ? 'compliant' : m.requirement.inGrace ? 'in grace period' : 'not compliant'}</Badge> : null],
          ['Required level', m ? `${m.requirement.level} (from ${m.requirement.source})` : null],
          ['Grace ends', m?.requirement.graceEndsAt ? <Time value={m.requirement.graceEndsAt} /> : null],
          ['Password', f.password.set ? <>set, changed <Time value={f.password.updatedAt} /></> : 'not set'],
          ['Recovery codes left', String(f.recoveryCodes.remaining)],
        ]}
      />
      <h3>Authenticator apps (TOTP)</h3>
      <DataTable
        caption="Authenticator apps"
        rows={f.totp}
        rowKey={(t) => t.id}
        empty={<EmptyState title="No authenticator app">The user has not enrolled a TOTP authenticator.</EmptyState>}
        columns={[
          { header: 'Status', cell: (t) => <Badge tone={t.status === 'active' ? 'good' : 'neutral'}>{t.status}</Badge> },
          { header: 'Settings', cell: (t) => `${t.algorithm}, ${t.digits} digits, ${t.period} s` },
          { header: 'Added', cell: (t) => <Time value={t.createdAt} /> },
          { header: 'Activated', cell: (t) => <Time value={t.activatedAt} /> },
        ]}
      />
    </>
  );
}

/** Failed sign-ins and account locks, with "Unlock" while locked. */
export function LockoutPanel({ userId }: { userId: string }) {
  const state = useApi<Lockout>(`/api/v1/users/${userId}/lockout`);
  if (state.error) return <ErrorNote error={state.error} title="Could not load the lockout state" />;
  const l = state.data;
  if (!l) return <Loading />;
  return (
    <>
      <Facts
        items={[
          ['Locked', l.locked ? <Badge tone="bad">locked until {new Date(l.lockedUntil ?? '').toLocaleTimeString()}</Badge> : <Badge tone="good">not locked</Badge>],
          ['Failed sign-ins in window', `${l.failuresInWindow} of ${l.threshold} (window ${l.windowMinutes} min, lock ${l.durationMinutes} min)`],
        ]}
      />
      {l.locked ? <ReasonAction label="Unlock" confirmLabel="Unlock account" run={(reason) => apiSend('POST', `/api/v1/users/${userId}/unlock`, { reason })} onDone={state.reload} /> : null}
      {l.history.length > 0 ? (
        <>
          <h3>Past locks</h3>
          <DataTable
            caption="Past locks"
            rows={l.history}
            rowKey={(h) => h.id}
            columns={[
              { header: 'Locked', cell: (h) => <Time value={h.lockedAt} /> },
              { header: 'Failures', cell: (h) => String(h.failures) },
              { header: 'Ended', cell: (h) => (h.endedAt ? <><Time value={h.endedAt} /> ({h.endedBy})</> : 'still locked') },
            ]}
          />
        </>
      ) : null}
    </>
  );
}
