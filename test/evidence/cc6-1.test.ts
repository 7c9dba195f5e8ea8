import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createServiceAccount, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { connectDirectory, type ScimClient } from '../support/scim.ts';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';
import { PASSWORD, browser, enrollTotp, makeUser, signIn, submitCode } from '../monitor/detection-fixtures.ts';
import { buildApplicationRow, collectCc61 } from '../../src/evidence/criteria/cc6-1-applications.ts';
import type { LedgerEvent } from '../../src/audit/event.ts';
import { rowsNotRecomputable, sectionFor, table } from './sections.ts';

type Json = Record<string, any>;
const START = '2026-03-02T09:00:00.000Z';
const FROM = '2026-03-03T00:00:00.000Z';
const MINUTE = 60_000;

describe.each(DIALECTS)('evidence CC6.1 (logical access security) on %s', (dialect) => {
  const clock = new ManualClock(START);
  let s: HttpSuite;
  let c: ScimClient;
  let app: Json, sa: Json;
  let end: string;

  beforeAll(async () => {
    s = await startHttpSuite(dialect, { clock });
    c = await connectDirectory(s, 'acme');
    const ada = await makeUser(s, 'ada');
    const bob = await makeUser(s, 'bob');
    const secret = await enrollTotp(s, clock, bob);
    app = (await ok(s, 201, 'POST', '/api/v1/organizations/acme/applications', { name: 'Billing portal', type: 'web', redirectUris: ['https://billing.acme.test/callback'] })).application;
    sa = await createServiceAccount(s, 'acme', 'ci', ada);
    clock.set(new Date('2026-03-03T10:00:00.000Z'));
    // In the window: two password sign-ins by ada, one password + TOTP by bob.
    expect(await signIn(browser(s, '198.51.100.1'), 'ada@acme.test', PASSWORD)).toBe(303);
    clock.advance(MINUTE);
    expect(await signIn(browser(s, '198.51.100.1'), 'ada@acme.test', PASSWORD)).toBe(303);
    clock.advance(MINUTE);
    const b = browser(s, '198.51.100.2');
    expect(await signIn(b, 'bob@acme.test', PASSWORD)).toBe(303);
    expect(await submitCode(b, generateTotpCode({ secret, now: clock.now() }))).toBe(303);
    clock.advance(MINUTE);
    // The organization requires MFA from now on; the application is disabled.
    await ok(s, 200, 'PATCH', '/api/v1/organizations/acme', { settings: { mfaPolicy: 'required', mfaGracePeriodDays: 3 } });
    clock.advance(MINUTE);
    await ok(s, 200, 'PATCH', `/api/v1/organizations/acme/applications/${app.id}`, { status: 'disabled' });
    clock.advance(MINUTE);
    end = clock.now().toISOString();
  });
  afterAll(async () => s?.close());

  it('lists every application with how it authenticates, the sign-in methods used and the MFA policy history', async () => {
    const request = { org: 'acme', from: FROM, to: end };
    const section = await sectionFor(s.rt, collectCc61, request);
    expect(section.status).toBe('pass');

    const apps = table(section, 'applications').rows.map((r) => r.row);
    expect(apps.map((r) => [r.kind, r.id, r.status, r.requires_authentication])).toEqual([
      ['scim_directory', c.directoryId, 'active', true],
      ['oidc_application', app.id, 'disabled', true],
      ['service_account', sa.id, 'active', true],
    ]);
    expect(apps[1]).toMatchObject({ name: 'Billing portal', created_at: START, last_changed_at: '2026-03-03T10:04:00.000Z', required_acr: null });
    expect(apps[1].authentication).toContain('authorization code + PKCE: the user signs in to Keyledger (client authenticated by client_secret_basic)');

    const methods = Object.fromEntries(table(section, 'authentication-methods').rows.map((r) => [r.row.method, r.row]));
    expect(methods.password).toEqual({ method: 'password', sign_ins: 3, distinct_users: 2, first_at: '2026-03-03T10:00:00.000Z', last_at: '2026-03-03T10:02:00.000Z' });
    expect(methods.totp).toMatchObject({ sign_ins: 1, distinct_users: 1 });
    expect(methods.passkey).toMatchObject({ sign_ins: 0, distinct_users: 0, first_at: null });
    expect(table(section, 'authentication-methods').recompute).toBeUndefined();
    expect(table(section, 'authentication-methods').rows[0].cites).toHaveLength(2);

    const mfa = table(section, 'mfa-policy').rows;
    expect(mfa.map((r) => r.row)).toEqual([
      expect.objectContaining({ changed_at: '2026-03-03T10:03:00.000Z', in_window: true, mfa_policy_before: 'optional', mfa_policy_after: 'required', grace_days_before: 7, grace_days_after: 3, sso_enforced_after: false }),
    ]);
    expect(section.facts).toContainEqual({ label: 'MFA policy at export', value: 'required' });
    for (const name of ['applications', 'mfa-policy']) expect(await rowsNotRecomputable(s.rt, table(section, name), request)).toEqual([]);
  });

  it('a window before the sign-ins counts none and shows the application active', async () => {
    const section = await sectionFor(s.rt, collectCc61, { org: 'acme', from: START, to: FROM });
    expect(table(section, 'authentication-methods').rows.every((r) => r.row.sign_ins === 0)).toBe(true);
    expect(table(section, 'applications').rows.find((r) => r.row.id === app.id)!.row.status).toBe('active');
    expect(table(section, 'mfa-policy').rows).toEqual([]);
  });

  it('marks an OIDC client allowed no grant type as not requiring authentication', () => {
    const created = { id: 'e1', seq: 1, time: START, action: 'oidc.application.created', outcome: 'success', actor: { type: 'api_key', id: 'k', display: 'k' }, org: 'o', targets: [{ type: 'oidc_application', id: 'a1', display: 'x' }], context: { requestId: 'r', ip: null, userAgent: null }, data: { name: 'x', grantTypes: [], tokenEndpointAuthMethod: 'none' }, v: 1 } satisfies LedgerEvent;
    expect(buildApplicationRow([created], { orgId: 'o', orgSlug: 'o', from: START, to: FROM, deprovisioningSlaHours: 24 })).toMatchObject({ requires_authentication: false, authentication: 'no grant type: issues nothing' });
  });
});
