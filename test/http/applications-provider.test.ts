import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, eventsDuring, expectError, expectNothingChanged, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { sql } from 'kysely';
import { createApplicationService, type ApplicationRevocationHook } from '../../src/oidc/applications/service.ts';

const BASE = '/api/v1/organizations/acme/applications';
const HOUR = 3_600_000;
const webApp = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'web', redirectUris: ['https://app.acme.test/cb'], postLogoutRedirectUris: ['https://app.acme.test/bye'], ...extra });

/** What the provider's side (findClient, verifySecret, the revocation hooks) sees of applications. */
for (const dialect of DIALECTS) {
  describe(`OIDC applications as the provider sees them, on ${dialect}`, () => {
    let s: HttpSuite;
    let org: Record<string, any>;
    const clock = new ManualClock('2026-06-01T09:00:00.000Z');
    /** Applications the test hook saw revoked, with what the transaction showed of them at that moment. */
    const revoked: Array<{ applicationId: string; statusInTransaction: string | null }> = [];
    let failHook = false;
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      org = await createOrg(s, 'acme');
      const hook: ApplicationRevocationHook = async (scope, { applicationId }) => {
        const row = await scope.trx.selectFrom('oidc_applications').select('status').where('id', '=', applicationId).executeTakeFirst();
        revoked.push({ applicationId, statusInTransaction: row?.status ?? null });
        if (failHook) throw new Error('token store unavailable');
      };
      s.rt.applications.revocationHooks.push(hook);
    });
    afterAll(async () => s?.close());

    const create = async (name: string, extra: Record<string, unknown> = {}) => ok(s, 201, 'POST', BASE, webApp(name, extra));

    it('findClient gives the provider an active client with every setting it needs', async () => {
      const { application } = await create('Portal', { requiredAcr: 'mfa', firstParty: false, scopes: ['openid', 'email'], accessTokenTtlSeconds: 300 });
      expect(await s.rt.applications.findClient(application.clientId)).toEqual({
        applicationId: application.id,
        orgId: org.id,
        clientId: application.clientId,
        name: 'Portal',
        type: 'web',
        tokenEndpointAuthMethod: 'client_secret_basic',
        redirectUris: ['https://app.acme.test/cb'],
        postLogoutRedirectUris: ['https://app.acme.test/bye'],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'email'],
        accessTokenTtlSeconds: 300,
        refreshTokenTtlSeconds: 2_592_000,
        idTokenTtlSeconds: 600,
        requiredAcr: 'mfa',
        firstParty: false,
      });
      for (const unknown of ['00000000-0000-7000-8000-000000000000', '', 'x'.repeat(5000), application.clientId.toUpperCase()]) {
        expect(await s.rt.applications.findClient(unknown)).toBeUndefined();
      }
    });

    it('findClient is one query on the client_id index', async () => {
      const { application } = await create('Indexed');
      const db = s.rt.database.db;
      let queries = 0;
      const counting = db.withPlugin({
        transformQuery: (args) => {
          queries++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      });
      const service = createApplicationService({ db: counting, runner: s.rt.runner, clock, newId: s.rt.newId, identity: s.rt.identity });
      expect((await service.findClient(application.clientId))?.applicationId).toBe(application.id);
      expect(queries).toBe(1);
      if (dialect === 'sqlite') {
        // The lookup the provider makes on every token request reads the unique index, not the table.
        const plan = await sql<{ detail: string }>`explain query plan select * from oidc_applications where client_id = ${application.clientId}`.execute(db);
        expect(plan.rows.map((r) => r.detail).join(' ')).toContain('oidc_applications_client_id_unique');
      }
    });

    it('verifySecret accepts the current secret only, and nothing close to it', async () => {
      const { application, clientSecret } = await create('Secrets');
      const { verifySecret } = s.rt.applications;
      expect(await verifySecret(application.clientId, clientSecret)).toBe(true);
      for (const wrong of [clientSecret.slice(0, -1), `${clientSecret}A`, clientSecret.toLowerCase(), '', application.secretPrefix, 'kl_secret_none']) {
        expect({ wrong, ok: await verifySecret(application.clientId, wrong) }).toEqual({ wrong, ok: false });
      }
      // Another application's secret is not this one's.
      const other = await create('Other');
      expect(await verifySecret(application.clientId, other.clientSecret)).toBe(false);
      expect(await verifySecret('00000000-0000-7000-8000-000000000000', clientSecret)).toBe(false);
    });

    it('rotation: the new secret works at once, the old one until its overlap ends, measured on the moved clock', async () => {
      const { application, clientSecret: first } = await create('Rotating');
      const url = `${BASE}/${application.id}/secret`;
      const rotated = await eventsDuring(s, () => s.request('POST', url, { body: { overlapSeconds: 3600 } }));
      expect(rotated.res.statusCode).toBe(200);
      const second = rotated.res.json().clientSecret as string;
      expect(second).toMatch(/^kl_secret_/);
      expect(second).not.toBe(first);
      const expiresAt = new Date(clock.now().getTime() + HOUR).toISOString();
      expect(rotated.res.json().application).toMatchObject({ secretPrefix: second.slice(0, 16), previousSecretExpiresAt: expiresAt });
      expect(rotated.events.map((e) => [e.action, e.data])).toEqual([
        ['oidc.application.secret_rotated', { clientId: application.clientId, secretPrefix: second.slice(0, 16), previousSecretPrefix: first.slice(0, 16), overlapSeconds: 3600, previousSecretExpiresAt: expiresAt }],
      ]);
      expect(JSON.stringify(rotated.events)).not.toContain(second.slice(10));
      expect((await s.request('GET', `${BASE}/${application.id}`)).body).not.toContain(second);

      const { verifySecret } = s.rt.applications;
      expect([await verifySecret(application.clientId, second), await verifySecret(application.clientId, first)]).toEqual([true, true]);
      clock.advance(HOUR - 1);
      expect(await verifySecret(application.clientId, first)).toBe(true);
      clock.advance(1);
      expect([await verifySecret(application.clientId, second), await verifySecret(application.clientId, first)]).toEqual([true, false]);

      // Without an overlap (the default, and an empty request) the replaced secret ends at once.
      const third = (await ok(s, 200, 'POST', url)).clientSecret as string;
      expect([await verifySecret(application.clientId, third), await verifySecret(application.clientId, second)]).toEqual([true, false]);
      expect((await ok(s, 200, 'GET', `${BASE}/${application.id}`)).previousSecretExpiresAt).toBeNull();

      // A rotation inside an overlap ends the older overlap: only the secret it replaced stays valid.
      const fourth = (await ok(s, 200, 'POST', url, { overlapSeconds: 600 })).clientSecret as string;
      const fifth = (await ok(s, 200, 'POST', url, { overlapSeconds: 600 })).clientSecret as string;
      expect([await verifySecret(application.clientId, fifth), await verifySecret(application.clientId, fourth), await verifySecret(application.clientId, third)]).toEqual([true, true, false]);

      await expectNothingChanged(s.rt, async () => {
        for (const overlapSeconds of [-1, 7 * 86_400 + 1, 1.5, '60']) expectError(await s.request('POST', url, { body: { overlapSeconds } }), 400, 'request.invalid');
        expectError(await s.request('POST', url, { body: { overlapSeconds: 60, secret: 'mine' } }), 400, 'request.invalid');
        expectError(await s.request('POST', `${BASE}/00000000-0000-7000-8000-000000000000/secret`), 404, 'application.not_found');
      });
      expect((await ok(s, 200, 'POST', url, { overlapSeconds: 7 * 86_400 })).application.previousSecretExpiresAt).toBe(new Date(clock.now().getTime() + 7 * 86_400_000).toISOString());
    });

    it('two rotations at once: each starts from the other’s result, so both new secrets stay usable and the original ends', async () => {
      const { application, clientSecret: original } = await create('Concurrent');
      const rotate = () => s.rt.applications.rotateSecret(systemContext('test', 'concurrent rotation'), 'acme', application.id, { overlapSeconds: 600 });
      const [a, b] = await Promise.all([rotate(), rotate()]);
      const { verifySecret } = s.rt.applications;
      expect([await verifySecret(application.clientId, a.clientSecret), await verifySecret(application.clientId, b.clientSecret), await verifySecret(application.clientId, original)]).toEqual([true, true, false]);
    });

    it('disabling an application hides it from the provider, refuses its secret and runs the revocation hooks in the same transaction', async () => {
      const { application, clientSecret } = await create('Disabled');
      revoked.length = 0;
      const disabled = await eventsDuring(s, () => s.request('PATCH', `${BASE}/${application.id}`, { body: { status: 'disabled' } }));
      expect(disabled.res.json().status).toBe('disabled');
      expect(disabled.events.map((e) => [e.action, e.data])).toEqual([['oidc.application.disabled', { clientId: application.clientId, name: 'Disabled' }]]);
      // The hook ran inside the command: it saw the application already disabled, uncommitted.
      expect(revoked).toEqual([{ applicationId: application.id, statusInTransaction: 'disabled' }]);
      expect(await s.rt.applications.findClient(application.clientId)).toBeUndefined();
      expect(await s.rt.applications.verifySecret(application.clientId, clientSecret)).toBe(false);

      // Changing a disabled application's settings revokes nothing more.
      revoked.length = 0;
      const renamed = await eventsDuring(s, () => s.request('PATCH', `${BASE}/${application.id}`, { body: { name: 'Disabled app' } }));
      expect(renamed.events.map((e) => e.action)).toEqual(['oidc.application.updated']);
      expect(revoked).toEqual([]);

      const enabled = await eventsDuring(s, () => s.request('PATCH', `${BASE}/${application.id}`, { body: { status: 'active', accessTokenTtlSeconds: 900 } }));
      expect(enabled.events.map((e) => [e.action, e.data])).toEqual([
        ['oidc.application.updated', { before: { accessTokenTtlSeconds: 600 }, after: { accessTokenTtlSeconds: 900 } }],
        ['oidc.application.enabled', { clientId: application.clientId, name: 'Disabled app' }],
      ]);
      expect((await s.rt.applications.findClient(application.clientId))?.accessTokenTtlSeconds).toBe(900);
      expect(await s.rt.applications.verifySecret(application.clientId, clientSecret)).toBe(true);
      expect(revoked).toEqual([]);
    });

    it('a failing revocation hook leaves the application as it was, with nothing recorded', async () => {
      const { application } = await create('Sticky');
      failHook = true;
      try {
        await expectNothingChanged(s.rt, async () => {
          expectError(await s.request('PATCH', `${BASE}/${application.id}`, { body: { status: 'disabled' } }), 500, 'internal');
          expectError(await s.request('DELETE', `${BASE}/${application.id}`), 500, 'internal');
        });
      } finally {
        failHook = false;
      }
      expect((await s.rt.applications.findClient(application.clientId))?.applicationId).toBe(application.id);
    });

    it('deleting an application runs the hooks, records it, and leaves nothing for the provider', async () => {
      const { application, clientSecret } = await create('Deleted');
      revoked.length = 0;
      const deleted = await eventsDuring(s, () => s.request('DELETE', `${BASE}/${application.id}`));
      expect(deleted.res.statusCode).toBe(204);
      expect(deleted.events.map((e) => [e.action, e.data])).toEqual([['oidc.application.deleted', { clientId: application.clientId, name: 'Deleted', type: 'web' }]]);
      expect(revoked).toEqual([{ applicationId: application.id, statusInTransaction: 'active' }]);
      expect(await s.rt.applications.findClient(application.clientId)).toBeUndefined();
      expect(await s.rt.applications.verifySecret(application.clientId, clientSecret)).toBe(false);
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('GET', `${BASE}/${application.id}`), 404, 'application.not_found');
        expectError(await s.request('DELETE', `${BASE}/${application.id}`), 404, 'application.not_found');
        expectError(await s.request('PATCH', `${BASE}/${application.id}`, { body: { status: 'active' } }), 404, 'application.not_found');
      });
    });
  });
}
