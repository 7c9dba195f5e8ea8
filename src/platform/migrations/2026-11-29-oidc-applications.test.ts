import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../../../test/support/databases.ts';
import type { OidcApplicationRow } from '../schema.ts';

/** The table's checks are the backstop behind the service: a write that slips past it is still refused. */
describe.each(DIALECTS)('the oidc_applications migration on %s', (dialect) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.drop());

  const web: OidcApplicationRow = {
    id: 'a1',
    org_id: 'o1',
    name: 'Portal',
    description: null,
    client_id: 'a1',
    type: 'web',
    token_endpoint_auth_method: 'client_secret_basic',
    jwks: null,
    secret_hash: 'ab',
    secret_prefix: 'kl_secret_abcdef',
    previous_secret_hash: null,
    previous_secret_expires_at: null,
    redirect_uris: '["https://portal.acme.test/cb"]',
    post_logout_redirect_uris: '[]',
    grant_types: '["authorization_code"]',
    scopes: '["openid"]',
    access_token_ttl_seconds: 600,
    refresh_token_ttl_seconds: 2_592_000,
    id_token_ttl_seconds: 600,
    required_acr: null,
    first_party: 1,
    status: 'active',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  };
  const spa: OidcApplicationRow = { ...web, id: 'a2', client_id: 'a2', type: 'spa', token_endpoint_auth_method: 'none', secret_hash: null, secret_prefix: null };
  const jwt: OidcApplicationRow = { ...web, id: 'a3', client_id: 'a3', token_endpoint_auth_method: 'private_key_jwt', secret_hash: null, secret_prefix: null, jwks: '{"keys":[]}' };

  it('keeps secrets to client_secret_basic apps, keys to private_key_jwt apps, and lifetimes in bounds', async () => {
    database = await createTestDatabase(dialect);
    const db = database.db;
    await db.insertInto('organizations').values({ id: 'o1', slug: 'acme', name: 'Acme', settings: '{}', created_at: 'x', updated_at: 'x' }).execute();
    await db.insertInto('oidc_applications').values([web, spa, jwt]).execute();
    const refused: Array<[string, Partial<OidcApplicationRow>]> = [
      ['a public client with a secret', { ...spa, secret_hash: 'cd', secret_prefix: 'kl_secret_x' }],
      ['a public client authenticating', { ...spa, token_endpoint_auth_method: 'client_secret_basic', secret_hash: 'cd', secret_prefix: 'kl_secret_x' }],
      ['a web app without authentication', { ...web, token_endpoint_auth_method: 'none', secret_hash: null, secret_prefix: null }],
      ['client_secret_basic without a secret', { ...web, secret_hash: null, secret_prefix: null }],
      ['private_key_jwt without keys', { ...jwt, jwks: null }],
      ['keys on a secret app', { ...web, jwks: '{"keys":[]}' }],
      ['a previous secret on a public client', { ...spa, previous_secret_hash: 'ef' }],
      ['an access token lifetime of 59 s', { ...web, access_token_ttl_seconds: 59 }],
      ['a refresh token lifetime over 90 days', { ...web, refresh_token_ttl_seconds: 7_776_001 }],
      ['an unknown acr', { ...web, required_acr: 'loa3' as never }],
      ['an unknown type', { ...web, type: 'daemon' as never }],
    ];
    let n = 10;
    for (const [label, row] of refused) {
      const id = `b${n++}`;
      await expect(db.insertInto('oidc_applications').values({ ...(row as OidcApplicationRow), id, client_id: id }).execute(), label).rejects.toThrow(/check/i);
    }
    // One client id names one application.
    await expect(db.insertInto('oidc_applications').values({ ...spa, id: 'c1' }).execute()).rejects.toThrow(/unique|duplicate/i);
    // An application belongs to an existing organization.
    await expect(db.insertInto('oidc_applications').values({ ...spa, id: 'c2', client_id: 'c2', org_id: 'nowhere' }).execute()).rejects.toThrow(/foreign key/i);
    expect(await db.selectFrom('oidc_applications').select('id').orderBy('id').execute()).toEqual([{ id: 'a1' }, { id: 'a2' }, { id: 'a3' }]);
  });
});
