import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/audit/event.ts';
import type { EvidenceParameters } from '../../src/evidence/model.ts';
import { ROW_BUILDERS } from '../../src/evidence/row-builders.ts';
import { buildActivationRow, buildPrivilegedPrincipalRow } from '../../src/evidence/criteria/privileged-access.ts';
import { buildMfaAccountRow, replayFactors } from '../../src/evidence/criteria/cc6-6-mfa-rows.ts';
import { buildLeaverRow } from '../../src/evidence/criteria/cc6-5-leavers.ts';

const params: EvidenceParameters = { orgId: 'org-1', orgSlug: 'acme', from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', deprovisioningSlaHours: 24 };
let seq = 0;
const ev = (action: string, time: string, data: Record<string, unknown>, targets: LedgerEvent['targets'] = []): LedgerEvent => ({
  id: `e${++seq}`,
  seq,
  time,
  action,
  outcome: 'success',
  actor: { type: 'user', id: 'u1', display: 'ada@acme.test' },
  org: 'org-1',
  targets,
  context: { requestId: 'r', ip: null, userAgent: null },
  data,
  v: 1,
});

/** The CC6.5, CC6.6 and privileged-access builders on hand-made events: the cases services rarely produce. */
describe('CC6 row builders', () => {
  it('are registered under the names their tables give', () => {
    for (const name of ['cc6.5.leaver', 'cc6.6.mfa-account', 'cc6.6.lockout', 'cc6.6.privileged-passkey', 'cc6.7.signing-key', 'privileged-access.principal', 'privileged-access.activation']) expect(typeof ROW_BUILDERS[name]).toBe('function');
  });

  it('an activation that ended after its requested duration is flagged', () => {
    const start = ev('access.elevation.activated', '2026-01-10T10:00:00.000Z', { assignmentId: 'a1', principalId: 'u1', roleKey: 'db-admin', privileged: true, justification: 'INC-1', durationMinutes: 30, expiresAt: '2026-01-10T10:30:00.000Z', approvalRef: null, sessionAmr: ['hwk'] }, [{ type: 'user', id: 'u1', display: 'ada@acme.test' }]);
    const end = ev('access.elevation.ended', '2026-01-10T11:00:00.000Z', { assignmentId: 'a1', reason: 'revoked', endedAt: '2026-01-10T11:00:00.000Z', expiredAt: null });
    expect(buildActivationRow([start, end], params)).toMatchObject({ actual_seconds: 3600, ended_how: 'revoked', exceeded_requested: true });
    // With no end event and its expiry before the window end, it ended at its expiry.
    expect(buildActivationRow([start], params)).toMatchObject({ ended_at: '2026-01-10T10:30:00.000Z', actual_seconds: 1800, ended_how: 'expired', exceeded_requested: false });
  });

  it('a standing grant with no end is held at the window end; a time-bound one past its expiry is not', () => {
    const grant = (expiresAt: string | null) => ev('access.assignment.granted', '2026-01-02T00:00:00.000Z', { roleKey: 'db-admin', privileged: true, principalType: 'user', principalId: 'u1', approvalRef: null, requestId: null, expiresAt }, [{ type: 'user', id: 'u1' }, { type: 'role_assignment', id: 'a9' }]);
    expect(buildPrivilegedPrincipalRow([grant(null)], params)).toMatchObject({ assignment_id: 'a9', kind: 'standing', held_at_window_end: true, ended_at: null });
    expect(buildPrivilegedPrincipalRow([grant('2026-01-05T00:00:00.000Z')], params)).toMatchObject({ kind: 'time_bound', held_at_window_end: false, ended_how: 'expired' });
    expect(buildPrivilegedPrincipalRow([grant('2026-03-01T00:00:00.000Z')], params)).toMatchObject({ kind: 'time_bound', held_at_window_end: true });
  });

  it('a factor reset removes TOTP authenticators and recovery codes but keeps passkeys', () => {
    const events = [
      ev('authn.totp.enrolled', '2026-01-02T00:00:00.000Z', { userId: 'u1', factorId: 't1' }),
      ev('authn.passkey.registered', '2026-01-03T00:00:00.000Z', { userId: 'u1', passkeyId: 'p1' }),
      ev('authn.recovery_codes.generated', '2026-01-03T00:00:00.000Z', { userId: 'u1', count: 10 }),
      ev('authn.recovery_code.used', '2026-01-04T00:00:00.000Z', { userId: 'u1', remaining: 9 }),
      ev('authn.factors.reset', '2026-01-05T00:00:00.000Z', { userId: 'u1', factorIds: ['t1'] }),
    ];
    const s = replayFactors(events);
    expect([s.totp.size, s.passkeys.size, s.recovery, s.firstEnrolledAt]).toEqual([0, 1, 0, '2026-01-02T00:00:00.000Z']);
    const membership = ev('identity.membership.created', '2026-01-01T00:00:00.000Z', { userId: 'u1', email: 'ada@acme.test' });
    const login = ev('authn.login.succeeded', '2026-01-06T00:00:00.000Z', { userId: 'u1', amr: ['pwd'], mfa: { level: 'phishing_resistant' } });
    expect(buildMfaAccountRow([membership, ...events, login], params)).toMatchObject({ mfa_enabled: true, last_mfa_use: null, last_sign_in: login.time, mfa_required: 'phishing_resistant', required_but_missing: false });
  });

  it('a removal announced ahead of time counts as 0 seconds and within the SLA', () => {
    const removal = ev('lifecycle.user.deprovisioned', '2026-01-10T00:00:00.000Z', { userId: 'u1', terminatedAt: '2026-01-11T00:00:00.000Z', accessRemovedAt: '2026-01-10T00:00:00.000Z', slaHours: 4, source: 'hr', sourceRef: 'evt-1', endedAssignments: [], cancelledRequests: [] }, [{ type: 'user', id: 'u1', display: 'ada@acme.test' }]);
    expect(buildLeaverRow([removal], params)).toMatchObject({ elapsed_seconds: 0, within_sla: true, sla_hours: 4, sla_deadline: '2026-01-11T04:00:00.000Z', sessions_revoked: 0 });
  });
});
