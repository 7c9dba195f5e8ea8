/**
 * SSO connections over HTTP against real identity providers on loopback: a
 * samlify SAML IdP (metadata as XML and by URL) and an independent
 * oidc-provider (discovery), on SQLite and PostgreSQL. The SP private key and
 * the OIDC client secret must never come back, nor sit in the database or the
 * ledger in plaintext.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, eventsDuring, expectError, expectNothingChanged, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.ts';
import { startOidcIdp, type OidcIdp } from '../support/oidc-idp.ts';
import { systemContext } from '../../src/audit/event.ts';

/** SHA-256 of a PEM certificate's DER, as Keyledger names certificates. */
const fingerprintOf = (pem: string) => createHash('sha256').update(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')).digest('hex');
/** The base64 body of a PEM (what would leak if the key were stored as is). */
const pemBody = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

describe.each(DIALECTS)('SSO connections over HTTP on %s', (dialect) => {
  let s: HttpSuite;
  let saml: SamlIdp;
  let oidc: OidcIdp;
  let acme: Record<string, any>;
  const base = '/api/v1/organizations/acme/sso-connections';
  const connectionRow = (id: string) => s.rt.database.db.selectFrom('sso_connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const ledgerText = async () => JSON.stringify(await s.rt.database.db.selectFrom('audit_events').selectAll().execute());
  beforeAll(async () => {
    [saml, oidc] = await Promise.all([startSamlIdp(), startOidcIdp()]);
    s = await startHttpSuite(dialect);
    acme = await createOrg(s, 'acme');
    await createOrg(s, 'globex');
    await createRole(s, 'acme', 'engineer');
    await createRole(s, 'acme', 'admin', { privileged: true });
  });
  afterAll(async () => {
    await s?.close();
    await Promise.all([saml?.close(), oidc?.close()]);
  });

  describe('SAML', () => {
    let conn: Record<string, any>;

    it('creates a connection from IdP metadata XML with its own SP key pair, whose private key is never shown nor stored in plaintext', async () => {
      const created = await eventsDuring(s, () => s.request('POST', base, { body: { type: 'saml', name: 'Okta', metadataXml: saml.metadataXml(), allowIdpInitiated: true } }));
      expect(created.res.statusCode).toBe(201);
      conn = created.res.json();
      const publicUrl = s.rt.config.publicUrl;
      expect(conn).toMatchObject({ orgId: acme.id, type: 'saml', name: 'Okta', status: 'active', allowIdpInitiated: true, jitProvisioning: true, attributeMapping: {}, oidc: null, loginUrl: `${publicUrl}/sso/${conn.id}/login` });
      expect(conn.saml).toMatchObject({
        idpEntityId: saml.entityId,
        ssoUrl: saml.ssoUrl,
        clockSkewSeconds: 60,
        metadataUrl: null,
        spEntityId: `${publicUrl}/sso/saml/${conn.id}/metadata`,
        acsUrl: `${publicUrl}/sso/saml/${conn.id}/acs`,
        spMetadataUrl: `${publicUrl}/sso/saml/${conn.id}/metadata`,
      });
      expect(conn.saml.certificates.map((c: any) => c.fingerprint)).toEqual([fingerprintOf(saml.signingCertificatePem())]);
      expect(conn.saml.spCertificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(created.res.body).not.toMatch(/PRIVATE KEY/);

      // The key exists (the protocol code gets it) but only sealed under the master key.
      const row = await connectionRow(conn.id);
      const privateKey = s.rt.sso.connections.samlConfig(row).spPrivateKeyPem;
      expect(privateKey).toMatch(/PRIVATE KEY/);
      expect(JSON.stringify(row)).not.toContain(pemBody(privateKey).slice(0, 64));
      expect(JSON.stringify(row)).not.toMatch(/PRIVATE KEY/);
      expect(await ledgerText()).not.toContain(pemBody(privateKey).slice(0, 64));
      expect(created.events.map((e) => [e.action, e.actor.type, e.data])).toEqual([
        ['sso.connection.created', 'api_key', { type: 'saml', name: 'Okta', idp: saml.entityId, spEntityId: conn.saml.spEntityId, allowIdpInitiated: true, jitProvisioning: true, certificates: [fingerprintOf(saml.signingCertificatePem())] }],
      ]);
      // The SP metadata the IdP administrator downloads carries the certificate, and a real IdP accepts it.
      const spMetadata = await s.rt.sso.spMetadata(conn.id);
      expect(spMetadata).not.toMatch(/PRIVATE KEY/);
      expect(saml.trustServiceProvider(spMetadata)).toEqual({ entityId: conn.saml.spEntityId, acsUrl: conn.saml.acsUrl });
      expect(await ok(s, 200, 'GET', `${base}/${conn.id}`)).toEqual(conn);
    });

    it('creates a connection from a metadata URL, and refuses bad metadata, unreachable or plain-http URLs and bad certificates, changing nothing', async () => {
      const byUrl = await ok(s, 201, 'POST', base, { type: 'saml', name: 'Okta by URL', metadataUrl: saml.metadataUrl });
      expect(byUrl.saml).toMatchObject({ idpEntityId: saml.entityId, ssoUrl: saml.ssoUrl, metadataUrl: saml.metadataUrl });
      expect(byUrl.id).not.toBe(conn.id);
      // Each connection has its own SP key.
      expect(byUrl.saml.spCertificate).not.toBe(conn.saml.spCertificate);

      const refused: Array<[Record<string, unknown>, string]> = [
        [{ metadataXml: '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>' }, 'sso.metadata_invalid'],
        [{ metadataXml: 'not xml at all' }, 'sso.metadata_invalid'],
        [{ metadataUrl: 'http://127.0.0.1:1/metadata' }, 'sso.metadata_unreachable'],
        [{ metadataUrl: 'http://idp.example.com/metadata' }, 'sso.connection_invalid'],
        [{ idp: { entityId: 'https://idp.example.com', ssoUrl: 'https://idp.example.com/sso', certificates: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'] } }, 'sso.certificate_invalid'],
        [{ idp: { entityId: 'https://idp.example.com', ssoUrl: 'http://idp.example.com/sso', certificates: [saml.signingCertificatePem()] } }, 'sso.connection_invalid'],
      ];
      for (const [source, code] of refused) {
        const res = await expectNothingChanged(s.rt, () => s.request('POST', base, { body: { type: 'saml', name: 'Broken', ...source } }));
        expectError(res, 422, code);
      }
    });

    it('trusts a second certificate for a rollover, removes the old one, and never the last', async () => {
      const oldPem = saml.signingCertificatePem();
      await saml.rolloverSigningKey();
      const newPem = saml.signingCertificatePem();
      const added = await eventsDuring(s, () => s.request('POST', `${base}/${conn.id}/certificates`, { body: { certificate: newPem } }));
      expect(added.res.statusCode).toBe(200);
      expect(added.res.json().saml.certificates.map((c: any) => c.fingerprint)).toEqual([fingerprintOf(oldPem), fingerprintOf(newPem)]);
      expect(added.events.map((e) => [e.action, e.data])).toEqual([['sso.certificate.added', { connectionId: conn.id, fingerprint: fingerprintOf(newPem), subject: expect.any(String), notAfter: expect.any(String) }]]);
      // The same certificate again: nothing to record.
      expect((await expectNothingChanged(s.rt, () => s.request('POST', `${base}/${conn.id}/certificates`, { body: { certificate: newPem } }))).statusCode).toBe(200);
      await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', `${base}/${conn.id}/certificates`, { body: { certificate: 'garbage' } }), 422, 'sso.certificate_invalid'));

      // Fingerprints are accepted as printed by openssl: upper-case, colon-separated.
      const colons = fingerprintOf(oldPem).toUpperCase().match(/../g)!.join(':');
      const removed = await eventsDuring(s, () => s.request('DELETE', `${base}/${conn.id}/certificates/${colons}`));
      expect(removed.res.statusCode).toBe(200);
      expect(removed.res.json().saml.certificates.map((c: any) => c.fingerprint)).toEqual([fingerprintOf(newPem)]);
      expect(removed.events.map((e) => [e.action, e.data])).toEqual([['sso.certificate.removed', { connectionId: conn.id, fingerprint: fingerprintOf(oldPem) }]]);
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('DELETE', `${base}/${conn.id}/certificates/${fingerprintOf(newPem)}`), 409, 'sso.certificate_last');
        expectError(await s.request('DELETE', `${base}/${conn.id}/certificates/${fingerprintOf(oldPem)}`), 404, 'sso.certificate_not_found');
      });
    });

    it('PATCH changes settings with sso.connection.updated before/after; an unchanged PATCH and fields of the other protocol change nothing', async () => {
      const patch = { name: 'Okta production', allowIdpInitiated: false, jitProvisioning: false, clockSkewSeconds: 120, attributeMapping: { email: 'mail', groups: 'memberOf' } };
      const changed = await eventsDuring(s, () => s.request('PATCH', `${base}/${conn.id}`, { body: patch }));
      expect(changed.res.statusCode).toBe(200);
      const { clockSkewSeconds, ...top } = patch;
      expect(changed.res.json()).toMatchObject({ ...top, saml: { clockSkewSeconds } });
      expect(changed.events.map((e) => [e.action, e.targets, e.data])).toEqual([
        [
          'sso.connection.updated',
          [{ type: 'sso_connection', id: conn.id, display: 'Okta production' }],
          {
            before: { name: 'Okta', jitProvisioning: true, attributeMapping: {}, allowIdpInitiated: true, clockSkewSeconds: 60 },
            after: { name: 'Okta production', jitProvisioning: false, attributeMapping: { email: 'mail', groups: 'memberOf' }, allowIdpInitiated: false, clockSkewSeconds: 120 },
          },
        ],
      ]);
      expect((await expectNothingChanged(s.rt, () => s.request('PATCH', `${base}/${conn.id}`, { body: patch }))).statusCode).toBe(200);
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('PATCH', `${base}/${conn.id}`, { body: { clientSecret: 'x' } }), 422, 'sso.connection_invalid');
        expectError(await s.request('PATCH', `${base}/${conn.id}`, { body: { metadataUrl: 'http://127.0.0.1:1/metadata' } }), 422, 'sso.metadata_unreachable');
      });
      const disabled = await eventsDuring(s, () => s.request('PATCH', `${base}/${conn.id}`, { body: { status: 'disabled' } }));
      expect(disabled.events.map((e) => e.data)).toEqual([{ before: { status: 'active' }, after: { status: 'disabled' } }]);
      await ok(s, 200, 'PATCH', `${base}/${conn.id}`, { status: 'active' });
    });

    it('lists the last "test connection" results of a connection', async () => {
      expect(await ok(s, 200, 'GET', `${base}/${conn.id}/tests`)).toEqual({ items: [] });
      const ctx = systemContext('test', 'test connection');
      const started = await s.rt.sso.signIn.start(ctx, conn.id, { returnTo: '/sso/setup', purpose: 'test' });
      const state = await s.rt.database.db.selectFrom('sso_login_states').select('request_id').where('connection_id', '=', conn.id).executeTakeFirstOrThrow();
      expect(started.state).toBeTruthy();
      // The connection reads the email from "mail" since the PATCH above.
      const samlResponse = await saml.loginResponse({ user: { nameId: 'ada@acme.test' }, attributes: { mail: ['ada@acme.test'], memberOf: ['Eng'] }, requestId: state.request_id, sp: conn.saml.spEntityId });
      const completed = await s.rt.sso.signIn.completeSaml(ctx, conn.id, { samlResponse });
      expect(completed.kind).toBe('test');
      const { items } = await ok(s, 200, 'GET', `${base}/${conn.id}/tests`);
      expect(items).toEqual([expect.objectContaining({ connectionId: conn.id, outcome: 'succeeded', subject: 'ada@acme.test', email: 'ada@acme.test', errorCode: null })]);
      expect(items[0].attributes).toMatchObject({ mail: ['ada@acme.test'], memberOf: ['Eng'] });
      // Nobody was signed in or provisioned by a test.
      expect(await s.rt.identity.findUserByEmail('ada@acme.test')).toBeFalsy();
    });

    it('maps IdP groups to roles: added, listed, a duplicate refused, removed', async () => {
      const url = `${base}/${conn.id}/group-mappings`;
      const added = await eventsDuring(s, () => s.request('POST', url, { body: { group: 'Eng', role: 'engineer' } }));
      expect(added.res.statusCode).toBe(201);
      const mapping = added.res.json();
      expect(mapping).toMatchObject({ connectionId: conn.id, group: 'Eng', roleKey: 'engineer', privileged: false });
      expect(added.events.map((e) => [e.action, e.data])).toEqual([['sso.group_mapping.created', { connectionId: conn.id, group: 'Eng', roleId: mapping.roleId, roleKey: 'engineer' }]]);
      const privileged = await ok(s, 201, 'POST', url, { group: 'Admins', role: 'admin' });
      expect(privileged.privileged).toBe(true);
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('POST', url, { body: { group: 'Eng', role: 'engineer' } }), 409, 'sso.group_mapping_exists');
        expectError(await s.request('POST', url, { body: { group: 'Eng', role: 'no-such-role' } }), 404, 'role.not_found');
      });
      expect((await ok(s, 200, 'GET', url)).items.map((m: any) => [m.group, m.roleKey])).toEqual([['Admins', 'admin'], ['Eng', 'engineer']]);
      const removed = await eventsDuring(s, () => s.request('DELETE', `${url}/${mapping.id}`));
      expect(removed.res.statusCode).toBe(204);
      expect(removed.events.map((e) => [e.action, e.data])).toEqual([['sso.group_mapping.deleted', { connectionId: conn.id, group: 'Eng', roleId: mapping.roleId }]]);
      expect((await ok(s, 200, 'GET', url)).items.map((m: any) => m.group)).toEqual(['Admins']);
    });

    it('deletes a connection with its group rules; another organization cannot reach it', async () => {
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('GET', `/api/v1/organizations/globex/sso-connections/${conn.id}`), 404, 'sso.connection_not_found');
        expectError(await s.request('DELETE', `/api/v1/organizations/globex/sso-connections/${conn.id}`), 404, 'sso.connection_not_found');
        expectError(await s.request('GET', `/api/v1/organizations/globex/sso-connections/${conn.id}/tests`), 404, 'sso.connection_not_found');
      });
      const deleted = await eventsDuring(s, () => s.request('DELETE', `${base}/${conn.id}`));
      expect(deleted.res.statusCode).toBe(204);
      expect(deleted.events.map((e) => [e.action, e.data])).toEqual([['sso.connection.deleted', { type: 'saml', name: 'Okta production', unlinkedIdentities: 0 }]]);
      expectError(await s.request('GET', `${base}/${conn.id}`), 404, 'sso.connection_not_found');
      expect(await s.rt.database.db.selectFrom('sso_group_role_mappings').select('id').where('connection_id', '=', conn.id).execute()).toEqual([]);
    });
  });

  describe('OIDC', () => {
    it('creates a connection checked by discovery; the client secret is never returned and never stored or recorded in plaintext', async () => {
      const clientSecret = randomBytes(24).toString('base64url');
      const created = await eventsDuring(s, () => s.request('POST', base, { body: { type: 'oidc', name: 'Okta OIDC', issuer: oidc.issuer, clientId: 'keyledger', clientSecret, scopes: ['openid', 'email', 'groups'] } }));
      expect(created.res.statusCode).toBe(201);
      const conn = created.res.json();
      expect(conn).toMatchObject({ type: 'oidc', saml: null, oidc: { issuer: oidc.issuer, clientId: 'keyledger', scopes: ['openid', 'email', 'groups'], redirectUri: `${s.rt.config.publicUrl}/sso/oidc/${conn.id}/callback` } });
      expect(oidc.discoveryFetches()).toBeGreaterThan(0);
      expect(created.res.body).not.toContain(clientSecret);
      expect((await s.request('GET', `${base}/${conn.id}`)).body).not.toContain(clientSecret);
      expect((await s.request('GET', base)).body).not.toContain(clientSecret);
      expect(created.events.map((e) => [e.action, e.data])).toEqual([['sso.connection.created', { type: 'oidc', name: 'Okta OIDC', idp: oidc.issuer, spEntityId: null, allowIdpInitiated: false, jitProvisioning: true, certificates: [] }]]);
      let row = await connectionRow(conn.id);
      expect(JSON.stringify(row)).not.toContain(clientSecret);
      expect(s.rt.sso.connections.oidcConfig(row).clientSecret).toBe(clientSecret);

      // A new secret: recorded as "changed", stored sealed.
      const nextSecret = randomBytes(24).toString('base64url');
      const rotated = await eventsDuring(s, () => s.request('PATCH', `${base}/${conn.id}`, { body: { clientSecret: nextSecret } }));
      expect(rotated.res.statusCode).toBe(200);
      expect(rotated.res.body).not.toContain(nextSecret);
      expect(rotated.events.map((e) => e.data)).toEqual([{ before: { clientSecret: 'unchanged' }, after: { clientSecret: 'changed' } }]);
      row = await connectionRow(conn.id);
      expect(JSON.stringify(row)).not.toContain(nextSecret);
      expect(s.rt.sso.connections.oidcConfig(row).clientSecret).toBe(nextSecret);
      const ledger = await ledgerText();
      expect(ledger).not.toContain(clientSecret);
      expect(ledger).not.toContain(nextSecret);

      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('PATCH', `${base}/${conn.id}`, { body: { allowIdpInitiated: true } }), 422, 'sso.connection_invalid');
        expectError(await s.request('POST', `${base}/${conn.id}/certificates`, { body: { certificate: saml.signingCertificatePem() } }), 422, 'sso.connection_invalid');
        expectError(await s.request('PATCH', `${base}/${conn.id}`, { body: { issuer: 'http://127.0.0.1:1' } }), 422, 'sso.metadata_unreachable');
      });
    });

    it('refuses an issuer whose discovery fails (422 sso.metadata_unreachable) or that is not https, changing nothing', async () => {
      const body = (issuer: string) => ({ type: 'oidc', name: 'Broken', issuer, clientId: 'c', clientSecret: 's' });
      const unreachable = await expectNothingChanged(s.rt, () => s.request('POST', base, { body: body('http://127.0.0.1:1') }));
      expectError(unreachable, 422, 'sso.metadata_unreachable');
      expect(unreachable.json().error.details).toMatchObject({ reason: expect.any(String) });
      // A real server that is not an OpenID provider.
      expectError(await expectNothingChanged(s.rt, () => s.request('POST', base, { body: body(saml.entityId.replace(/\/metadata$/, '')) })), 422, 'sso.metadata_unreachable');
      expectError(await expectNothingChanged(s.rt, () => s.request('POST', base, { body: body('http://idp.example.com') })), 422, 'sso.connection_invalid');
    });
  });
});
