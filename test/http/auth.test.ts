import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, eventsDuring, expectError, expectNothingChanged, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { ALL_SCOPES } from '../../src/http/scopes.ts';
import { API_ROUTES, fillPath, routeName } from './api-routes.ts';

const SOME_ID = '00000000-0000-7000-8000-000000000000';
const anyUrl = (path: string) => fillPath(path, { id: SOME_ID, userId: SOME_ID, factorId: SOME_ID, credentialId: SOME_ID, tokenId: SOME_ID, mappingId: SOME_ID, fingerprint: 'ab'.repeat(32), org: 'acme', role: 'viewer', size: '1' }) + (path.endsWith('consistency') ? '?from=1' : '');

for (const dialect of DIALECTS) {
  describe(`API key authentication and scopes on ${dialect}`, () => {
    const clock = new ManualClock('2026-05-01T12:00:00.000Z');
    let s: HttpSuite;
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      await createOrg(s, 'acme');
    });
    afterAll(async () => s?.close());

    it('every API operation refuses a request without a usable key (401) and writes nothing', async () => {
      const unknown = `kl_key_${'A'.repeat(43)}`;
      const headers: Array<[string, Record<string, string>]> = [
        ['no Authorization header', {}],
        ['Basic scheme', { authorization: `Basic ${Buffer.from(`x:${s.adminKey}`).toString('base64')}` }],
        ['bare key', { authorization: s.adminKey }],
        ['Bearer with nothing', { authorization: 'Bearer ' }],
        ['two tokens', { authorization: `Bearer ${s.adminKey} extra` }],
        ['unknown key', { authorization: `Bearer ${unknown}` }],
        ['wrong prefix', { authorization: `Bearer ${s.adminKey.replace('kl_key_', 'kl_boot_')}` }],
        ['key with one character changed', { authorization: `Bearer ${s.adminKey.slice(0, -1)}${s.adminKey.endsWith('A') ? 'B' : 'A'}` }],
        ['overlong key', { authorization: `Bearer kl_key_${'A'.repeat(200)}` }],
      ];
      for (const route of API_ROUTES) {
        for (const [label, h] of headers) {
          await expectNothingChanged(s.rt, async () => {
            const res = await s.app.inject({ method: route.method, url: anyUrl(route.path), headers: h, payload: route.body ? { name: 'x' } : undefined });
            expect({ route: routeName(route), label, status: res.statusCode }).toEqual({ route: routeName(route), label, status: 401 });
            expectError(res, 401, 'auth.unauthenticated');
          });
        }
      }
      // The scheme name is case-insensitive (RFC 7235); the key is not.
      expect((await s.app.inject({ method: 'GET', url: '/api/v1/organizations', headers: { authorization: `bearer ${s.adminKey}` } })).statusCode).toBe(200);
      expectError(await s.app.inject({ method: 'GET', url: '/api/v1/organizations', headers: { authorization: `Bearer ${s.adminKey.toUpperCase()}` } }), 401, 'auth.unauthenticated');
    });

    it('a revoked key is refused from the very next request on', async () => {
      const issued = await ok(s, 201, 'POST', '/api/v1/api-keys', { name: 'short-lived', scopes: ['admin:read'] });
      expect((await s.request('GET', '/api/v1/organizations', { key: issued.key })).statusCode).toBe(200);
      const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/api-keys/${issued.apiKey.id}/revoke`));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: issued.apiKey.id, revokedAt: clock.now().toISOString() });
      expect(events.map((e) => [e.action, e.actor.id, e.data])).toEqual([['platform.api_key.revoked', s.adminKeyId, { name: 'short-lived', prefix: issued.apiKey.prefix }]]);
      expectError(await s.request('GET', '/api/v1/organizations', { key: issued.key }), 401, 'auth.unauthenticated');
      // Revoking twice changes nothing more.
      await expectNothingChanged(s.rt, async () => expect((await s.request('POST', `/api/v1/api-keys/${issued.apiKey.id}/revoke`)).statusCode).toBe(200));
    });

    it('an expired key is refused once the clock passes its expiry', async () => {
      const expiresAt = new Date(clock.now().getTime() + 60_000).toISOString();
      const issued = await ok(s, 201, 'POST', '/api/v1/api-keys', { name: 'expiring', scopes: ['admin:read'], expiresAt });
      expect(issued.apiKey.expiresAt).toBe(expiresAt);
      clock.advance(59_999);
      expect((await s.request('GET', '/api/v1/organizations', { key: issued.key })).statusCode).toBe(200);
      clock.advance(1);
      expectError(await s.request('GET', '/api/v1/organizations', { key: issued.key }), 401, 'auth.unauthenticated');
      clock.advance(86_400_000);
      expectError(await s.request('GET', '/api/v1/organizations', { key: issued.key }), 401, 'auth.unauthenticated');
    });

    it('each operation needs its scope: 403 auth.forbidden, and nothing changes', async () => {
      for (const scope of ALL_SCOPES) {
        const { key } = await s.issueKey(`only ${scope}`, [scope]);
        for (const route of API_ROUTES.filter((r) => r.scope !== scope && !r.alsoScopes?.includes(scope))) {
          await expectNothingChanged(s.rt, async () => {
            const res = await s.request(route.method, anyUrl(route.path), { key, body: route.body ? { slug: 'not-created', name: 'Nope' } : undefined });
            expect({ scope, route: routeName(route), status: res.statusCode }).toEqual({ scope, route: routeName(route), status: 403 });
            expectError(res, 403, 'auth.forbidden');
            expect(res.json().error.message).toContain(`"${route.scope}"`);
          });
        }
      }
      const { key: reader } = await s.issueKey('reader', ['admin:read']);
      expect((await s.request('GET', '/api/v1/organizations/acme', { key: reader })).statusCode).toBe(200);
      const { key: writer } = await s.issueKey('writer', ['admin:write']);
      expectError(await s.request('GET', '/api/v1/audit/events', { key: writer }), 403, 'auth.forbidden');
      expect((await s.request('POST', '/api/v1/organizations', { key: writer, body: { slug: 'by-writer', name: 'W' } })).statusCode).toBe(201);
    });

    it('a key cannot issue a key with a scope it does not hold', async () => {
      const { key } = await s.issueKey('key manager', ['api_keys:manage', 'admin:read']);
      for (const scopes of [['admin:write'], ['admin:read', 'admin:write'], [...ALL_SCOPES]]) {
        await expectNothingChanged(s.rt, async () => {
          const res = await s.request('POST', '/api/v1/api-keys', { key, body: { name: 'escalated', scopes } });
          expectError(res, 403, 'auth.forbidden');
          expect(res.json().error.message).toContain('"admin:write"');
        });
      }
      const within = await s.request('POST', '/api/v1/api-keys', { key, body: { name: 'delegated', scopes: ['admin:read'] } });
      expect(within.statusCode).toBe(201);
      expect(within.json().apiKey).toMatchObject({ scopes: ['admin:read'], createdBy: { type: 'api_key' } });
      expectError(await s.request('POST', '/api/v1/organizations', { key: within.json().key, body: { slug: 'nope-2', name: 'N' } }), 403, 'auth.forbidden');
    });

    it('the plaintext key is in the creation response only: never listed, read, stored or recorded', async () => {
      const { res, events } = await eventsDuring(s, () => s.request('POST', '/api/v1/api-keys', { body: { name: 'secret-check', scopes: ['admin:read', 'audit:read'] } }));
      expect(res.statusCode).toBe(201);
      const { key, apiKey } = res.json();
      expect(key).toMatch(/^kl_key_[A-Za-z0-9_-]{43}$/);
      expect(apiKey).toMatchObject({ name: 'secret-check', prefix: key.slice(0, 14), scopes: ['admin:read', 'audit:read'], createdBy: { type: 'api_key', id: s.adminKeyId }, revokedAt: null });
      expect(Object.keys(apiKey).sort()).toEqual(['createdAt', 'createdBy', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'scopes']);
      expect(events.map((e) => [e.action, e.data])).toEqual([['platform.api_key.created', { name: 'secret-check', prefix: key.slice(0, 14), scopes: ['admin:read', 'audit:read'], expiresAt: null }]]);
      expect((await s.request('GET', '/api/v1/organizations', { key })).statusCode).toBe(200);

      const secret = key.slice(14);
      const read = await s.request('GET', `/api/v1/api-keys/${apiKey.id}`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual({ ...apiKey, lastUsedAt: expect.any(String) });
      expect(read.body).not.toContain(secret);
      let cursor: string | null = null;
      let listed = 0;
      do {
        const page = await s.request('GET', `/api/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.statusCode).toBe(200);
        expect(page.body).not.toContain(secret);
        for (const item of page.json().items) expect(item).not.toHaveProperty('key');
        listed += page.json().items.length;
        cursor = page.json().nextCursor;
      } while (cursor);
      expect(listed).toBeGreaterThan(5);

      const rows = await s.rt.database.db.selectFrom('api_keys').selectAll().execute();
      expect(rows.find((r) => r.id === apiKey.id)?.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(rows)).not.toContain(secret);
      const bodies = await s.rt.database.db.selectFrom('audit_events').select('body').execute();
      expect(bodies.length).toBeGreaterThan(5);
      for (const { body } of bodies) expect(body).not.toContain(secret);
    });
  });
}
