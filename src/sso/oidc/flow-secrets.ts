import { createHmac } from 'node:crypto';

export interface OidcFlowSecrets {
  /** Sent in the authorization request; the ID token must carry it back. */
  nonce: string;
  /** PKCE code_verifier (43 base64url characters); only its S256 challenge leaves Keyledger before the code exchange. */
  codeVerifier: string;
}

/** The least key length accepted: as long as HMAC-SHA256's output. */
const MIN_KEY_BYTES = 32;

/**
 * The nonce and PKCE code verifier of one sign-in, derived from a server key
 * and the sign-in's state token: HMAC-SHA256(key, label ‖ 0x00 ‖ state),
 * base64url, with a different label for each.
 *
 * Why nothing secret has to be stored for a pending sign-in: HMAC-SHA256 is a
 * PRF, so without the key the outputs cannot be computed or predicted from the
 * state (which travels in URLs); and the two labels keep them independent, so
 * the nonce (public: it is in the authorization URL and the ID token) says
 * nothing about the verifier. A stolen authorization code cannot be redeemed
 * without the verifier, and an ID token from any other sign-in carries another
 * nonce. The same state always gives the same secrets, which is what lets the
 * callback recompute them.
 *
 * Preconditions the caller keeps (they are what a stored verifier would
 * otherwise give): the state is random (≥ 128 bits) and unique per sign-in; it
 * is bound to the browser that started the sign-in (e.g. a cookie checked at
 * the callback), so a victim's code and state cannot be replayed from another
 * browser; and it is accepted once. Requires `key` of at least 32 bytes, kept
 * like any other server secret; rotating it fails only the sign-ins in flight.
 */
export function flowSecrets(key: Buffer, stateToken: string): OidcFlowSecrets {
  if (key.length < MIN_KEY_BYTES) throw new RangeError(`flowSecrets needs a key of at least ${MIN_KEY_BYTES} bytes, got ${key.length}`);
  if (stateToken.length === 0) throw new RangeError('flowSecrets needs a state token');
  return { nonce: derive(key, 'keyledger.sso.oidc.nonce', stateToken), codeVerifier: derive(key, 'keyledger.sso.oidc.pkce', stateToken) };
}

function derive(key: Buffer, label: string, state: string): string {
  return createHmac('sha256', key).update(label).update('\0').update(state).digest('base64url');
}
