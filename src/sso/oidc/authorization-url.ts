import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { resolveOidcScopes, type OidcConnectionConfig } from './connection-config.ts';

export interface OidcAuthorizationRequest {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** The address the person typed, passed on so the IdP can skip asking for it. */
  loginHint?: string;
}

/**
 * The URL to send the browser to at the IdP: the authorization code flow
 * (response_type=code) with PKCE S256, the connection's scopes, the nonce the
 * ID token must carry back, the state, and login_hint when given.
 */
export function createOidcAuthorizationUrl(configuration: client.Configuration, config: OidcConnectionConfig, request: OidcAuthorizationRequest): URL {
  const parameters: Record<string, string> = {
    response_type: 'code',
    redirect_uri: config.redirectUri,
    scope: resolveOidcScopes(config).join(' '),
    state: request.state,
    nonce: request.nonce,
    code_challenge: pkceChallenge(request.codeVerifier),
    code_challenge_method: 'S256',
  };
  if (request.loginHint) parameters.login_hint = request.loginHint;
  return client.buildAuthorizationUrl(configuration, parameters);
}

/** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
export function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}
