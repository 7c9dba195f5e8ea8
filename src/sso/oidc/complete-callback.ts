import * as client from 'openid-client';
import type { FederatedIdentity } from '../federated-identity.ts';
import { KeyledgerError } from '../../platform/errors.ts';
import type { OidcConnectionConfig } from './connection-config.ts';
import { checkCodePresent, checkIdpError, checkIssuerParameter, checkState } from './callback-checks.ts';
import { callbackFailure } from './callback-errors.ts';
import { mapOidcIdentity } from './identity-mapping.ts';

export interface OidcCallback {
  /** The URL the browser came back to (only its query is read). */
  callbackUrl: URL;
  /** The state this sign-in sent (the one bound to the browser). */
  expectedState: string;
  /** The sign-in's nonce and PKCE verifier (from flowSecrets). */
  nonce: string;
  codeVerifier: string;
}

/**
 * Finishes an OIDC sign-in at the callback: refuses an `iss` other than the
 * connection's (RFC 9207), a state other than the expected one, and an IdP
 * error (sso.oidc_idp_error); redeems the code at the token endpoint with the
 * client secret and the PKCE verifier (to the connection's redirect URI,
 * whatever host the callback arrived on); has openid-client verify the ID
 * token (signature by the IdP's JWKS, iss, aud, azp, exp, iat, nonce); reads
 * userinfo when the IdP has that endpoint (its `sub` must be the ID token's);
 * and maps the claims to a FederatedIdentity. Every protocol refusal is
 * sso.oidc_callback_invalid with details.reason. The tokens are used here
 * only and never returned.
 *
 * Requires: `configuration` discovered for `config` (discoverOidcProvider or
 * the cache); `config.redirectUri` without query or fragment (openid-client
 * sends the callback URL stripped of its query as redirect_uri); the caller
 * has already matched `expectedState` to the browser and consumed it.
 */
export async function completeOidcCallback(configuration: client.Configuration, config: OidcConnectionConfig, callback: OidcCallback): Promise<FederatedIdentity> {
  const query = callback.callbackUrl.searchParams;
  const metadata = configuration.serverMetadata();
  checkIssuerParameter(metadata, query);
  checkState(query, callback.expectedState);
  checkIdpError(query);
  checkCodePresent(query);

  const redirect = new URL(config.redirectUri);
  redirect.search = callback.callbackUrl.search;
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(configuration, redirect, {
      pkceCodeVerifier: callback.codeVerifier,
      expectedState: callback.expectedState,
      expectedNonce: callback.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    throw callbackFailure(err, 'token');
  }
  const idTokenClaims = tokens.claims();
  if (!idTokenClaims || !tokens.id_token) {
    throw new KeyledgerError('sso.oidc_callback_invalid', 'The token response carries no ID token.', { reason: 'id_token_invalid', check: 'missing' });
  }

  let userinfo: Record<string, unknown> | undefined;
  if (metadata.userinfo_endpoint) {
    try {
      userinfo = { ...(await client.fetchUserInfo(configuration, tokens.access_token, idTokenClaims.sub)) };
    } catch (err) {
      throw callbackFailure(err, 'userinfo');
    }
  }
  return mapOidcIdentity({ idTokenClaims: { ...idTokenClaims }, userinfo, idToken: tokens.id_token, state: callback.expectedState });
}
