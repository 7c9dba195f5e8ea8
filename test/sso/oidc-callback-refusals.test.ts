import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { startOidcIdp, type OidcIdp } from '../support/oidc-idp.ts';
import { signInAtIdp } from '../support/oidc-idp-signin.ts';
import { refusalOf } from '../support/thrown.ts';
import { beginSignIn, connectTo, REDIRECT_URI, type StartedSignIn } from '../support/sso-oidc.ts';
import { discoverOidcProvider } from '../../src/sso/oidc/discover-provider.ts';
import { completeOidcCallback, type OidcCallback } from '../../src/sso/oidc/complete-callback.ts';
import type { OidcConnectionConfig } from '../../src/sso/oidc/connection-config.ts';

/** The callback as the SSO service would complete it, with any input replaced. */
function callbackOf(s: StartedSignIn, callbackUrl: URL, replace: Partial<OidcCallback> = {}): OidcCallback {
  return { callbackUrl, expectedState: s.state, nonce: s.nonce, codeVerifier: s.codeVerifier, ...replace };
}

describe('OIDC SSO: the callback refuses what it must', () => {
  let idp: OidcIdp;
  let config: OidcConnectionConfig;
  let configuration: client.Configuration;
  const tokenRequests = () => idp.requests.filter((r) => r.path === '/token').length;

  beforeAll(async () => {
    idp = await startOidcIdp();
    config = connectTo(idp);
    configuration = await discoverOidcProvider(config);
    idp.setNextAccount({ sub: 'ada', email: 'ada@example.com' });
  });
  afterAll(() => idp.close());

  async function signedIn(): Promise<{ s: StartedSignIn; callbackUrl: URL }> {
    const s = beginSignIn(configuration, config);
    return { s, callbackUrl: await signInAtIdp(s.url, REDIRECT_URI) };
  }

  it('a state other than the one this sign-in sent, before the code is spent', async () => {
    const { s, callbackUrl } = await signedIn();
    const other = beginSignIn(configuration, config);
    const before = tokenRequests();
    // The callback of one sign-in presented to another (login CSRF / injection).
    expect(await refusalOf(completeOidcCallback(configuration, config, callbackOf(other, callbackUrl)))).toMatchObject({ code: 'sso.oidc_callback_invalid', status: 401, details: { reason: 'state_mismatch' } });
    // A callback with its state removed, or doubled.
    const stripped = new URL(callbackUrl);
    stripped.searchParams.delete('state');
    expect((await refusalOf(completeOidcCallback(configuration, config, callbackOf(s, stripped)))).details).toEqual({ reason: 'state_mismatch' });
    const doubled = new URL(callbackUrl);
    doubled.searchParams.append('state', s.state);
    expect((await refusalOf(completeOidcCallback(configuration, config, callbackOf(s, doubled)))).details).toEqual({ reason: 'state_mismatch' });
    expect(tokenRequests()).toBe(before);
    // The same callback with its own state still signs in: nothing was redeemed.
    expect((await completeOidcCallback(configuration, config, callbackOf(s, callbackUrl))).subject).toBe('ada');
  });

  it('an ID token whose nonce is not this sign-in’s', async () => {
    const { s, callbackUrl } = await signedIn();
    const refusal = await refusalOf(completeOidcCallback(configuration, config, callbackOf(s, callbackUrl, { nonce: beginSignIn(configuration, config).nonce })));
    expect(refusal).toMatchObject({ code: 'sso.oidc_callback_invalid', details: { reason: 'nonce_mismatch', claim: 'nonce' } });
    const fresh = await signedIn();
    expect((await completeOidcCallback(configuration, config, callbackOf(fresh.s, fresh.callbackUrl))).subject).toBe('ada');
  });

  it('a code completed with the secrets of another sign-in: the IdP refuses the PKCE verifier', async () => {
    const { s, callbackUrl } = await signedIn();
    const other = beginSignIn(configuration, config);
    const refusal = await refusalOf(completeOidcCallback(configuration, config, callbackOf(s, callbackUrl, { nonce: other.nonce, codeVerifier: other.codeVerifier })));
    expect(refusal).toMatchObject({ code: 'sso.oidc_callback_invalid', details: { reason: 'code_exchange_failed', error: 'invalid_grant' } });
    const fresh = await signedIn();
    expect((await completeOidcCallback(configuration, config, callbackOf(fresh.s, fresh.callbackUrl))).email).toBe('ada@example.com');
  });

  it('a replayed code', async () => {
    const { s, callbackUrl } = await signedIn();
    expect((await completeOidcCallback(configuration, config, callbackOf(s, callbackUrl))).subject).toBe('ada');
    expect(await refusalOf(completeOidcCallback(configuration, config, callbackOf(s, callbackUrl)))).toMatchObject({ code: 'sso.oidc_callback_invalid', details: { reason: 'code_exchange_failed', error: 'invalid_grant' } });
  });

  it('a wrong client secret, without spending the code', async () => {
    const { s, callbackUrl } = await signedIn();
    const wrong = { ...config, clientSecret: 'not-the-secret' };
    const refusal = await refusalOf(completeOidcCallback(await discoverOidcProvider(wrong), wrong, callbackOf(s, callbackUrl)));
    expect(refusal).toMatchObject({ code: 'sso.oidc_callback_invalid', details: { reason: 'code_exchange_failed', error: 'invalid_client', status: 401 } });
    expect(JSON.stringify(refusal)).not.toContain('not-the-secret');
    expect((await completeOidcCallback(configuration, config, callbackOf(s, callbackUrl))).subject).toBe('ada');
  });

  it('access_denied from the IdP is the IdP’s error, and the next sign-in goes through', async () => {
    idp.denyNext('Ada is not assigned to this application.');
    const { s, callbackUrl } = await signedIn();
    expect(callbackUrl.searchParams.get('code')).toBeNull();
    const before = tokenRequests();
    expect(await refusalOf(completeOidcCallback(configuration, config, callbackOf(s, callbackUrl)))).toMatchObject({
      code: 'sso.oidc_idp_error',
      status: 401,
      details: { error: 'access_denied', description: 'Ada is not assigned to this application.' },
    });
    expect(tokenRequests()).toBe(before);
    const fresh = await signedIn();
    expect((await completeOidcCallback(configuration, config, callbackOf(fresh.s, fresh.callbackUrl))).subject).toBe('ada');
  });

  it('an ID token the IdP’s published keys do not verify (a forged signature)', async () => {
    const forged = await startOidcIdp();
    try {
      const conn = connectTo(forged);
      forged.setNextAccount({ sub: 'ada', email: 'ada@example.com' });
      forged.publishWrongKey(true);
      const atForged = await discoverOidcProvider(conn);
      const s = beginSignIn(atForged, conn);
      const refusal = await refusalOf(completeOidcCallback(atForged, conn, callbackOf(s, await signInAtIdp(s.url, REDIRECT_URI))));
      expect(refusal).toMatchObject({ code: 'sso.oidc_callback_invalid', details: { reason: 'id_token_invalid', check: 'OAUTH_INVALID_RESPONSE' } });
      forged.publishWrongKey(false);
      const genuine = await discoverOidcProvider(conn);
      const good = beginSignIn(genuine, conn);
      expect((await completeOidcCallback(genuine, conn, callbackOf(good, await signInAtIdp(good.url, REDIRECT_URI)))).subject).toBe('ada');
    } finally {
      await forged.close();
    }
  });

  it('a callback with no code', async () => {
    const { s, callbackUrl } = await signedIn();
    const bare = new URL(callbackUrl);
    bare.searchParams.delete('code');
    expect((await refusalOf(completeOidcCallback(configuration, config, callbackOf(s, bare)))).details).toEqual({ reason: 'code_missing' });
    expect((await completeOidcCallback(configuration, config, callbackOf(s, callbackUrl))).subject).toBe('ada');
  });
});

describe('OIDC SSO: answers from another issuer (a second IdP instance)', () => {
  let a: OidcIdp;
  let b: OidcIdp;
  let config: OidcConnectionConfig;
  let atA: client.Configuration;

  beforeAll(async () => {
    [a, b] = await Promise.all([startOidcIdp(), startOidcIdp()]);
    // The same client is registered at both, as a mix-up attacker would arrange.
    config = connectTo(a);
    b.registerClient({ clientId: config.clientId, clientSecret: config.clientSecret, redirectUris: [REDIRECT_URI] });
    atA = await discoverOidcProvider(config);
    for (const idp of [a, b]) idp.setNextAccount({ sub: 'mallory', email: 'mallory@example.com' });
  });
  afterAll(() => Promise.all([a.close(), b.close()]));

  it('a callback from IdP B presented to A’s connection (RFC 9207 iss), before anything is sent', async () => {
    const s = beginSignIn(atA, config);
    const fromB = await signInAtIdp(new URL(`${b.issuer}/auth${s.url.search}`), REDIRECT_URI);
    expect(fromB.searchParams.get('iss')).toBe(b.issuer);
    expect(await refusalOf(completeOidcCallback(atA, config, { callbackUrl: fromB, expectedState: s.state, nonce: s.nonce, codeVerifier: s.codeVerifier }))).toMatchObject({
      code: 'sso.oidc_callback_invalid',
      details: { reason: 'issuer_mismatch', expected: a.issuer, received: b.issuer },
    });
    // With iss removed it is still refused: A always sends iss.
    const stripped = new URL(fromB);
    stripped.searchParams.delete('iss');
    expect((await refusalOf(completeOidcCallback(atA, config, { callbackUrl: stripped, expectedState: s.state, nonce: s.nonce, codeVerifier: s.codeVerifier }))).details).toMatchObject({ reason: 'issuer_mismatch', received: null });
    expect(a.requests.some((r) => r.path === '/token')).toBe(false);
    const good = beginSignIn(atA, config);
    const identity = await completeOidcCallback(atA, config, { callbackUrl: await signInAtIdp(good.url, REDIRECT_URI), expectedState: good.state, nonce: good.nonce, codeVerifier: good.codeVerifier });
    expect(identity.issuer).toBe(a.issuer);
  });

  it('an ID token issued by B, validly signed by B, reaching A’s connection (its endpoints pointed at B)', async () => {
    const bMeta = (await discoverOidcProvider({ ...config, issuer: b.issuer })).serverMetadata();
    const aMeta = JSON.parse(JSON.stringify(atA.serverMetadata())) as client.ServerMetadata;
    const tampered = new client.Configuration({ ...aMeta, token_endpoint: bMeta.token_endpoint, jwks_uri: bMeta.jwks_uri }, config.clientId, undefined, client.ClientSecretBasic(config.clientSecret));
    client.allowInsecureRequests(tampered);
    client.enableNonRepudiationChecks(tampered);
    const s = beginSignIn(tampered, config);
    const fromB = await signInAtIdp(new URL(`${b.issuer}/auth${s.url.search}`), REDIRECT_URI);
    // The attacker also rewrote iss on the callback; the ID token still names B.
    fromB.searchParams.set('iss', a.issuer);
    expect(await refusalOf(completeOidcCallback(tampered, config, { callbackUrl: fromB, expectedState: s.state, nonce: s.nonce, codeVerifier: s.codeVerifier }))).toMatchObject({
      code: 'sso.oidc_callback_invalid',
      details: { reason: 'issuer_mismatch', claim: 'iss', expected: a.issuer, received: b.issuer },
    });
    const good = beginSignIn(atA, config);
    expect((await completeOidcCallback(atA, config, { callbackUrl: await signInAtIdp(good.url, REDIRECT_URI), expectedState: good.state, nonce: good.nonce, codeVerifier: good.codeVerifier })).issuer).toBe(a.issuer);
  });
});
