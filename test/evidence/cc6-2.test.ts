import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createRole, createUser, grantRole, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { openUserSession, sessionHeaders } from '../support/user-session.ts';
import { connectDirectory, oktaUser, type ScimClient } from '../support/scim.ts';
import { collectCc62 } from '../../src/evidence/criteria/cc6-2-new-users.ts';
import { rowsNotRecomputable, sectionFor, table } from './sections.ts';

type Json = Record<string, any>;
const START = '2026-03-02T09:00:00.000Z';
const FROM = '2026-03-03T00:00:00.000Z';
const HOUR = 3_600_000;

describe.each(DIALECTS)('evidence CC6.2 (new users registered and authorized) on %s', (dialect) => {
  const clock = new ManualClock(START);
  let s: HttpSuite;
  let c: ScimClient;
  let mia: Json, early: Json, ada: Json, bob: Json;
  let samId: string;
  let requestId: string;
  let quietUntil: string;
  let end: string;

  beforeAll(async () => {
    s = await startHttpSuite(dialect, { clock });
    c = await connectDirectory(s, 'acme');
    mia = await createUser(s, { email: 'mia@acme.test', org: 'acme' });
    early = await createUser(s, { email: 'early@acme.test', org: 'acme' });
    await createRole(s, 'acme', 'reports', { ownerId: mia.id });
    clock.set(new Date('2026-03-03T10:00:00.000Z'));
    // Joined by an administrator; the role's owner approves a request, which grants it.
    ada = await createUser(s, { email: 'ada@acme.test', org: 'acme' });
    clock.advance(HOUR);
    const filed = await ok(s, 201, 'POST', '/api/v1/organizations/acme/access-requests', { role: 'reports', principalType: 'user', principalId: ada.id, reason: 'onboarding' });
    requestId = filed.id;
    clock.advance(HOUR);
    const { cookie } = await openUserSession(s.rt, mia.id);
    const approved = await s.request('POST', `/api/v1/me/approvals/${filed.id}/approve`, { key: null, headers: sessionHeaders(cookie), body: {} });
    expect(approved.statusCode).toBe(200);
    // Provisioned by the identity provider's directory.
    clock.advance(HOUR);
    const sam = await c.scim('POST', '/Users', oktaUser('sam.smith@acme.test'));
    expect(sam.statusCode).toBe(201);
    samId = (await s.rt.identity.findUserByEmail('sam.smith@acme.test'))!.id;
    clock.advance(HOUR);
    quietUntil = clock.now().toISOString();
    // Joined, then granted a role with no approval at all.
    clock.advance(HOUR);
    bob = await createUser(s, { email: 'bob@acme.test', org: 'acme' });
    await grantRole(s, 'acme', 'reports', bob.id);
    clock.advance(HOUR);
    end = clock.now().toISOString();
  });
  afterAll(async () => s?.close());

  it('lists each new member with their path and an approved first grant, and passes', async () => {
    const request = { org: 'acme', from: FROM, to: quietUntil };
    const section = await sectionFor(s.rt, collectCc62, request);
    expect(section.status).toBe('pass');
    const rows = table(section, 'new-users').rows;
    expect(rows.map((r) => r.row.email)).toEqual(['ada@acme.test', 'sam.smith@acme.test']);
    expect(rows.map((r) => r.row.user_id)).not.toContain(early.id);
    expect(rows[0].row).toEqual({
      user_id: ada.id,
      email: 'ada@acme.test',
      created_at: '2026-03-03T10:00:00.000Z',
      new_account: true,
      created_by_type: 'api_key',
      created_by: expect.any(String),
      provisioning_path: 'admin',
      first_grant_at: '2026-03-03T12:00:00.000Z',
      first_grant_role: 'reports',
      first_grant_privileged: false,
      authorization: 'request_approved',
      approval_reference: requestId,
      approved_at: '2026-03-03T12:00:00.000Z',
      approved_by: mia.id,
      approval_to_grant_seconds: 0,
      approved_before_access: true,
      lacks_approval: false,
    });
    // Cites: account creation, membership, the request's three events and the grant.
    expect(rows[0].cites).toHaveLength(6);
    expect(rows[1].row).toMatchObject({ provisioning_path: 'scim', created_by_type: 'scim_directory', new_account: true, first_grant_at: null, authorization: null, approved_before_access: null, lacks_approval: false });
    expect(rows[1].row.user_id).toBe(samId);
    expect(await rowsNotRecomputable(s.rt, table(section, 'new-users'), request)).toEqual([]);
  });

  it('flags a new member whose first role came without any approval', async () => {
    const request = { org: 'acme', from: FROM, to: end };
    const section = await sectionFor(s.rt, collectCc62, request);
    expect(section.status).toBe('attention');
    const row = table(section, 'new-users').rows.find((r) => r.row.user_id === bob.id)!;
    expect(row.row).toMatchObject({ provisioning_path: 'admin', first_grant_role: 'reports', authorization: 'none', approval_reference: null, approved_at: null, approved_before_access: false, lacks_approval: true });
    expect(section.facts).toContainEqual({ label: 'First grants lacking approval', value: 1, attention: true });
    expect(section.facts).toContainEqual({ label: 'Provisioned by SCIM', value: 1 });
    expect(await rowsNotRecomputable(s.rt, table(section, 'new-users'), request)).toEqual([]);
  });
});
