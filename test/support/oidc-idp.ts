import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A customer's OpenID Provider for SSO tests: a second, independent
 * oidc-provider (not Keyledger's own) on 127.0.0.1 over plain http, with its
 * own signing key, clients registered at run time, and a sign-in that takes
 * whichever account the test set next.
 */

export interface IdpAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  name?: string;
  groups?: string[] | string;
  /** Authentication methods the IdP says were used (RFC 8176), put in the ID token's `amr`. */
  amr?: string[];
  acr?: string;
}

export interface IdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** How the client must authenticate at the token endpoint; default client_secret_basic. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
}

export interface OidcIdpOptions {
  clients?: IdpClient[];
  /** The token endpoint's accepted methods (discovery lists them); default both secret methods. */
  clientAuthMethods?: Array<'client_secret_basic' | 'client_secret_post'>;
  /** Serve a userinfo endpoint (default true). */
  userinfo?: boolean;
  /** Put the email and profile claims in the ID token too (default true); false leaves them to userinfo, as many IdPs do. */
  claimsInIdToken?: boolean;
}

export interface IdpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The form body of a token request, and how the client authenticated. */
  body?: URLSearchParams;
  clientAuth?: 'client_secret_basic' | 'client_secret_post' | 'none';
}

export interface OidcIdp {
  /** The issuer identifier, `http://127.0.0.1:<port>` (no trailing slash). */
  issuer: string;
  provider: Provider;
  registerClient(client: IdpClient): void;
  /** The account the next sign-in at this IdP is for (kept for later sign-ins until set again). */
  setNextAccount(account: IdpAccount): void;
  /** Publish, under the signing key's kid, another key (true) or the real one (false): ID tokens then fail signature checks. */
  publishWrongKey(on: boolean): void;
  /** Makes the next authorization answer `error=access_denied` instead of a code. */
  denyNext(description?: string): void;
  /** Every request the IdP received, in order. */
  readonly requests: IdpRequest[];
  /** The query of every authorization request received. */
  authorizationRequests(): URLSearchParams[];
  /** How many times the discovery document was fetched. */
  discoveryFetches(): number;
  close(): Promise<void>;
}

type Stored = Record<string, unknown> & { grantId?: string; uid?: string; consumed?: number };

/** oidc-provider's storage for one IdP: an in-memory map, with clients read from the registered list. */
function memoryAdapter(clients: Map<string, Record<string, unknown>>) {
  const store = new Map<string, { payload: Stored; expiresAt: number }>();
  const live = (key: string) => {
    const entry = store.get(key);
    if (entry && entry.expiresAt <= Date.now()) store.delete(key);
    return store.get(key)?.payload;
  };
  return (model: string) => ({
    async upsert(id: string, payload: Stored, expiresIn?: number) {
      store.set(`${model}:${id}`, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    },
    async find(id: string) {
      return model === 'Client' ? clients.get(id) : live(`${model}:${id}`);
    },
    async findByUid(uid: string) {
      for (const [key] of store) if (key.startsWith(`${model}:`) && live(key)?.uid === uid) return live(key);
      return undefined;
    },
    async findByUserCode() {
      return undefined;
    },
    async consume(id: string) {
      const payload = live(`${model}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    },
    async destroy(id: string) {
      store.delete(`${model}:${id}`);
    },
    async revokeByGrantId(grantId: string) {
      for (const [key, entry] of store) if (entry.payload.grantId === grantId) store.delete(key);
    },
  });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page a real browser sees: one button that signs the next account in (a form POST; no script). */
function continuePage(uid: string, account: IdpAccount | null): string {
  const who = escapeHtml(account?.email ?? account?.sub ?? 'nobody (no account set)');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test IdP sign-in</title></head><body><h1>Test identity provider</h1><form method="post" action="/interaction/${escapeHtml(uid)}"><button type="submit">Continue as ${who}</button></form></body></html>`;
}

/** A browser navigating asks for HTML; a plain fetch asks for anything. */
function wantsHtml(req: IncomingMessage): boolean {
  return /text\/html/.test(String(req.headers.accept ?? ''));
}

/** Starts a test IdP on 127.0.0.1 (a free port). */
export async function startOidcIdp(opts: OidcIdpOptions = {}): Promise<OidcIdp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const clients = new Map<string, Record<string, unknown>>();
  const accounts = new Map<string, IdpAccount>();
  const requests: IdpRequest[] = [];
  let nextAccount: IdpAccount | null = null;
  let denial: string | null = null;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
  const claimsInIdToken = opts.claimsInIdToken !== false;
  const impostor = (await generateKeyPair('RS256', { extractable: true })).publicKey;
  const wrongJwks = { keys: [{ ...(await exportJWK(impostor)), kid: signingKey.kid, alg: 'RS256', use: 'sig' }] };
  let wrongKey = false;

  const configuration: Configuration = {
    adapter: memoryAdapter(clients) as unknown as Configuration['adapter'],
    jwks: { keys: [signingKey as never] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub', 'groups', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name'] },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods: opts.clientAuthMethods ?? ['client_secret_basic', 'client_secret_post'],
    conformIdTokenClaims: !claimsInIdToken,
    features: { devInteractions: { enabled: false }, userinfo: { enabled: opts.userinfo !== false } },
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (async (_ctx: KoaContextWithOIDC, sub: string) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...account, sub }) };
    }) as never,
    // Consent is given at once: the grant covers whatever the request asked for.
    loadExistingGrant: async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId || !ctx.oidc.client) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
      if (ctx.oidc.requestParamClaims.size > 0) grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
      await grant.save();
      return grant;
    },
    ttl: { AuthorizationCode: 60, AccessToken: 600, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  const registerClient = (c: IdpClient) => {
    clients.set(c.clientId, {
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: c.tokenEndpointAuthMethod ?? 'client_secret_basic',
    });
  };
  for (const c of opts.clients ?? []) registerClient(c);

  async function finishInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (denial !== null) {
      const description = denial;
      denial = null;
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: description }, { mergeWithLastSubmission: false });
      return;
    }
    if (details.prompt.name !== 'login') throw new Error(`the test IdP does not handle the "${details.prompt.name}" prompt`);
    if (!nextAccount) throw new Error('the test IdP has no account to sign in: call setNextAccount first');
    accounts.set(nextAccount.sub, nextAccount);
    const login = { accountId: nextAccount.sub, ...(nextAccount.amr ? { amr: nextAccount.amr } : {}), ...(nextAccount.acr ? { acr: nextAccount.acr } : {}) };
    await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
  }

  const allowedAuth: string[] = [...configuration.clientAuthMethods!];
  /**
   * oidc-provider takes client_secret_basic and client_secret_post alike; this
   * IdP is strict, as many are: a method its discovery does not list is refused.
   */
  async function serveToken(req: IncomingMessage, res: ServerResponse, record: IdpRequest): Promise<void> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    (req as IncomingMessage & { body?: string }).body = text;
    record.body = new URLSearchParams(text);
    record.clientAuth = /^basic /i.test(req.headers.authorization ?? '') ? 'client_secret_basic' : record.body.has('client_secret') ? 'client_secret_post' : 'none';
    if (record.clientAuth !== 'none' && !allowedAuth.includes(record.clientAuth)) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_client', error_description: `${record.clientAuth} is not accepted here` }));
      return;
    }
    callback(req, res);
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', issuer);
    const record: IdpRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams };
    requests.push(record);
    if (url.pathname === '/jwks' && wrongKey) {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      res.end(JSON.stringify(wrongJwks));
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      serveToken(req, res, record).catch(() => res.destroy());
      return;
    }
    const interaction = /^\/interaction\/([\w-]+)$/.exec(url.pathname);
    if (!interaction) {
      callback(req, res);
      return;
    }
    const serve = async () => {
      if (req.method === 'GET' && wantsHtml(req) && denial === null) {
        await provider.interactionDetails(req, res);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; base-uri 'none'; frame-ancestors 'none'" });
        res.end(continuePage(interaction[1], nextAccount));
        return;
      }
      if (req.method === 'POST') for await (const _chunk of req); // the form carries nothing to read
      await finishInteraction(req, res);
    };
    serve().catch((err: Error) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`test IdP: ${err.message}`);
    });
  });

  return {
    issuer,
    provider,
    registerClient,
    setNextAccount(account) {
      nextAccount = account;
      accounts.set(account.sub, account);
    },
    publishWrongKey(on) {
      wrongKey = on;
    },
    denyNext(description = 'The user declined to sign in.') {
      denial = description;
    },
    requests,
    authorizationRequests: () => requests.filter((r) => r.path === '/auth').map((r) => r.query),
    discoveryFetches: () => requests.filter((r) => r.path === '/.well-known/openid-configuration').length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
