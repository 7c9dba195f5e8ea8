import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as client from 'openid-client';
import { exportJWK, generateKeyPair } from 'jose';
import { DIALECTS } from '../support/databases.ts';
import { discover, startServerSuite, type ServerSuite } from '../support/oidc.ts';
import { ManualClock } from '../../src/platform/clock.ts';

/** The OAuth error a refused grant carries: in the body (ResponseBodyError), or in the WWW-Authenticate challenge of a 401. */
async function oauthError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const challenge = (err as { cause?: Array<{ parameters?: { error?: string } }> }).cause;
    return (err as { error?: string }).error ?? (Array.isArray(challenge) ? challenge[0]?.parameters?.error : undefined) ?? (err as Error).message;
  }
  throw new Error('expected the request to be refused');
}

for (const dialect of DIALECTS) {
  describe(`service accounts as OAuth clients, with openid-client over HTTP, on ${dialect}`, () => {
    let s: ServerSuite;
    const clock = new ManualClock(new Date());
    let saId: string;
    let adaId: string;
    let secret: string;
    let secretCredId: string;
    let bySecret: client.Configuration;
    let resourceServer: client.Configuration;
    let otherOrgApp: client.Configuration;

    beforeAll(async () => {
      s = await startServerSuite(dialect, { clock });
      await s.api('POST', '/organizations', { slug: 'acme', name: 'Acme' });
      await s.api('POST', '/organizations', { slug: 'globex', name: 'Globex' });
      const ada = await s.api('POST', '/users', { email: 'ada@acme.test', name: 'Ada' });
      adaId = ada.id;
      await s.api('POST', '/organizations/acme/members', { userId: ada.id });
      await s.api('POST', '/organizations/acme/roles', { key: 'invoice-reader', name: 'Invoice reader', description: 'reads invoices', permissions: ['invoices:read', 'customers:read'] });
      const sa = await s.api('POST', '/organizations/acme/service-accounts', { name: 'billing-sync', description: 'nightly invoice export', ownerUserId: ada.id });
      saId = sa.id;
      await s.api('POST', '/organizations/acme/role-assignments', { role: 'invoice-reader', principalType: 'service_account', principalId: saId, approvalRef: 'CHG-1' });
      const issued = await s.api('POST', `/organizations/acme/service-accounts/${saId}/credentials`, { kind: 'secret' });
      secret = issued.secret;
      secretCredId = issued.credential.id;
      bySecret = await discover(s.issuer, saId, client.ClientSecretBasic(secret));
      // A confidential application of the same organization acts as the resource server that introspects.
      const api = await s.api('POST', '/organizations/acme/applications', { name: 'Invoices API', type: 'web', grantTypes: ['client_credentials'] });
      resourceServer = await discover(s.issuer, api.application.clientId, client.ClientSecretBasic(api.clientSecret));
      const other = await s.api('POST', '/organizations/globex/applications', { name: 'Globex API', type: 'web', grantTypes: ['client_credentials'] });
      otherOrgApp = await discover(s.issuer, other.application.clientId, client.ClientSecretBasic(other.clientSecret));
    }, 60_000);
    afterAll(async () => s?.close());

    it('issues a short-lived token for the permissions its roles give, and records where the credential was used', async () => {
      const tokens = await client.clientCredentialsGrant(bySecret, { scope: 'invoices:read' });
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
      expect(tokens.expires_in).toBeGreaterThan(590);
      expect(tokens.expires_in).toBeLessThanOrEqual(600);
      const seen = await client.tokenIntrospection(resourceServer, tokens.access_token);
      const org = await s.api('GET', '/organizations/acme');
      // Its audience is the organization's APIs.
      expect(seen).toMatchObject({ active: true, client_id: saId, scope: 'invoices:read', credential_id: secretCredId, token_type: 'Bearer', aud: `urn:keyledger:organization:${org.id}` });
      const creds = await s.api('GET', `/organizations/acme/service-accounts/${saId}/credentials`);
      expect(creds.items.find((c: any) => c.id === secretCredId)).toMatchObject({ lastUsedIp: '127.0.0.1' });
      expect(creds.items.find((c: any) => c.id === secretCredId).lastUsedAt).not.toBeNull();
      // The secret is nowhere in the provider's storage.
      const rows = await s.t.rt.database.db.selectFrom('oidc_payloads').select('payload').execute();
      expect(rows.some((r) => r.payload.includes(secret))).toBe(false);
    });

    it('refuses a scope the service account does not hold, a wrong secret, and an unknown client', async () => {
      expect(await oauthError(client.clientCredentialsGrant(bySecret, { scope: 'invoices:write' }))).toBe('invalid_scope');
      const wrong = await discover(s.issuer, saId, client.ClientSecretBasic(`${secret.slice(0, -2)}xx`));
      expect(await oauthError(client.clientCredentialsGrant(wrong))).toBe('invalid_client');
      const unknown = await discover(s.issuer, '0190f5b2-0000-7000-8000-000000000000', client.ClientSecretBasic(secret));
      expect(await oauthError(client.clientCredentialsGrant(unknown))).toBe('invalid_client');
    });

    it('authenticates with private_key_jwt by a registered public key, next to a secret', async () => {
      const pair = await generateKeyPair('ES256', { extractable: true });
      const created = await s.api('POST', `/organizations/acme/service-accounts/${saId}/credentials`, { kind: 'public_key', jwk: await exportJWK(pair.publicKey) });
      const keyCredId = created.credential.id;
      const byKey = await discover(s.issuer, saId, client.PrivateKeyJwt({ key: pair.privateKey, kid: keyCredId }));
      const tokens = await client.clientCredentialsGrant(byKey, { scope: 'customers:read' });
      expect(await client.tokenIntrospection(resourceServer, tokens.access_token)).toMatchObject({ active: true, credential_id: keyCredId, scope: 'customers:read' });
      // Both kinds of credential work side by side (the move from secrets to keys).
      const bySecretToo = await client.clientCredentialsGrant(bySecret);
      expect(await client.tokenIntrospection(resourceServer, bySecretToo.access_token)).toMatchObject({ active: true, credential_id: secretCredId });
      // A key that is not registered is refused.
      const stranger = await generateKeyPair('ES256', { extractable: true });
      expect(await oauthError(client.clientCredentialsGrant(await discover(s.issuer, saId, client.PrivateKeyJwt({ key: stranger.privateKey, kid: keyCredId }))))).toBe('invalid_client');
      await s.api('DELETE', `/organizations/acme/service-accounts/${saId}/credentials/${keyCredId}`, undefined, [200, 204]);
      expect(await client.tokenIntrospection(resourceServer, tokens.access_token)).toEqual({ active: false });
    });

    it('a rotated-out key works during the overlap window and is refused after it, its tokens with it', async () => {
      const sa = await s.api('POST', '/organizations/acme/service-accounts', { name: 'signer', description: 'signs its assertions', ownerUserId: adaId });
      await s.api('POST', '/organizations/acme/role-assignments', { role: 'invoice-reader', principalType: 'service_account', principalId: sa.id, approvalRef: 'CHG-2' });
      const first = await generateKeyPair('ES256', { extractable: true });
      const created = await s.api('POST', `/organizations/acme/service-accounts/${sa.id}/credentials`, { kind: 'public_key', jwk: await exportJWK(first.publicKey) });
      const byKey = await discover(s.issuer, sa.id, client.PrivateKeyJwt({ key: first.privateKey, kid: created.credential.id }));
      const tokens = await client.clientCredentialsGrant(byKey, { scope: 'customers:read' });

      const second = await generateKeyPair('ES256', { extractable: true });
      const rotated = await s.api('POST', `/organizations/acme/service-accounts/${sa.id}/credentials/${created.credential.id}/rotate`, { overlapSeconds: 3600, jwk: await exportJWK(second.publicKey) });
      const byNewKey = await discover(s.issuer, sa.id, client.PrivateKeyJwt({ key: second.privateKey, kid: rotated.credential.id }));
      // Inside the overlap both keys are accepted.
      await client.clientCredentialsGrant(byKey);
      await client.clientCredentialsGrant(byNewKey);
      clock.advance(3601_000);
      expect(await oauthError(client.clientCredentialsGrant(byKey))).toBe('invalid_client');
      expect(await client.tokenIntrospection(resourceServer, tokens.access_token)).toEqual({ active: false });
      const fresh = await client.clientCredentialsGrant(byNewKey, { scope: 'customers:read' });
      expect(await client.tokenIntrospection(resourceServer, fresh.access_token)).toMatchObject({ active: true, credential_id: rotated.credential.id });
    });

    it('a revoked credential fails introspection at once, and cannot get a new token', async () => {
      const tokens = await client.clientCredentialsGrant(bySecret);
      await s.api('DELETE', `/organizations/acme/service-accounts/${saId}/credentials/${secretCredId}`, undefined, [200, 204]);
      expect(await client.tokenIntrospection(resourceServer, tokens.access_token)).toEqual({ active: false });
      expect(await oauthError(client.clientCredentialsGrant(bySecret))).toBe('invalid_client');
    });

    it('tokens are not shown to a client of another organization', async () => {
      const sa2 = await s.api('POST', '/organizations/acme/service-accounts', { name: 'reporting', description: 'reports', ownerUserId: adaId });
      const issued = await s.api('POST', `/organizations/acme/service-accounts/${sa2.id}/credentials`, { kind: 'secret' });
      const cfg = await discover(s.issuer, sa2.id, client.ClientSecretBasic(issued.secret));
      const tokens = await client.clientCredentialsGrant(cfg);
      expect(await client.tokenIntrospection(otherOrgApp, tokens.access_token)).toEqual({ active: false });
      // A revocation request from the other organization changes nothing either.
      await client.tokenRevocation(otherOrgApp, tokens.access_token);
      expect(await client.tokenIntrospection(resourceServer, tokens.access_token)).toMatchObject({ active: true });
      // RFC 7009 revocation by the owner of the token ends it.
      await client.tokenRevocation(cfg, tokens.access_token);
      expect(await client.tokenIntrospection(resourceServer, tokens.access_token)).toEqual({ active: false });
    });

    it('an access token expires after its lifetime', async () => {
      const sa3 = await s.api('POST', '/organizations/acme/service-accounts', { name: 'expiry', description: 'expiry', ownerUserId: adaId });
      const issued = await s.api('POST', `/organizations/acme/service-accounts/${sa3.id}/credentials`, { kind: 'secret' });
      const cfg = await discover(s.issuer, sa3.id, client.ClientSecretBasic(issued.secret));
      const tokens = await client.clientCredentialsGrant(cfg);
      expect(await client.tokenIntrospection(resourceServer, tokens.access_token)).toMatchObject({ active: true });
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 601_000 });
      try {
        expect(await client.tokenIntrospection(resourceServer, tokens.access_token)).toEqual({ active: false });
      } finally {
        vi.useRealTimers();
      }
    });

    it('disabling the service account makes its tokens fail introspection at once', async () => {
      const sa4 = await s.api('POST', '/organizations/acme/service-accounts', { name: 'to-disable', description: 'd', ownerUserId: adaId });
      const issued = await s.api('POST', `/organizations/acme/service-accounts/${sa4.id}/credentials`, { kind: 'secret' });
      const cfg = await discover(s.issuer, sa4.id, client.ClientSecretBasic(issued.secret));
      const tokens = await client.clientCredentialsGrant(cfg);
      await s.api('PATCH', `/organizations/acme/service-accounts/${sa4.id}`, { status: 'disabled' });
      expect(await client.tokenIntrospection(resourceServer, tokens.access_token)).toEqual({ active: false });
      expect(await oauthError(client.clientCredentialsGrant(cfg))).toBe('invalid_client');
    });
  });
}
