import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { createOrg, createRole, createUser, expectError, grantRole, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { openUserSession } from '../support/user-session.ts';
import { SESSION_ROUTES, fillPath } from './api-routes.ts';

for (const dialect of DIALECTS) {
  describe(`the self-service API (/api/v1/me) on ${dialect}`, () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    let s: HttpSuite;
    let ada: Record<string, any>;
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      await createOrg(s, 'acme');
      ada = await createUser(s, { email: 'ada@acme.test', org: 'acme' });
      await createRole(s, 'acme', 'viewer', { permissions: ['report:read'] });
      await createRole(s, 'acme', 'db-admin', { permissions: ['db:write', 'report:read'], privileged: true });
    });
    afterAll(async () => s?.close());

    it('shows the signed-in user, the session and the roles held now; a role that runs out is gone on the next request', async () => {
      await grantRole(s, 'acme', 'viewer', ada.id, { approvalRef: 'TICKET-1' });
      await grantRole(s, 'acme', 'db-admin', ada.id, { approvalRef: 'TICKET-2', expiresAt: '2026-03-02T09:20:00.000Z' });
      const { cookie, session } = await openUserSession(s.rt, ada.id);
      const first = await s.request('GET', '/api/v1/me', { key: null, headers: { cookie } });
      expect(first.statusCode).toBe(200);
      const me = first.json();
      expect(me.user).toEqual({ id: ada.id, email: 'ada@acme.test', name: null });
      expect(me.session).toMatchObject({ id: session.id, amr: ['hwk', 'user'] });
      expect(me.roles.map((r: { roleKey: string }) => r.roleKey).sort()).toEqual(['db-admin', 'viewer']);
      expect(me.permissions).toEqual(['db:write', 'report:read']);

      clock.advance(21 * 60_000); // past the assignment's expiry, within the session's idle timeout
      const later = (await s.request('GET', '/api/v1/me', { key: null, headers: { cookie } })).json();
      expect(later.roles.map((r: { roleKey: string }) => r.roleKey)).toEqual(['viewer']);
      expect(later.permissions).toEqual(['report:read']);
    });

    it('refuses a request without a session, with an API key instead, or with a revoked session', async () => {
      for (const route of SESSION_ROUTES) {
        const url = fillPath(route.path, { id: '00000000-0000-7000-8000-000000000000' });
        expectError(await s.request(route.method, url, { key: null, ...(route.body ? { body: {} } : {}) }), 401, 'auth.unauthenticated');
        expectError(await s.request(route.method, url, route.body ? { body: {} } : {}), 401, 'auth.unauthenticated');
        expectError(await s.request(route.method, url, { key: null, headers: { cookie: 'kl_session=kl_sess_forged' }, ...(route.body ? { body: {} } : {}) }), 401, 'auth.unauthenticated');
      }
      const { cookie, session } = await openUserSession(s.rt, ada.id);
      expect((await s.request('GET', '/api/v1/me', { key: null, headers: { cookie } })).statusCode).toBe(200);
      await s.rt.sessions.revoke(systemContext('test', 'revoke'), session.id, 'test');
      expectError(await s.request('GET', '/api/v1/me', { key: null, headers: { cookie } }), 401, 'auth.unauthenticated');
    });

    it('refuses a change sent from another site or as a form, before it reads the session', async () => {
      const { cookie } = await openUserSession(s.rt, ada.id);
      for (const route of SESSION_ROUTES.filter((r) => r.method !== 'GET')) {
        const url = fillPath(route.path, { id: '00000000-0000-7000-8000-000000000000' });
        expectError(await s.request(route.method, url, { key: null, body: {}, headers: { cookie, 'sec-fetch-site': 'cross-site' } }), 403, 'auth.cross_site');
        expectError(await s.request(route.method, url, { key: null, body: {}, headers: { cookie, origin: 'https://evil.example' } }), 403, 'auth.cross_site');
        expectError(await s.request(route.method, url, { key: null, body: 'a=1', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' } }), 403, 'auth.cross_site');
      }
    });
  });
}
