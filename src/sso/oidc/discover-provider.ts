import * as client from 'openid-client';
import { KeyledgerError } from '../../platform/errors.ts';
import { isLoopbackUrl, parseIssuerUrl, type OidcConnectionConfig } from './connection-config.ts';

/** How long discovery (and, after it, every request to the IdP made with the result) may take. */
export const DEFAULT_OIDC_TIMEOUT_MS = 10_000;

export type OidcClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/**
 * How Keyledger authenticates at the IdP's token endpoint: client_secret_basic
 * (the default of OpenID Connect Discovery when the IdP lists nothing), else
 * client_secret_post when that is all the IdP takes; null when it takes neither.
 */
export function chooseClientAuthMethod(metadata: Pick<client.ServerMetadata, 'token_endpoint_auth_methods_supported'>): OidcClientAuthMethod | null {
  const supported = metadata.token_endpoint_auth_methods_supported;
  if (!supported || supported.includes('client_secret_basic')) return 'client_secret_basic';
  if (supported.includes('client_secret_post')) return 'client_secret_post';
  return null;
}

/**
 * Fetches the IdP's discovery document and returns openid-client's
 * configuration for this connection (the client secret lives only in the
 * client-authentication closure, never in the client metadata).
 *
 * Rules: ID token signatures are checked against the IdP's JWKS (openid-client
 * would otherwise rely on TLS to the token endpoint alone); the issuer must pass {@link parseIssuerUrl} (sso.connection_invalid);
 * plain http is allowed to the library only for a loopback issuer; the
 * document's `issuer` must equal the configured one; authorization, token and
 * JWKS endpoints must be there, and every endpoint must be https (http only on
 * loopback); the IdP must offer the code flow and accept a client secret.
 * Failures to fetch or read the document are sso.metadata_unreachable with details.reason.
 */
export async function discoverOidcProvider(config: OidcConnectionConfig, opts: { timeoutMs?: number } = {}): Promise<client.Configuration> {
  const issuer = parseIssuerUrl(config.issuer);
  const auth: client.ClientAuth = (as, c, body, headers) => {
    const method = chooseClientAuthMethod(as) ?? 'client_secret_basic';
    const apply = method === 'client_secret_post' ? client.ClientSecretPost(config.clientSecret) : client.ClientSecretBasic(config.clientSecret);
    apply(as, c, body, headers);
  };
  let configuration: client.Configuration;
  try {
    configuration = await client.discovery(issuer, config.clientId, undefined, auth, {
      timeout: (opts.timeoutMs ?? DEFAULT_OIDC_TIMEOUT_MS) / 1000,
      // ID tokens are verified against the IdP's JWKS too, not only trusted for arriving over TLS from the token endpoint.
      execute: [client.enableNonRepudiationChecks, ...(isLoopbackUrl(issuer) && issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [])],
    });
  } catch (err) {
    throw discoveryFailure(config.issuer, err);
  }
  checkDiscoveredMetadata(config.issuer, configuration.serverMetadata());
  return configuration;
}

/** Refuses a document that lacks what a code-flow sign-in needs, or an IdP that takes no client secret. */
function checkDiscoveredMetadata(issuer: string, metadata: client.ServerMetadata): void {
  const missing = (['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const).filter((field) => typeof metadata[field] !== 'string');
  if (missing.length > 0) {
    throw new KeyledgerError('sso.metadata_unreachable', `The discovery document of "${issuer}" has no ${missing.join(', ')}.`, { reason: 'incomplete_metadata', missing });
  }
  // The issuer rule holds for every endpoint used, the browser's (authorization) included.
  for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint'] as const) {
    const value = metadata[field];
    if (typeof value !== 'string') continue;
    const url = URL.canParse(value) ? new URL(value) : null;
    if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url)))) {
      throw new KeyledgerError('sso.metadata_unreachable', `The discovery document of "${issuer}" gives ${field} "${value}", which is not https.`, { reason: 'insecure_endpoint', field });
    }
  }
  const types = metadata.response_types_supported;
  if (Array.isArray(types) && !types.includes('code')) {
    throw new KeyledgerError('sso.connection_invalid', `The IdP "${issuer}" does not offer the authorization code flow (response_types_supported: ${types.join(', ')}).`, { field: 'issuer', reason: 'code_flow_unsupported' });
  }
  if (chooseClientAuthMethod(metadata) === null) {
    throw new KeyledgerError('sso.connection_invalid', `The IdP "${issuer}" accepts neither client_secret_basic nor client_secret_post at its token endpoint.`, {
      field: 'clientSecret',
      reason: 'client_auth_unsupported',
      supported: metadata.token_endpoint_auth_methods_supported,
    });
  }
}

/** sso.metadata_unreachable with a reason an administrator can act on. */
function discoveryFailure(issuer: string, err: unknown): KeyledgerError {
  const e = err as { name?: string; code?: string; cause?: unknown; message?: string };
  const code = e?.code;
  let reason: string;
  const details: Record<string, unknown> = {};
  if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT' || e?.name === 'TimeoutError') {
    reason = 'timeout';
  } else if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    reason = 'http_status';
    const status = (e.cause as { status?: unknown } | undefined)?.status;
    if (typeof status === 'number') details.status = status;
  } else if (code === 'OAUTH_RESPONSE_IS_NOT_JSON' || code === 'OAUTH_PARSE_ERROR') {
    reason = 'not_json';
  } else if (code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
    reason = 'issuer_mismatch';
    const discovered = (e.cause as { body?: { issuer?: unknown } } | undefined)?.body?.issuer;
    if (typeof discovered === 'string') details.discovered = discovered;
  } else if (code === 'OAUTH_INVALID_RESPONSE' || code === 'OAUTH_INVALID_SERVER_METADATA') {
    reason = 'invalid_metadata';
  } else if (err instanceof TypeError) {
    // fetch's "fetch failed": connection refused, DNS, TLS; the system's code says which.
    reason = 'unreachable';
    const cause = (e.cause as { code?: unknown } | undefined)?.code;
    if (typeof cause === 'string') details.cause = cause;
  } else {
    reason = 'unreachable';
  }
  return new KeyledgerError('sso.metadata_unreachable', `The discovery document of "${issuer}" could not be read (${reason}).`, { reason, ...details }, { cause: err });
}
