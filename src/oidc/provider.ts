import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { html, raw } from '../web/html.ts';
import { layout } from '../web/page-layout.ts';
import { EXTRA_CLIENT_METADATA, type ClientAuthHint } from './clients.ts';
import type { OidcAdapter } from './oidc-store.ts';

/** What the provider knows about the request at hand beyond what it parses itself. */
export interface OidcRequestScope {
  /** How the client authenticates (read from the request before the provider does). */
  hint: ClientAuthHint;
  ip: string;
  /** The service-account credential a secret matched, once client authentication ran. */
  credentialId?: string;
}

const SCOPE = Symbol('keyledger.oidcRequestScope');

/** Attaches what Keyledger read of a request before handing it to the provider. */
export function attachRequestScope(req: object, scope: OidcRequestScope): void {
  (req as { [SCOPE]?: OidcRequestScope })[SCOPE] = scope;
}

/** The scope of the request the provider is handling now (through its own async context: no second one per request). */
function requestScope(): OidcRequestScope | undefined {
  return (Provider.ctx?.req as { [SCOPE]?: OidcRequestScope } | undefined)?.[SCOPE];
}

export interface Account {
  accountId: string;
  claims(): Promise<{ sub: string; [claim: string]: unknown }>;
}

export interface ProviderDeps {
  issuer: string;
  trustProxy: boolean;
  cookieKeys: string[];
  privateJwks: Record<string, unknown>[];
  adapterFor(model: string): OidcAdapter;
  loadClient(clientId: string, hint: ClientAuthHint): Promise<Record<string, unknown> | undefined>;
  /** Checks a presented client secret against the stored hashes; the service-account credential it matched, or false. */
  verifyClientSecret(client: { clientId: string; kind: string }, presented: string): Promise<{ credentialId?: string } | false>;
  /** Marks a service-account credential used (throttled; not a ledger event). */
  recordCredentialUse(credentialId: string, ip: string): Promise<void>;
  /** The user behind `sub` for the client's organization, or undefined (inactive, not a member). */
  findAccount(sub: string, orgId: string | undefined): Promise<Account | undefined>;
  /** Whether the Keyledger browser session (not the provider's own cookie) requires the login interaction again. */
  needsInteraction(ctx: KoaContextWithOIDC): Promise<boolean>;
  /** Whether `caller` may introspect or revoke `token` (same organization, principal still valid). */
  tokenAccessAllowed(ctx: KoaContextWithOIDC, caller: { clientId: string; orgId: string }, token: { clientId: string; accountId?: string; kind: string; extra?: Record<string, unknown> }): Promise<boolean>;
  onEvent(name: string, ctx: KoaContextWithOIDC | undefined, detail: Record<string, unknown>): void;
}

const DAY = 86_400;

const metadataOf = new WeakMap<object, Record<string, unknown>>();
/** A client's metadata (the provider re-derives it on every call; the client object is rebuilt when its metadata changes). */
function meta(client: { metadata(): Record<string, unknown> }): Record<string, unknown> {
  let m = metadataOf.get(client);
  if (!m) metadataOf.set(client, (m = client.metadata()));
  return m;
}

/** The audience of tokens for an organization's APIs. */
export const orgAudience = (orgId: string) => `urn:keyledger:organization:${orgId}`;

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function errorPage(title: string, message: string): string {
  return layout(title, html`<p>${message}</p><p><a href="/account">Go to your account</a></p>`);
}

/** The service-account credential a private_key_jwt assertion was signed with: by its kid, else the key that verifies it. */
async function assertionCredential(assertion: string, keys: JWK[]): Promise<string | undefined> {
  const { kid, alg } = decodeProtectedHeader(assertion);
  if (kid) return keys.some((k) => k.kid === kid) ? kid : undefined;
  for (const key of keys) {
    try {
      await compactVerify(assertion, await importJWK(key, alg));
      return key.kid;
    } catch {
      // not this key
    }
  }
  return undefined;
}

/**
 * The OpenID Connect / OAuth 2.0 provider (oidc-provider) as Keyledger runs
 * it: authorization code with PKCE (S256, required for every client), refresh
 * tokens rotated on every use (a rotated-out token presented again revokes its
 * whole grant), client credentials, introspection, revocation, userinfo and
 * RP-initiated logout. No implicit, hybrid or password grant (RFC 9700).
 * Login and consent are Keyledger's hosted pages; the Keyledger browser
 * session stays the truth (the provider's own session is re-checked against
 * it on every authorization request).
 */
export function buildProvider(deps: ProviderDeps): Provider {
  const base = interactionPolicy.base();
  base.get('login')!.checks.add(
    new interactionPolicy.Check('keyledger_session', 'the Keyledger session is missing, changed or does not meet the application’s authentication requirement', async (ctx) =>
      (await deps.needsInteraction(ctx)) ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT,
    ),
    0,
  );
  const clientTtl = (field: string, fallback: number) => (_ctx: unknown, _token: unknown, client: { [k: string]: unknown }) => num(client?.[field], fallback);

  const configuration: Configuration = {
    adapter: ((model: string) => {
      if (model !== 'Client') return deps.adapterFor(model);
      return {
        async find(id: string) {
          return deps.loadClient(id, requestScope()?.hint ?? null);
        },
        async upsert() {},
        async findByUid() {},
        async findByUserCode() {},
        async consume() {},
        async destroy() {},
        async revokeByGrantId() {},
      };
    }) as unknown as Configuration['adapter'],
    clients: [],
    jwks: { keys: deps.privateJwks as never },
    cookies: { keys: deps.cookieKeys, names: { session: 'kl_oidc_session', interaction: 'kl_oidc_interaction', resume: 'kl_oidc_resume' } },
    // acr, amr and auth_time go with openid: every ID token says how and when the user signed in.
    claims: { openid: ['sub', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name', 'updated_at'], organization: ['org_id'] },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'organization'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientDefaults: { grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'RS256' },
    clientAuthMethods: ['client_secret_basic', 'private_key_jwt', 'none'],
    enabledJWA: {
      clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'],
      idTokenSigningAlgValues: ['RS256'],
      userinfoSigningAlgValues: ['RS256'],
      introspectionSigningAlgValues: ['RS256'],
      authorizationSigningAlgValues: ['RS256'],
      requestObjectSigningAlgValues: ['RS256', 'PS256', 'ES256'],
    },
    extraClientMetadata: { properties: [...EXTRA_CLIENT_METADATA] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        allowedPolicy: async (ctx, client, token) =>
          deps.tokenAccessAllowed(ctx, { clientId: client.clientId, orgId: String(meta(client).kl_org_id ?? '') }, token as never),
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (ctx, client, token) =>
          deps.tokenAccessAllowed(ctx, { clientId: client.clientId, orgId: String(meta(client).kl_org_id ?? '') }, token as never),
      },
      userinfo: { enabled: true },
      // Client-credentials tokens are for the organization's APIs: their audience is the organization,
      // and their scopes are the permissions the client holds (a service account's roles).
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx) => (ctx.oidc.params?.grant_type === 'client_credentials' ? orgAudience(String((ctx.oidc.client ? meta(ctx.oidc.client) : undefined)?.kl_org_id)) : undefined),
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, resource, client) => {
          const m = meta(client);
          if (resource !== orgAudience(String(m.kl_org_id))) throw new errors.InvalidTarget('the resource is not this client’s organization');
          const permissions = Array.isArray(m.kl_permissions) ? (m.kl_permissions as string[]) : [];
          for (const scope of String(ctx.oidc.params?.scope ?? '').split(' ').filter(Boolean)) {
            if (!permissions.includes(scope)) throw new errors.InvalidScope('requested scope is not allowed', scope);
          }
          return { scope: permissions.join(' '), audience: resource, accessTokenFormat: 'opaque', accessTokenTTL: num(m.kl_access_token_ttl, 600) };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = layout('Sign out', html`<p>Do you want to sign out of Keyledger?</p>${raw(form)}<button class="primary" form="op.logoutForm" type="submit" name="logout" value="yes">Sign out</button> <button form="op.logoutForm" type="submit">Stay signed in</button>`);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = layout('You are signed out', html`<p><a href="/login">Sign in again</a></p>`);
        },
      },
    },
    interactions: { policy: base, url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (async (ctx: KoaContextWithOIDC, sub: string) => deps.findAccount(sub, ((ctx.oidc.client ? meta(ctx.oidc.client) : undefined)?.kl_org_id as string | undefined) ?? undefined)) as never,
    extraTokenClaims: async (ctx, token) => {
      // A token minted outside a request (no context) gets nothing added.
      if (!ctx?.oidc) return undefined;
      // The console's access tokens say how and when the user signed in, so the admin API can demand a fresh passkey for changes (RFC 9470).
      if (token.kind === 'AccessToken' && ctx.oidc.client && meta(ctx.oidc.client).kl_kind === 'console') {
        const code = ctx.oidc.entities.AuthorizationCode;
        return code ? { acr: code.acr ?? null, amr: code.amr ?? [], auth_time: code.authTime ?? null } : undefined;
      }
      if (token.kind !== 'ClientCredentials') return undefined;
      const client = ctx.oidc.client!;
      if (meta(client).kl_kind !== 'service_account') return undefined;
      const scope = requestScope();
      let credentialId = scope?.credentialId;
      const assertion = ctx.oidc.params?.client_assertion;
      if (!credentialId && typeof assertion === 'string') credentialId = await assertionCredential(assertion, (meta(client).jwks as { keys: JWK[] } | undefined)?.keys ?? []);
      if (!credentialId) throw new errors.InvalidClient('the credential used could not be identified');
      await deps.recordCredentialUse(credentialId, scope?.ip ?? '');
      return { credential_id: credentialId, org_id: meta(client).kl_org_id };
    },
    ttl: {
      AccessToken: clientTtl('kl_access_token_ttl', 600) as never,
      ClientCredentials: clientTtl('kl_access_token_ttl', 600) as never,
      IdToken: clientTtl('kl_id_token_ttl', 600) as never,
      RefreshToken: ((_ctx: unknown, token: { totalLifetime?: () => number }, client: { [k: string]: unknown }) => num(client?.kl_refresh_token_ttl, 30 * DAY)) as never,
      AuthorizationCode: 60,
      Interaction: 3600,
      Session: 14 * DAY,
      // A grant outlives the longest refresh token an application may have (90 days).
      Grant: 90 * DAY,
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage('Sign-in could not continue', `${out.error}: ${out.error_description ?? ''}`);
    },
    // ID tokens carry the claims of the scopes granted (email, name), as most applications expect.
    conformIdTokenClaims: false,
    allowOmittingSingleRegisteredRedirectUri: false,
  };
  const provider = new Provider(deps.issuer, configuration);
  // X-Forwarded-* decide URLs and cookie security only behind a proxy the operator declared (KEYLEDGER_TRUST_PROXY).
  provider.proxy = deps.trustProxy;

  // Client secrets are stored hashed: the provider's plain comparison is replaced by the hash check.
  provider.Client.prototype.compareClientSecret = async function compareClientSecret(this: InstanceType<Provider['Client']>, actual: string) {
    const result = await deps.verifyClientSecret({ clientId: this.clientId, kind: String(meta(this).kl_kind) }, actual);
    if (!result) return false;
    const scope = requestScope();
    if (scope && result.credentialId) scope.credentialId = result.credentialId;
    return true;
  } as never;

  for (const name of ['grant.revoked', 'server_error'] as const) {
    (provider as unknown as { on(n: string, f: (...a: unknown[]) => void): void }).on(name, (...args: unknown[]) => deps.onEvent(name, args[0] as KoaContextWithOIDC, { args: args.slice(1) }));
  }
  return provider;
}
