import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, eventsDuring, expectError, expectNothingChanged, ok, startHttpSuite, walkPages, type HttpSuite } from '../support/http.ts';
import { hashToken } from '../../src/platform/ids.ts';
import { jwkThumbprint } from '../../src/oidc/applications/check-jwks.ts';

const BASE = '/api/v1/organizations/acme/applications';
const edKey = { ...generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }), kid: 'ed-1' };
const ecPair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

const webApp = (extra: Record<string, unknown> = {}) => ({ name: 'Billing portal', type: 'web', redirectUris: ['https://billing.acme.test/callback'], ...extra });
const spaApp = (extra: Record<string, unknown> = {}) => ({ name: 'Dashboard', type: 'spa', redirectUris: ['https://dash.acme.test/cb'], ...extra });
const nativeApp = (extra: Record<string, unknown> = {}) => ({ name: 'Mobile', type: 'native', redirectUris: ['com.acme.mobile:/oauth2redirect', 'http://127.0.0.1/cb'], ...extra });

for (const dialect of DIALECTS) {
  describe(`OIDC applications over HTTP on ${dialect}`, () => {
    let s: HttpSuite;
    let org: Record<string, any>;
    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      org = await createOrg(s, 'acme');
      await createOrg(s, 'globex');
    });
    afterAll(async () => s?.close());

    it('registers a web app with defaults: the client secret is in the create response only, and only its hash is stored', async () => {
      const { res, events } = await eventsDuring(s, () => s.request('POST', BASE, { body: webApp({ description: 'Invoices and payments' }) }));
      expect(res.statusCode).toBe(201);
      const { application, clientSecret } = res.json();
      expect(clientSecret).toMatch(/^kl_secret_[A-Za-z0-9_-]{43}$/);
      expect(application).toEqual({
        id: expect.any(String),
        orgId: org.id,
        clientId: application.id,
        name: 'Billing portal',
        description: 'Invoices and payments',
        type: 'web',
        tokenEndpointAuthMethod: 'client_secret_basic',
        jwks: null,
        secretPrefix: clientSecret.slice(0, 16),
        previousSecretExpiresAt: null,
        redirectUris: ['https://billing.acme.test/callback'],
        postLogoutRedirectUris: [],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'profile', 'email', 'offline_access'],
        accessTokenTtlSeconds: 600,
        refreshTokenTtlSeconds: 30 * 86_400,
        idTokenTtlSeconds: 600,
        requiredAcr: null,
        firstParty: true,
        status: 'active',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      // Shown once: reading it back never shows the secret or any hash.
      const read = await s.request('GET', `${BASE}/${application.id}`);
      expect(read.json()).toEqual(application);
      expect(read.body).not.toContain(clientSecret);
      expect(read.body).not.toContain(hashToken(clientSecret));
      const listed = await s.request('GET', BASE);
      expect(listed.body).not.toContain(clientSecret);
      expect(listed.body).not.toContain(hashToken(clientSecret));

      // The database holds the SHA-256 and nowhere the plaintext; the ledger holds neither.
      const rows = await s.rt.database.db.selectFrom('oidc_applications').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(clientSecret.slice(10));
      expect(rows.find((r) => r.id === application.id)!.secret_hash).toBe(hashToken(clientSecret));
      const ledger = await s.rt.database.db.selectFrom('audit_events').select('body').execute();
      for (const { body } of ledger) {
        expect(body).not.toContain(clientSecret.slice(10));
        expect(body).not.toContain(hashToken(clientSecret));
      }

      expect(events.map((e) => e.action)).toEqual(['oidc.application.created']);
      expect(events[0]).toMatchObject({ org: org.id, targets: [{ type: 'oidc_application', id: application.id, display: 'Billing portal' }] });
      expect(events[0].data).toEqual({
        clientId: application.id,
        name: 'Billing portal',
        description: 'Invoices and payments',
        type: 'web',
        tokenEndpointAuthMethod: 'client_secret_basic',
        jwks: null,
        redirectUris: ['https://billing.acme.test/callback'],
        postLogoutRedirectUris: [],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'profile', 'email', 'offline_access'],
        accessTokenTtlSeconds: 600,
        refreshTokenTtlSeconds: 2_592_000,
        idTokenTtlSeconds: 600,
        requiredAcr: null,
        firstParty: true,
        secretPrefix: clientSecret.slice(0, 16),
      });
      expect(await s.rt.applications.verifySecret(application.clientId, clientSecret)).toBe(true);
    });

    it('registers public clients (spa, native) without a secret; they can have neither a secret nor client_credentials', async () => {
      for (const body of [spaApp(), nativeApp()]) {
        const res = await s.request('POST', BASE, { body });
        expect(res.statusCode).toBe(201);
        const created = res.json();
        expect(Object.keys(created)).toEqual(['application']);
        expect(created.application).toMatchObject({ type: body.type, tokenEndpointAuthMethod: 'none', secretPrefix: null, jwks: null });
        const row = await s.rt.database.db.selectFrom('oidc_applications').selectAll().where('id', '=', created.application.id).executeTakeFirstOrThrow();
        expect([row.secret_hash, row.secret_prefix, row.previous_secret_hash]).toEqual([null, null, null]);
        await expectNothingChanged(s.rt, async () => {
          expectError(await s.request('POST', `${BASE}/${created.application.id}/secret`), 409, 'application.secret_not_applicable');
          expectError(await s.request('PATCH', `${BASE}/${created.application.id}`, { body: { grantTypes: ['authorization_code', 'client_credentials'] } }), 422, 'application.grant_types_invalid');
        });
      }
      await expectNothingChanged(s.rt, async () => {
        for (const type of ['spa', 'native']) {
          const base = type === 'spa' ? spaApp() : nativeApp();
          expectError(await s.request('POST', BASE, { body: { ...base, grantTypes: ['client_credentials'] } }), 422, 'application.grant_types_invalid');
          for (const method of ['client_secret_basic', 'private_key_jwt']) {
            expectError(await s.request('POST', BASE, { body: { ...base, tokenEndpointAuthMethod: method, jwks: method === 'private_key_jwt' ? { keys: [edKey] } : undefined } }), 422, 'application.auth_method_invalid');
          }
        }
        expectError(await s.request('POST', BASE, { body: webApp({ tokenEndpointAuthMethod: 'none' }) }), 422, 'application.auth_method_invalid');
      });
    });

    it('registers a private_key_jwt web app with public keys only; the ledger records each key as kid and thumbprint', async () => {
      const { res, events } = await eventsDuring(s, () => s.request('POST', BASE, { body: webApp({ name: 'Payouts', tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [edKey] }, grantTypes: ['client_credentials'], redirectUris: [] }) }));
      expect(res.statusCode).toBe(201);
      const created = res.json();
      expect(created.clientSecret).toBeUndefined();
      expect(created.application).toMatchObject({ tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [edKey] }, secretPrefix: null, grantTypes: ['client_credentials'] });
      expect(events[0].data.jwks).toEqual([{ kid: 'ed-1', thumbprint: jwkThumbprint(edKey) }]);
      expect(await s.rt.applications.verifySecret(created.application.clientId, 'kl_secret_anything')).toBe(false);

      const id = created.application.id;
      const ecPub = { ...ecPair.publicKey.export({ format: 'jwk' }), kid: 'ec-1' };
      const ecPriv = { ...ecPair.privateKey.export({ format: 'jwk' }), kid: 'ec-1' };
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('POST', `${BASE}/${id}/secret`, { body: {} }), 409, 'application.secret_not_applicable');
        expectError(await s.request('PATCH', `${BASE}/${id}`, { body: { jwks: { keys: [ecPriv] } } }), 422, 'application.jwks_invalid');
        expectError(await s.request('PATCH', `${BASE}/${id}`, { body: { jwks: null } }), 422, 'application.jwks_invalid');
        expectError(await s.request('POST', BASE, { body: webApp({ tokenEndpointAuthMethod: 'private_key_jwt' }) }), 422, 'application.jwks_invalid');
        expectError(await s.request('POST', BASE, { body: webApp({ jwks: { keys: [edKey] } }) }), 422, 'application.jwks_invalid');
      });
      // Adding a key for rollover is a change like any other, recorded by thumbprint.
      const rolled = await eventsDuring(s, () => s.request('PATCH', `${BASE}/${id}`, { body: { jwks: { keys: [edKey, ecPub] } } }));
      expect(rolled.res.statusCode).toBe(200);
      expect(rolled.events.map((e) => [e.action, e.data])).toEqual([
        ['oidc.application.updated', { before: { jwks: [{ kid: 'ed-1', thumbprint: jwkThumbprint(edKey) }] }, after: { jwks: [{ kid: 'ed-1', thumbprint: jwkThumbprint(edKey) }, { kid: 'ec-1', thumbprint: jwkThumbprint(ecPub) }] } }],
      ]);
    });

    it('refuses every redirect URI rule with its own code, on create and on change, and changes nothing', async () => {
      const target = (await ok(s, 201, 'POST', BASE, webApp({ name: 'Target' }))).application;
      const cases: Array<[Record<string, unknown>, string]> = [
        [webApp({ redirectUris: ['/callback'] }), 'application.redirect_uri_invalid'],
        [webApp({ redirectUris: ['javascript:alert(1)'] }), 'application.redirect_uri_invalid'],
        [webApp({ redirectUris: ['https://billing.acme.test/cb#section'] }), 'application.redirect_uri_fragment'],
        [webApp({ redirectUris: ['https://*.acme.test/cb'] }), 'application.redirect_uri_wildcard'],
        [webApp({ redirectUris: ['https://billing.acme.test@evil.test/cb'] }), 'application.redirect_uri_userinfo'],
        [webApp({ redirectUris: ['http://billing.acme.test/cb'] }), 'application.redirect_uri_insecure'],
        [webApp({ postLogoutRedirectUris: ['http://billing.acme.test/bye'] }), 'application.redirect_uri_insecure'],
        [webApp({ redirectUris: ['com.acme.billing:/cb'] }), 'application.redirect_uri_custom_scheme'],
        [spaApp({ redirectUris: ['com.acme.dash:/cb'] }), 'application.redirect_uri_custom_scheme'],
        [nativeApp({ redirectUris: ['acmemobile:/cb'] }), 'application.redirect_uri_custom_scheme'],
        [webApp({ redirectUris: [] }), 'application.redirect_uri_required'],
        [webApp({ redirectUris: Array.from({ length: 21 }, (_, i) => `https://billing.acme.test/cb/${i}`) }), 'application.redirect_uri_too_many'],
      ];
      await expectNothingChanged(s.rt, async () => {
        for (const [body, code] of cases) {
          const created = await s.request('POST', BASE, { body });
          expect({ body, code: created.json().error?.code }).toEqual({ body, code });
          expectError(created, 422, code);
          if (body.type !== 'web') continue;
          const { name: _n, type: _t, ...patch } = body;
          expectError(await s.request('PATCH', `${BASE}/${target.id}`, { body: patch }), 422, code);
        }
      });
      // The details say which list and which URI broke the rule.
      const res = await s.request('POST', BASE, { body: webApp({ postLogoutRedirectUris: ['https://ok.acme.test/bye', 'http://billing.acme.test/bye'] }) });
      expect(res.json().error.details).toEqual({ field: 'postLogoutRedirectUris', uri: 'http://billing.acme.test/bye' });
      // Loopback http and a native app's reverse-domain scheme are accepted.
      await ok(s, 201, 'POST', BASE, nativeApp({ redirectUris: ['http://[::1]:8080/cb', 'http://localhost:3000/cb', 'com.acme.mobile:/cb'] }));
    });

    it('refuses the implicit and password grants naming RFC 9700, and grant sets that do not fit', async () => {
      const target = (await ok(s, 201, 'POST', BASE, webApp({ name: 'Grants' }))).application;
      await expectNothingChanged(s.rt, async () => {
        for (const g of ['implicit', 'password']) {
          for (const res of [await s.request('POST', BASE, { body: webApp({ grantTypes: ['authorization_code', g] }) }), await s.request('PATCH', `${BASE}/${target.id}`, { body: { grantTypes: [g] } })]) {
            expectError(res, 422, 'application.grant_type_insecure');
            expect(res.json().error.message).toContain('RFC 9700');
            expect(res.json().error.details).toEqual({ grantType: g, rfc: 'RFC 9700' });
          }
        }
        expectError(await s.request('POST', BASE, { body: webApp({ grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'] }) }), 422, 'application.grant_type_unsupported');
        expectError(await s.request('POST', BASE, { body: webApp({ grantTypes: ['refresh_token'] }) }), 422, 'application.grant_types_invalid');
        expectError(await s.request('POST', BASE, { body: webApp({ grantTypes: [] }) }), 422, 'application.grant_types_invalid');
        // Taking authorization_code away from an app is fine; leaving refresh_token alone is not.
        expectError(await s.request('PATCH', `${BASE}/${target.id}`, { body: { grantTypes: ['refresh_token', 'client_credentials'] } }), 422, 'application.grant_types_invalid');
        expectError(await s.request('PATCH', `${BASE}/${target.id}`, { body: { redirectUris: [] } }), 422, 'application.redirect_uri_required');
      });
      const changed = await eventsDuring(s, () => s.request('PATCH', `${BASE}/${target.id}`, { body: { grantTypes: ['client_credentials'], redirectUris: [] } }));
      expect(changed.res.json()).toMatchObject({ grantTypes: ['client_credentials'], redirectUris: [] });
      expect(changed.events.map((e) => [e.action, e.data])).toEqual([
        ['oidc.application.updated', { before: { grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['https://billing.acme.test/callback'] }, after: { grantTypes: ['client_credentials'], redirectUris: [] } }],
      ]);
    });

    it('holds token lifetimes to their bounds and takes the edges', async () => {
      const bounds: Array<[string, number, number]> = [
        ['accessTokenTtlSeconds', 60, 3600],
        ['refreshTokenTtlSeconds', 3600, 90 * 86_400],
        ['idTokenTtlSeconds', 60, 3600],
      ];
      const target = (await ok(s, 201, 'POST', BASE, spaApp({ name: 'Lifetimes' }))).application;
      await expectNothingChanged(s.rt, async () => {
        for (const [field, min, max] of bounds) {
          for (const bad of [min - 1, max + 1, 0, -60, 600.5, '600']) {
            expectError(await s.request('POST', BASE, { body: spaApp({ [field]: bad }) }), 400, 'request.invalid');
            expectError(await s.request('PATCH', `${BASE}/${target.id}`, { body: { [field]: bad } }), 400, 'request.invalid');
          }
        }
      });
      for (const [field, min, max] of bounds) {
        expect((await ok(s, 201, 'POST', BASE, spaApp({ [field]: min }))).application[field]).toBe(min);
        expect((await ok(s, 200, 'PATCH', `${BASE}/${target.id}`, { [field]: max }))[field]).toBe(max);
      }
    });

    it('changes name, scopes, acr and consent with a before/after event; the type and auth method are fixed', async () => {
      const app = (await ok(s, 201, 'POST', BASE, webApp({ name: 'Settings' }))).application;
      const { res, events } = await eventsDuring(s, () =>
        s.request('PATCH', `${BASE}/${app.id}`, { body: { name: 'Settings v2', scopes: ['openid', 'orders:read'], requiredAcr: 'phishing_resistant', firstParty: false, description: null } }),
      );
      expect(res.json()).toMatchObject({ name: 'Settings v2', scopes: ['openid', 'orders:read'], requiredAcr: 'phishing_resistant', firstParty: false, secretPrefix: app.secretPrefix });
      expect(events.map((e) => [e.action, e.data])).toEqual([
        ['oidc.application.updated', { before: { name: 'Settings', scopes: ['openid', 'profile', 'email', 'offline_access'], requiredAcr: null, firstParty: true }, after: { name: 'Settings v2', scopes: ['openid', 'orders:read'], requiredAcr: 'phishing_resistant', firstParty: false } }],
      ]);
      await expectNothingChanged(s.rt, async () => {
        for (const body of [{ type: 'spa' }, { tokenEndpointAuthMethod: 'private_key_jwt' }, { clientId: 'mine' }, { secretHash: 'x' }, { requiredAcr: 'loa3' }, { scopes: ['two words'] }, { status: 'deleted' }, {}]) {
          expectError(await s.request('PATCH', `${BASE}/${app.id}`, { body }), 400, 'request.invalid');
        }
      });
    });

    it('keeps applications to their organization, and needs the admin scopes', async () => {
      const app = (await ok(s, 201, 'POST', BASE, spaApp({ name: 'Scoped' }))).application;
      const reader = await s.issueKey('reader', ['admin:read']);
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('GET', `/api/v1/organizations/globex/applications/${app.id}`), 404, 'application.not_found');
        expectError(await s.request('PATCH', `/api/v1/organizations/globex/applications/${app.id}`, { body: { name: 'Stolen' } }), 404, 'application.not_found');
        expectError(await s.request('DELETE', `/api/v1/organizations/globex/applications/${app.id}`), 404, 'application.not_found');
        expectError(await s.request('POST', '/api/v1/organizations/nowhere/applications', { body: spaApp() }), 404, 'organization.not_found');
        expectError(await s.request('POST', BASE, { key: reader.key, body: spaApp() }), 403, 'auth.forbidden');
        expectError(await s.request('DELETE', `${BASE}/${app.id}`, { key: reader.key }), 403, 'auth.forbidden');
        expectError(await s.request('GET', BASE, { key: null }), 401, 'auth.unauthenticated');
      });
      expect((await s.request('GET', `${BASE}/${app.id}`, { key: reader.key })).statusCode).toBe(200);
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/globex/applications')).items).toEqual([]);
    });

    it('lists an organization’s applications page by page', async () => {
      const all = (await ok(s, 200, 'GET', `${BASE}?limit=200`)).items.map((a: { id: string }) => a.id);
      expect(all.length).toBeGreaterThan(5);
      const { ids, pages } = await walkPages(s, BASE, 2);
      expect(ids).toEqual(all);
      expect(pages).toBe(Math.ceil(all.length / 2));
      expect([...ids].sort()).toEqual(ids);
    });
  });
}
