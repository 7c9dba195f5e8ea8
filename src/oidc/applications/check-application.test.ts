import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KeyledgerError } from '../../platform/errors.ts';
import { codeOf } from '../../../test/support/thrown.ts';
import { APPLICATION_DEFAULTS, checkApplicationSettings, checkAuthMethod, checkGrantTypes, checkScopes, checkTtl, type ApplicationSettings } from './check-application.ts';


const jwks = { keys: [{ ...generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }), kid: 'k1' }] };

const web: ApplicationSettings = {
  type: 'web',
  tokenEndpointAuthMethod: 'client_secret_basic',
  jwks: null,
  redirectUris: ['https://app.example.com/cb'],
  postLogoutRedirectUris: [],
  grantTypes: ['authorization_code', 'refresh_token'],
  scopes: [...APPLICATION_DEFAULTS.scopes],
  accessTokenTtlSeconds: 600,
  refreshTokenTtlSeconds: 30 * 86_400,
  idTokenTtlSeconds: 600,
  requiredAcr: null,
  firstParty: true,
};

describe('checkAuthMethod', () => {
  it('web apps authenticate with a secret or private_key_jwt; spa and native with none', () => {
    expect(checkAuthMethod('web', 'client_secret_basic', undefined)).toBeNull();
    expect(checkAuthMethod('web', 'private_key_jwt', jwks)).toEqual(jwks);
    expect(checkAuthMethod('spa', 'none', null)).toBeNull();
    expect(checkAuthMethod('native', 'none', undefined)).toBeNull();
    expect(codeOf(() => checkAuthMethod('web', 'none', null))).toBe('application.auth_method_invalid');
    for (const type of ['spa', 'native'] as const) {
      expect(codeOf(() => checkAuthMethod(type, 'client_secret_basic', null))).toBe('application.auth_method_invalid');
      expect(codeOf(() => checkAuthMethod(type, 'private_key_jwt', jwks))).toBe('application.auth_method_invalid');
    }
  });

  it('private_key_jwt needs a JWKS, and no other method takes one', () => {
    expect(codeOf(() => checkAuthMethod('web', 'private_key_jwt', null))).toBe('application.jwks_invalid');
    expect(codeOf(() => checkAuthMethod('web', 'client_secret_basic', jwks))).toBe('application.jwks_invalid');
    expect(codeOf(() => checkAuthMethod('spa', 'none', jwks))).toBe('application.jwks_invalid');
  });
});

describe('checkGrantTypes', () => {
  it('returns a deduplicated subset in a fixed order', () => {
    expect(checkGrantTypes(['refresh_token', 'authorization_code', 'refresh_token'], 'none')).toEqual(['authorization_code', 'refresh_token']);
    expect(checkGrantTypes(['client_credentials'], 'client_secret_basic')).toEqual(['client_credentials']);
    expect(checkGrantTypes(['client_credentials', 'authorization_code'], 'private_key_jwt')).toEqual(['authorization_code', 'client_credentials']);
  });

  it('refuses implicit and password naming RFC 9700, whatever else is asked for', () => {
    for (const g of ['implicit', 'password']) {
      for (const method of ['client_secret_basic', 'none'] as const) {
        try {
          checkGrantTypes(['authorization_code', g], method);
          expect.unreachable();
        } catch (err) {
          expect((err as KeyledgerError).code).toBe('application.grant_type_insecure');
          expect((err as KeyledgerError).message).toContain('RFC 9700');
          expect((err as KeyledgerError).details).toEqual({ grantType: g, rfc: 'RFC 9700' });
        }
      }
    }
  });

  it('refuses unknown grant types, an empty set, client_credentials for public clients and refresh_token alone', () => {
    expect(codeOf(() => checkGrantTypes(['urn:ietf:params:oauth:grant-type:device_code'], 'client_secret_basic'))).toBe('application.grant_type_unsupported');
    expect(codeOf(() => checkGrantTypes([], 'client_secret_basic'))).toBe('application.grant_types_invalid');
    expect(codeOf(() => checkGrantTypes(['client_credentials'], 'none'))).toBe('application.grant_types_invalid');
    expect(codeOf(() => checkGrantTypes(['refresh_token'], 'client_secret_basic'))).toBe('application.grant_types_invalid');
    expect(codeOf(() => checkGrantTypes(['refresh_token', 'client_credentials'], 'client_secret_basic'))).toBe('application.grant_types_invalid');
  });
});

describe('checkTtl and checkScopes', () => {
  it('holds each lifetime to its bounds, inclusive', () => {
    const cases: Array<[Parameters<typeof checkTtl>[0], number, number]> = [
      ['accessTokenTtlSeconds', 60, 3600],
      ['refreshTokenTtlSeconds', 3600, 90 * 86_400],
      ['idTokenTtlSeconds', 60, 3600],
    ];
    for (const [field, min, max] of cases) {
      expect(checkTtl(field, min)).toBe(min);
      expect(checkTtl(field, max)).toBe(max);
      for (const bad of [min - 1, max + 1, min + 0.5, Number.NaN]) expect({ field, bad, code: codeOf(() => checkTtl(field, bad)) }).toEqual({ field, bad, code: 'request.invalid' });
    }
  });

  it('takes RFC 6749 scope tokens only', () => {
    expect(checkScopes(['openid', 'openid', 'api:read', 'https://api.example.com/orders'])).toEqual(['openid', 'api:read', 'https://api.example.com/orders']);
    for (const bad of ['two words', '', 'quote"d', 'back\\slash', 'é']) expect(codeOf(() => checkScopes([bad]))).toBe('request.invalid');
  });
});

describe('checkApplicationSettings', () => {
  it('accepts the defaults of each type and normalises lists', () => {
    expect(checkApplicationSettings({ ...web, redirectUris: ['https://app.example.com/cb', 'https://app.example.com/cb'] }).redirectUris).toEqual(['https://app.example.com/cb']);
    expect(checkApplicationSettings({ ...web, type: 'spa', tokenEndpointAuthMethod: 'none' })).toMatchObject({ type: 'spa', grantTypes: ['authorization_code', 'refresh_token'] });
    expect(checkApplicationSettings({ ...web, type: 'native', tokenEndpointAuthMethod: 'none', redirectUris: ['com.example.app:/cb'] })).toMatchObject({ redirectUris: ['com.example.app:/cb'] });
  });

  it('needs a redirect URI for authorization_code, but not for client_credentials alone', () => {
    expect(codeOf(() => checkApplicationSettings({ ...web, redirectUris: [] }))).toBe('application.redirect_uri_required');
    expect(checkApplicationSettings({ ...web, redirectUris: [], grantTypes: ['client_credentials'] }).grantTypes).toEqual(['client_credentials']);
  });

  it('checks post-logout URIs by the same rules, and refuses an unknown type or acr', () => {
    expect(codeOf(() => checkApplicationSettings({ ...web, postLogoutRedirectUris: ['http://app.example.com/bye'] }))).toBe('application.redirect_uri_insecure');
    expect(codeOf(() => checkApplicationSettings({ ...web, type: 'daemon' as never }))).toBe('request.invalid');
    expect(codeOf(() => checkApplicationSettings({ ...web, requiredAcr: 'loa3' as never }))).toBe('request.invalid');
  });
});
