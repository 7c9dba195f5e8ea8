import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { expectError, expectNothingChanged, ok, startHttpSuite, walkPages, type HttpSuite } from '../support/http.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { ORIGIN } from '../support/passkeys.ts';
import { complianceScenario, expectedUsers, T, type Scenario } from '../evidence/compliance-scenario.ts';

type Json = Record<string, any>;
const ROUTES = ['users', 'role-assignments', 'access-reviews', 'deprovisioning', 'findings'] as const;

for (const dialect of DIALECTS) {
  describe(`the compliance API for GRC platforms on ${dialect}`, () => {
    const clock = new ManualClock(T.start);
    let s: HttpSuite;
    let sc: Scenario;
    let grcKey: string;
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock, env: { KEYLEDGER_PUBLIC_URL: ORIGIN } });
      sc = await complianceScenario(s, clock);
      grcKey = (await s.issueKey('vanta', ['compliance:read'])).key;
      clock.set('2026-03-02T15:00:00.000Z');
    });
    afterAll(async () => s?.close());

    const get = async (url: string, key = grcKey): Promise<Json> => {
      const res = await s.request('GET', url, { key });
      expect({ url, status: res.statusCode, body: res.statusCode === 200 ? null : res.json() }).toEqual({ url, status: 200, body: null });
      return res.json();
    };

    it('lists every member of the organization, and only them, as a user account with permission level, MFA, auth method and times', async () => {
      const page = await get('/api/v1/compliance/users?org=acme&limit=200');
      expect(page).toEqual({ items: expectedUsers(sc), nextCursor: null });
      // By id as well as by slug; the other organization's member is never listed.
      const org = await ok(s, 200, 'GET', '/api/v1/organizations/acme');
      expect((await get(`/api/v1/compliance/users?org=${org.id}`)).items.map((u: Json) => u.id)).toEqual(page.items.map((u: Json) => u.id));
      expect((await get('/api/v1/compliance/users?org=globex')).items.map((u: Json) => u.email)).toEqual(['gus@globex.test']);
    });

    it('a privileged role held only until it ends makes an ADMIN only while it is held', async () => {
      const revoked = await ok(s, 200, 'POST', `/api/v1/organizations/acme/role-assignments/${sc.adminGrant.id}/revoke`, { reason: 'compliance test' });
      expect(revoked.active).toBe(false);
      const ada = (await get('/api/v1/compliance/users?org=acme')).items.find((u: Json) => u.id === sc.ada.id);
      expect(ada).toMatchObject({ permissionLevel: 'USER', roles: [] });
      const again = await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-assignments', { role: 'admin', principalType: 'user', principalId: sc.ada.id });
      sc.adminGrant = { ...sc.adminGrant, revokedAt: revoked.endedAt, replacement: again };
      expect((await get('/api/v1/compliance/users?org=acme')).items.find((u: Json) => u.id === sc.ada.id)).toMatchObject({ permissionLevel: 'ADMIN', roles: ['Administrator'] });
    });

    it('lists role assignments, current and ended, with the grant, its approval reference and expiry', async () => {
      const grantedBy = { type: 'api_key', id: s.adminKeyId };
      const admin = { id: sc.adminRole.id, key: 'admin', name: 'Administrator' };
      const viewer = { id: sc.viewerRole.id, key: 'viewer', name: 'Viewer' };
      const replacement = sc.adminGrant.replacement as Json;
      const expected = [
        { id: sc.adminGrant.id, principal: { type: 'user', id: sc.ada.id }, role: admin, privileged: true, kind: 'standing', grantedAt: T.start, grantedBy, approval: null, expiresAt: null, endedAt: '2026-03-02T15:00:00.000Z', endReason: 'compliance test', active: false },
        { id: sc.viewerGrant.id, principal: { type: 'user', id: sc.bob.id }, role: viewer, privileged: false, kind: 'standing', grantedAt: T.start, grantedBy, approval: { requestId: null, approvalRef: 'CHG-42' }, expiresAt: '2026-12-31T00:00:00.000Z', endedAt: null, endReason: null, active: true },
        { id: sc.daveGrant.id, principal: { type: 'user', id: sc.dave.id }, role: viewer, privileged: false, kind: 'standing', grantedAt: T.start, grantedBy, approval: null, expiresAt: null, endedAt: T.deprovisioned, endReason: 'user deprovisioned', active: false },
        { id: replacement.id, principal: { type: 'user', id: sc.ada.id }, role: admin, privileged: true, kind: 'standing', grantedAt: '2026-03-02T15:00:00.000Z', grantedBy, approval: null, expiresAt: null, endedAt: null, endReason: null, active: true },
      ];
      expect(await get('/api/v1/compliance/role-assignments?org=acme')).toEqual({ items: expected, nextCursor: null });
      expect((await get('/api/v1/compliance/role-assignments?org=acme&active=true')).items).toEqual([expected[1], expected[3]]);
      expect((await get('/api/v1/compliance/role-assignments?org=acme&active=false')).items).toEqual([expected[0], expected[2]]);
    });

    it('lists review campaigns with their counts and sign-off times', async () => {
      const page = await get('/api/v1/compliance/access-reviews?org=acme');
      expect(page).toEqual({
        items: [{ id: sc.campaign.id, name: 'Q1 review', kind: 'ad_hoc', status: 'closed', ownerId: sc.ada.id, startsAt: T.reviewed, dueAt: '2026-03-16T13:00:00.000Z', ownerSignedOffAt: T.reviewed, closedAt: T.reviewed, overdueAt: null, counts: { items: 2, kept: 2, revoked: 0, undecided: 0 } }],
        nextCursor: null,
      });
    });

    it('lists leavers with both timestamps, the latency in seconds and the SLA verdict, within the window asked for', async () => {
      const leaver = { id: sc.removal.leaverId, userId: sc.dave.id, email: 'dave@acme.test', source: 'admin', terminatedAt: T.terminated, accessRemovedAt: T.deprovisioned, latencySeconds: 3 * 3600, slaHours: 24, withinSla: true, reactivatedAt: null };
      expect(await get('/api/v1/compliance/deprovisioning?org=acme')).toEqual({ items: [leaver], nextCursor: null });
      expect((await get('/api/v1/compliance/deprovisioning?org=acme&from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z')).items).toEqual([leaver]);
      expect((await get(`/api/v1/compliance/deprovisioning?org=acme&from=${encodeURIComponent('2026-03-02T08:00:01Z')}`)).items).toEqual([]);
    });

    it('lists the open findings and those resolved recently, newest first, as the findings monitor tracks them', async () => {
      const all: Json[] = (await ok(s, 200, 'GET', '/api/v1/findings?org=acme&limit=200')).items;
      const page = await get('/api/v1/compliance/findings?org=acme&limit=200');
      expect(page).toEqual({ items: all, nextCursor: null });
      expect(page.items.find((f: Json) => f.id === sc.resolvedFindingId)).toMatchObject({ status: 'resolved', resolution: { resolution: 'false_positive' } });
      expect(page.items.some((f: Json) => f.type === 'privileged_without_phishing_resistant_mfa' && f.subject.id === sc.ada.id && f.status === 'open')).toBe(true);
      // Resolved before `since`: left out; open ones stay whatever `since` says.
      const later = await get(`/api/v1/compliance/findings?org=acme&since=${encodeURIComponent('2026-03-02T14:30:00.000Z')}`);
      expect(later.items.map((f: Json) => f.id)).toEqual(all.filter((f) => f.id !== sc.resolvedFindingId).map((f) => f.id));
      expect(later.items.every((f: Json) => f.status === 'open' || f.status === 'acknowledged')).toBe(true);
      // Ninety days on, the resolved one has dropped out by default.
      clock.set('2026-06-01T15:00:00.000Z');
      try {
        expect((await get('/api/v1/compliance/findings?org=acme&limit=200')).items.map((f: Json) => f.id)).not.toContain(sc.resolvedFindingId);
      } finally {
        clock.set('2026-03-02T15:00:00.000Z');
      }
    });

    it('pages with opaque cursors: every record once, in order, whatever the page size', async () => {
      const all = (await get('/api/v1/compliance/users?org=acme')).items.map((u: Json) => u.id);
      for (const limit of [1, 2, 3]) {
        const grc = { ...s, request: (m: any, url: string, o: any = {}) => s.request(m, url, { ...o, key: grcKey }) } as HttpSuite;
        const walked = await walkPages(grc, '/api/v1/compliance/users?org=acme', limit);
        expect(walked.ids).toEqual(all);
        expect(walked.pages).toBe(Math.ceil(all.length / limit));
      }
      const first = await get('/api/v1/compliance/role-assignments?org=acme&limit=3');
      expect(first.items).toHaveLength(3);
      const rest = await get(`/api/v1/compliance/role-assignments?org=acme&limit=3&cursor=${encodeURIComponent(first.nextCursor)}`);
      expect(rest).toMatchObject({ nextCursor: null });
      expect(rest.items).toHaveLength(1);
    });

    it('reads change nothing and append nothing to the ledger; they are counted in /metrics by dataset', async () => {
      await expectNothingChanged(s.rt, async () => {
        for (const route of ROUTES) await get(`/api/v1/compliance/${route}?org=acme`);
      });
      const metrics = (await s.request('GET', '/metrics', { key: null })).body;
      for (const route of ROUTES) expect(metrics).toMatch(new RegExp(`^keyledger_compliance_reads_total\\{dataset="${route}"\\} [1-9]\\d*$`, 'm'));
    });

    it('admits compliance:read and admin:read; refuses every other key (403) and no key (401)', async () => {
      const adminRead = (await s.issueKey('admin reader', ['admin:read'])).key;
      const auditor = (await s.issueKey('auditor', ['audit:read'])).key;
      const writer = (await s.issueKey('writer', ['admin:write'])).key;
      for (const route of ROUTES) {
        const url = `/api/v1/compliance/${route}?org=acme`;
        expect((await s.request('GET', url, { key: adminRead })).statusCode).toBe(200);
        expectError(await s.request('GET', url, { key: auditor }), 403, 'auth.forbidden');
        expectError(await s.request('GET', url, { key: writer }), 403, 'auth.forbidden');
        expectError(await s.request('GET', url, { key: null }), 401, 'auth.unauthenticated');
      }
    });

    it('a compliance:read key can write nothing and read nothing else, and the attempts change nothing', async () => {
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('POST', '/api/v1/organizations', { key: grcKey, body: { slug: 'evil', name: 'Evil' } }), 403, 'auth.forbidden');
        expectError(await s.request('POST', `/api/v1/organizations/acme/role-assignments/${sc.viewerGrant.id}/revoke`, { key: grcKey, body: { reason: 'x' } }), 403, 'auth.forbidden');
        expectError(await s.request('PATCH', `/api/v1/users/${sc.bob.id}`, { key: grcKey, body: { status: 'suspended' } }), 403, 'auth.forbidden');
        expectError(await s.request('POST', '/api/v1/api-keys', { key: grcKey, body: { name: 'more', scopes: ['admin:write'] } }), 403, 'auth.forbidden');
        expectError(await s.request('GET', '/api/v1/users', { key: grcKey }), 403, 'auth.forbidden');
        expectError(await s.request('GET', '/api/v1/audit/events', { key: grcKey }), 403, 'auth.forbidden');
      });
    });

    it('refuses an unknown organization (404), a missing or malformed query (400), a foreign cursor (400) and a backwards window (422)', async () => {
      await expectNothingChanged(s.rt, async () => {
        for (const route of ROUTES) {
          expectError(await s.request('GET', `/api/v1/compliance/${route}?org=no-such-org`, { key: grcKey }), 404, 'organization.not_found');
          expectError(await s.request('GET', `/api/v1/compliance/${route}`, { key: grcKey }), 400, 'request.invalid');
          expectError(await s.request('GET', `/api/v1/compliance/${route}?org=`, { key: grcKey }), 400, 'request.invalid');
          expectError(await s.request('GET', `/api/v1/compliance/${route}?org=acme&limit=0`, { key: grcKey }), 400, 'request.invalid');
          expectError(await s.request('GET', `/api/v1/compliance/${route}?org=acme&extra=1`, { key: grcKey }), 400, 'request.invalid');
          expectError(await s.request('GET', `/api/v1/compliance/${route}?org=acme&cursor=${Buffer.from('seq:12').toString('base64url')}`, { key: grcKey }), 400, 'pagination.invalid_cursor');
        }
        expectError(await s.request('GET', '/api/v1/compliance/role-assignments?org=acme&active=maybe', { key: grcKey }), 400, 'request.invalid');
        expectError(await s.request('GET', '/api/v1/compliance/deprovisioning?org=acme&from=yesterday', { key: grcKey }), 400, 'request.invalid');
        expectError(await s.request('GET', '/api/v1/compliance/findings?org=acme&since=5', { key: grcKey }), 400, 'request.invalid');
        expectError(await s.request('GET', '/api/v1/compliance/deprovisioning?org=acme&from=2026-03-03T00:00:00Z&to=2026-03-01T00:00:00Z', { key: grcKey }), 422, 'compliance.window_invalid');
        expectError(await s.request('GET', '/api/v1/compliance/deprovisioning?org=acme&from=2026-03-03T00:00:00Z&to=2026-03-03T00:00:00Z', { key: grcKey }), 422, 'compliance.window_invalid');
      });
    });
  });
}
