import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Configuration } from 'openid-client';
import { decodeJwt } from 'jose';
import { startOidcIdp, type OidcIdp } from '../support/oidc-idp.ts';
import { signInAtIdp } from '../support/oidc-idp-signin.ts';
import { beginSignIn, connectTo, REDIRECT_URI, type StartedSignIn } from '../support/sso-oidc.ts';
import { discoverOidcProvider } from '../../src/sso/oidc/discover-provider.ts';
import { completeOidcCallback } from '../../src/sso/oidc/complete-callback.ts';
import { pkceChallenge } from '../../src/sso/oidc/authorization-url.ts';
import type { OidcConnectionConfig } from '../../src/sso/oidc/connection-config.ts';

const complete = (configuration: Configuration, config: OidcConnectionConfig, s: StartedSignIn, callbackUrl: URL) =>
  completeOidcCallback(configuration, config, { callbackUrl, expectedState: s.state, nonce: s.nonce, codeVerifier: s.codeVerifier });

describe('OIDC SSO against an independent oidc-provider: a successful sign-in', () => {
  let idp: OidcIdp;
  beforeAll(async () => {
    idp = await startOidcIdp();
  });
  afterAll(() => idp.close());

  it('sends code + PKCE S256 + nonce + state, and maps the verified claims to a federated identity', async () => {
    const config = connectTo(idp);
    const configuration = await discoverOidcProvider(config);
    idp.setNextAccount({ sub: 'okta|00u1', email: 'Ada.Lovelace@Example.COM', email_verified: true, given_name: 'Ada', family_name: 'Lovelace', name: 'Ada Lovelace', groups: ['engineering', 'admins'], amr: ['pwd', 'otp'] });
    const s = beginSignIn(configuration, config, 'ada.lovelace@example.com');

    // What the IdP received: the code flow with an S256 challenge of the verifier, never the verifier itself.
    const callbackUrl = await signInAtIdp(s.url, REDIRECT_URI);
    const [request] = idp.authorizationRequests().slice(-1);
    expect(Object.fromEntries(request)).toEqual({
      client_id: config.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid email profile',
      state: s.state,
      nonce: s.nonce,
      code_challenge: pkceChallenge(s.codeVerifier),
      code_challenge_method: 'S256',
      login_hint: 'ada.lovelace@example.com',
    });
    expect(s.url.href).not.toContain(s.codeVerifier);
    expect(callbackUrl.searchParams.get('iss')).toBe(idp.issuer);
    const tokenRequests = () => idp.requests.filter((r) => r.path === '/token');
    const before = tokenRequests().length;

    const identity = await complete(configuration, config, s, callbackUrl);
    // The code went back with the verifier, authenticated by client_secret_basic (the default), to the registered redirect URI.
    const [exchange] = tokenRequests().slice(before);
    expect(exchange.clientAuth).toBe('client_secret_basic');
    expect(Object.fromEntries(exchange.body!)).toEqual({ grant_type: 'authorization_code', code: callbackUrl.searchParams.get('code'), redirect_uri: REDIRECT_URI, code_verifier: s.codeVerifier });
    expect(identity).toMatchObject({
      subject: 'okta|00u1',
      issuer: idp.issuer,
      email: 'ada.lovelace@example.com',
      givenName: 'Ada',
      familyName: 'Lovelace',
      name: 'Ada Lovelace',
      groups: ['engineering', 'admins'],
      inResponseTo: s.state,
      mfa: true,
      sessionIndex: null,
    });
    // The nonce came back inside the ID token; the token is named by its hash (oidc-provider sends no jti).
    expect(identity.attributes.nonce).toEqual([s.nonce]);
    expect(identity.attributes.aud).toEqual([config.clientId]);
    expect(identity.tokenId).toMatch(/^[\w-]{43}$/);
    expect(Date.parse(identity.expiresAt!)).toBe(Number(identity.attributes.exp[0]) * 1000);
    expect(identity.attributes.email).toEqual(['Ada.Lovelace@Example.COM']);
    // The tokens themselves are never part of the identity.
    expect(JSON.stringify(identity)).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(JSON.stringify(identity)).not.toContain(callbackUrl.searchParams.get('code'));
  });

  it('reads a password-only sign-in as single-factor, a verified=false email as none, and one group string as one group', async () => {
    const config = connectTo(idp);
    const configuration = await discoverOidcProvider(config);
    idp.setNextAccount({ sub: 'u-2', email: 'bob@example.com', email_verified: false, groups: 'Domain Users', amr: ['pwd'] });
    const s = beginSignIn(configuration, config);
    const identity = await complete(configuration, config, s, await signInAtIdp(s.url, REDIRECT_URI));
    expect(identity).toMatchObject({ subject: 'u-2', email: null, groups: ['Domain Users'], mfa: false, givenName: null });
    // The unverified address is still shown to the administrator among the attributes.
    expect(identity.attributes.email_verified).toEqual(['false']);

    // Same setup, verified this time: the email is taken.
    idp.setNextAccount({ sub: 'u-2', email: 'bob@example.com', email_verified: true, amr: ['pwd'] });
    const again = beginSignIn(configuration, config);
    expect((await complete(configuration, config, again, await signInAtIdp(again.url, REDIRECT_URI))).email).toBe('bob@example.com');
  });

  it('signs in through the IdP page a real browser sees ("Continue as …", a form POST)', async () => {
    const config = connectTo(idp);
    const configuration = await discoverOidcProvider(config);
    idp.setNextAccount({ sub: 'u-3', email: 'cy@example.com' });
    const s = beginSignIn(configuration, config);
    const pages: string[] = [];
    const identity = await complete(configuration, config, s, await signInAtIdp(s.url, REDIRECT_URI, { asBrowser: true, pages }));
    expect(pages).toHaveLength(1);
    expect(pages[0]).toContain('<button type="submit">Continue as cy@example.com</button>');
    expect(pages[0]).not.toContain('<script');
    expect(identity.email).toBe('cy@example.com');
  });

  it('asks for the configured scopes, openid always first', async () => {
    const config = connectTo(idp, {}, { scopes: ['email'] });
    const configuration = await discoverOidcProvider(config);
    idp.setNextAccount({ sub: 'u-4', email: 'di@example.com', name: 'Di' });
    const s = beginSignIn(configuration, config);
    const identity = await complete(configuration, config, s, await signInAtIdp(s.url, REDIRECT_URI));
    expect(idp.authorizationRequests().at(-1)!.get('scope')).toBe('openid email');
    // profile was not asked for, so the IdP kept the name to itself.
    expect(identity).toMatchObject({ email: 'di@example.com', name: null });
  });
});

describe('OIDC SSO: IdPs that differ from the default', () => {
  it('authenticates with client_secret_post when that is all the token endpoint takes', async () => {
    const idp = await startOidcIdp({ clientAuthMethods: ['client_secret_post'] });
    try {
      const config = connectTo(idp, { tokenEndpointAuthMethod: 'client_secret_post' });
      const configuration = await discoverOidcProvider(config);
      expect(configuration.serverMetadata().token_endpoint_auth_methods_supported).toEqual(['client_secret_post']);
      idp.setNextAccount({ sub: 'p-1', email: 'post@example.com' });
      const s = beginSignIn(configuration, config);
      expect((await complete(configuration, config, s, await signInAtIdp(s.url, REDIRECT_URI))).email).toBe('post@example.com');
      // This IdP refuses a Basic header; the secret went in the form.
      const token = idp.requests.filter((r) => r.path === '/token');
      expect(token.map((r) => r.clientAuth)).toEqual(['client_secret_post']);
      expect(token[0].body!.get('client_id')).toBe(config.clientId);
    } finally {
      await idp.close();
    }
  });

  it('completes the claims from userinfo when the ID token carries only the protocol claims', async () => {
    const idp = await startOidcIdp({ claimsInIdToken: false });
    try {
      const config = connectTo(idp);
      const configuration = await discoverOidcProvider(config);
      idp.setNextAccount({ sub: 'ui-1', email: 'Eve@Example.com', given_name: 'Eve', groups: ['ops'], amr: ['hwk'] });
      const s = beginSignIn(configuration, config);
      const callbackUrl = await signInAtIdp(s.url, REDIRECT_URI);
      const identity = await complete(configuration, config, s, callbackUrl);
      expect(identity).toMatchObject({ subject: 'ui-1', email: 'eve@example.com', givenName: 'Eve', groups: ['ops'], mfa: true });
      expect(idp.requests.filter((r) => r.path === '/me')).toHaveLength(1);
    } finally {
      await idp.close();
    }
  });

  it('takes everything from the ID token when the IdP has no userinfo endpoint', async () => {
    const idp = await startOidcIdp({ userinfo: false });
    try {
      const config = connectTo(idp);
      const configuration = await discoverOidcProvider(config);
      expect(configuration.serverMetadata().userinfo_endpoint).toBeUndefined();
      idp.setNextAccount({ sub: 'nu-1', email: 'fay@example.com', groups: ['sales'] });
      const s = beginSignIn(configuration, config);
      const callbackUrl = await signInAtIdp(s.url, REDIRECT_URI);
      expect(await complete(configuration, config, s, callbackUrl)).toMatchObject({ email: 'fay@example.com', groups: ['sales'] });
      expect(idp.requests.some((r) => r.path === '/me')).toBe(false);
    } finally {
      await idp.close();
    }
  });
});

describe('the test IdP itself', () => {
  it('puts groups and amr in its ID token, signed with its own key', async () => {
    const idp = await startOidcIdp();
    try {
      const config = connectTo(idp);
      const configuration = await discoverOidcProvider(config);
      idp.setNextAccount({ sub: 't-1', groups: ['a', 'b'], amr: ['mfa'] });
      const s = beginSignIn(configuration, config);
      const callbackUrl = await signInAtIdp(s.url, REDIRECT_URI);
      const res = await fetch(configuration.serverMetadata().token_endpoint!, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${config.clientId}:${config.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: callbackUrl.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: s.codeVerifier }),
      });
      const claims = decodeJwt(((await res.json()) as { id_token: string }).id_token);
      expect(claims).toMatchObject({ iss: idp.issuer, sub: 't-1', groups: ['a', 'b'], amr: ['mfa'], nonce: s.nonce });
    } finally {
      await idp.close();
    }
  });
});
