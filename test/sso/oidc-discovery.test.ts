import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcIdp, type OidcIdp } from '../support/oidc-idp.ts';
import { signInAtIdp } from '../support/oidc-idp-signin.ts';
import { refusalOf, thrown } from '../support/thrown.ts';
import { beginSignIn, connectTo, REDIRECT_URI } from '../support/sso-oidc.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { parseIssuerUrl, type OidcConnectionConfig } from '../../src/sso/oidc/connection-config.ts';
import { discoverOidcProvider } from '../../src/sso/oidc/discover-provider.ts';
import { createOidcDiscoveryCache } from '../../src/sso/oidc/discovery-cache.ts';
import { completeOidcCallback } from '../../src/sso/oidc/complete-callback.ts';
import { testConnection } from '../../src/sso/oidc/test-connection.ts';

/** A bare HTTP server on 127.0.0.1 answering with `handler`; its base URL and a count of requests. */
async function startServer(handler: (req: IncomingMessage, res: ServerResponse, base: string) => void) {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stats = { requests: 0 };
  server.on('request', (req, res) => {
    stats.requests++;
    handler(req, res, base);
  });
  return {
    base,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const document = (issuer: string, extra: Record<string, unknown> = {}) => ({
  issuer,
  authorization_endpoint: `${issuer}/auth`,
  token_endpoint: `${issuer}/token`,
  jwks_uri: `${issuer}/jwks`,
  response_types_supported: ['code'],
  ...extra,
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const connection = (issuer: string): OidcConnectionConfig => ({ issuer, clientId: 'kl', clientSecret: 'secret', redirectUri: REDIRECT_URI });

describe('OIDC SSO: the issuer URL rule (https, plain http on loopback only)', () => {
  it('refuses what is not an https issuer before any request is made', async () => {
    const refused = ['http://idp.example.com', 'http://10.0.0.5:8080', 'ftp://idp.example.com', 'idp.example.com', 'https://idp.example.com/?tenant=1', 'https://idp.example.com/#x', 'https://admin:pw@idp.example.com'];
    for (const issuer of refused) {
      const refusal = await refusalOf(discoverOidcProvider(connection(issuer)));
      expect(refusal, issuer).toMatchObject({ code: 'sso.connection_invalid', status: 422, details: { field: 'issuer' } });
    }
    expect((await refusalOf(discoverOidcProvider(connection('http://idp.example.com')))).details).toEqual({ field: 'issuer', reason: 'not_https', value: 'http://idp.example.com' });
    // The credentials are not echoed back.
    expect(JSON.stringify(await refusalOf(discoverOidcProvider(connection('https://admin:pw@idp.example.com'))))).not.toContain('pw');
    // Plain http on this machine is discovered.
    const local = await startServer((_req, res, base) => json(res, 200, document(base)));
    try {
      expect((await discoverOidcProvider(connection(local.base))).serverMetadata().token_endpoint).toBe(`${local.base}/token`);
    } finally {
      await local.close();
    }
  });

  it('accepts https anywhere and http on 127.0.0.1, ::1 and localhost', () => {
    for (const issuer of ['https://idp.example.com', 'https://login.example.com/tenant/v2.0', 'http://127.0.0.1:8080', 'http://[::1]:8080/realms/x', 'http://localhost:3000']) {
      expect(parseIssuerUrl(issuer).href, issuer).toMatch(/^https?:\/\//);
    }
    expect(thrown(() => parseIssuerUrl('http://127.0.0.2'))).toMatchObject({ code: 'sso.connection_invalid' });
  });

  it('discovers a loopback http IdP, and reports it for the admin check', async () => {
    const idp = await startOidcIdp();
    try {
      const config = connectTo(idp);
      expect(await testConnection(config)).toEqual({
        issuer: idp.issuer,
        authorizationEndpoint: `${idp.issuer}/auth`,
        tokenEndpoint: `${idp.issuer}/token`,
        jwksUri: `${idp.issuer}/jwks`,
        scopesSupported: ['openid', 'email', 'profile', 'offline_access'],
        userinfoEndpoint: `${idp.issuer}/me`,
        tokenEndpointAuthMethod: 'client_secret_basic',
      });
    } finally {
      await idp.close();
    }
  });
});

describe('OIDC SSO: discovery failures say why', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  it('an issuer nobody listens on', async () => {
    const gone = await startServer((_req, res, base) => json(res, 200, document(base)));
    expect((await discoverOidcProvider(connection(gone.base))).serverMetadata().issuer).toBe(gone.base);
    await gone.close();
    expect(await refusalOf(discoverOidcProvider(connection(gone.base)))).toMatchObject({ code: 'sso.metadata_unreachable', status: 422, details: { reason: 'unreachable', cause: 'ECONNREFUSED' } });
  });

  it('an issuer with no discovery document, or not JSON, or one that never answers', async () => {
    const server = await startServer((req, res) => {
      if (req.url?.startsWith('/slow')) return; // never answers
      if (req.url?.startsWith('/html')) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>sign in</html>');
        return;
      }
      json(res, 404, { error: 'not_found' });
    });
    servers.push(server);
    expect((await refusalOf(discoverOidcProvider(connection(`${server.base}/missing`)))).details).toEqual({ reason: 'http_status', status: 404 });
    expect((await refusalOf(discoverOidcProvider(connection(`${server.base}/html`)))).details).toEqual({ reason: 'not_json' });
    const started = Date.now();
    expect((await refusalOf(discoverOidcProvider(connection(`${server.base}/slow`), { timeoutMs: 200 }))).details).toEqual({ reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a document naming another issuer (mix-up), one without a token endpoint, one sending the browser over http, one taking no client secret', async () => {
    const server = await startServer((req, res, base) => {
      const path = req.url!.replace('/.well-known/openid-configuration', '');
      if (path === '/other') return json(res, 200, document('https://evil.example'));
      if (path === '/partial') return json(res, 200, { ...document(`${base}/partial`), token_endpoint: undefined });
      if (path === '/http-auth') return json(res, 200, document(`${base}/http-auth`, { authorization_endpoint: 'http://login.example.com/auth' }));
      if (path === '/jwt-only') return json(res, 200, document(`${base}/jwt-only`, { token_endpoint_auth_methods_supported: ['private_key_jwt'] }));
      return json(res, 200, document(`${base}${path}`));
    });
    servers.push(server);
    expect((await refusalOf(discoverOidcProvider(connection(`${server.base}/other`)))).details).toEqual({ reason: 'issuer_mismatch', discovered: 'https://evil.example' });
    expect(await refusalOf(discoverOidcProvider(connection(`${server.base}/partial`)))).toMatchObject({ code: 'sso.metadata_unreachable', details: { reason: 'incomplete_metadata', missing: ['token_endpoint'] } });
    expect(await refusalOf(discoverOidcProvider(connection(`${server.base}/jwt-only`)))).toMatchObject({ code: 'sso.connection_invalid', details: { field: 'clientSecret', reason: 'client_auth_unsupported', supported: ['private_key_jwt'] } });
    expect(await refusalOf(discoverOidcProvider(connection(`${server.base}/http-auth`)))).toMatchObject({ code: 'sso.metadata_unreachable', details: { reason: 'insecure_endpoint', field: 'authorization_endpoint' } });
    // The same server with a complete document is fine.
    expect((await discoverOidcProvider(connection(`${server.base}/fine`))).serverMetadata().issuer).toBe(`${server.base}/fine`);
  });
});

describe('OIDC SSO: the discovery cache', () => {
  let idp: OidcIdp;
  beforeAll(async () => {
    idp = await startOidcIdp();
  });
  afterAll(() => idp.close());

  it('fetches discovery once for two sign-ins, again for a new secret, after invalidate, and after the TTL', async () => {
    const clock = new ManualClock();
    const cache = createOidcDiscoveryCache({ ttlMs: 60_000, clock });
    const config = connectTo(idp);
    const start = idp.discoveryFetches();
    for (const sub of ['one', 'two']) {
      idp.setNextAccount({ sub, email: `${sub}@example.com` });
      const configuration = await cache.get(config);
      const s = beginSignIn(configuration, config);
      const identity = await completeOidcCallback(configuration, config, { callbackUrl: await signInAtIdp(s.url, REDIRECT_URI), expectedState: s.state, nonce: s.nonce, codeVerifier: s.codeVerifier });
      expect(identity.subject).toBe(sub);
    }
    expect(idp.discoveryFetches() - start).toBe(1);
    // The JWKS is kept with the configuration, too.
    expect(idp.requests.filter((r) => r.path === '/jwks')).toHaveLength(1);

    expect(await Promise.all([cache.get(config), cache.get(config)])).toEqual([await cache.get(config), await cache.get(config)]);
    expect(idp.discoveryFetches() - start).toBe(1);

    const rotated = { ...config, clientSecret: 'rotated-secret' };
    expect(await cache.get(rotated)).not.toBe(await cache.get(config));
    expect(idp.discoveryFetches() - start).toBe(2);

    cache.invalidate(idp.issuer);
    await cache.get(config);
    expect(idp.discoveryFetches() - start).toBe(3);

    clock.advance(59_000);
    await cache.get(config);
    expect(idp.discoveryFetches() - start).toBe(3);
    clock.advance(2_000);
    await cache.get(config);
    expect(idp.discoveryFetches() - start).toBe(4);
  });

  it('does not keep a failed discovery', async () => {
    let down = true;
    const server = await startServer((_req, res, base) => (down ? json(res, 503, { error: 'unavailable' }) : json(res, 200, document(base))));
    try {
      const cache = createOidcDiscoveryCache({ ttlMs: 60_000 });
      expect((await refusalOf(cache.get(connection(server.base)))).details).toEqual({ reason: 'http_status', status: 503 });
      down = false;
      expect((await cache.get(connection(server.base))).serverMetadata().issuer).toBe(server.base);
      await cache.get(connection(server.base));
      expect(server.stats.requests).toBe(2);
    } finally {
      await server.close();
    }
  });
});
