import { KeyledgerError } from '../../platform/errors.ts';

/** Which request to the IdP failed: the code exchange (and the ID token it returned), or userinfo. */
export type CallbackStage = 'token' | 'userinfo';

/** What openid-client throws: its own errors and oauth4webapi's, each with an OAUTH_* code. */
interface LibraryError {
  name?: string;
  code?: string;
  error?: unknown;
  error_description?: unknown;
  status?: unknown;
  cause?: unknown;
}

/** The ID token claim a failed openid-client comparison or timestamp check was about. */
function failedClaim(err: LibraryError): string | undefined {
  // openid-client wraps oauth4webapi's error, whose cause names the claim.
  const inner = err.cause as { claim?: unknown; cause?: { claim?: unknown } } | undefined;
  const claim = inner?.claim ?? inner?.cause?.claim;
  return typeof claim === 'string' ? claim : undefined;
}

/** The OAuth error of a token or userinfo endpoint's refusal (JSON body or WWW-Authenticate challenge). */
function endpointError(err: LibraryError): { error: string | null; description: string | null; status: number | null } | null {
  if (err.code === 'OAUTH_RESPONSE_BODY_ERROR') {
    return { error: typeof err.error === 'string' ? err.error : null, description: typeof err.error_description === 'string' ? err.error_description.slice(0, 300) : null, status: typeof err.status === 'number' ? err.status : null };
  }
  if (err.code === 'OAUTH_WWW_AUTHENTICATE_CHALLENGE') {
    const params = (Array.isArray(err.cause) ? err.cause[0] : undefined)?.parameters as Record<string, string> | undefined;
    return { error: params?.error ?? null, description: params?.error_description?.slice(0, 300) ?? null, status: typeof err.status === 'number' ? err.status : null };
  }
  if (err.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || err.code === 'OAUTH_RESPONSE_IS_NOT_JSON') {
    const status = (err.cause as { status?: unknown } | undefined)?.status;
    return { error: null, description: null, status: typeof status === 'number' ? status : null };
  }
  return null;
}

/** Why a request never got an answer: 'timeout' or 'unreachable' (with the system's code); null when it did. */
function transportFailure(err: LibraryError): Record<string, unknown> | null {
  if (err.code === 'OAUTH_TIMEOUT' || err.code === 'OAUTH_ABORT' || err.name === 'TimeoutError') return { cause: 'timeout' };
  // fetch's "fetch failed" (refused, DNS, TLS) is a TypeError; openid-client's argument errors are too, with a code.
  const argumentError = String(err.code ?? '').startsWith('ERR_INVALID_ARG');
  if (err instanceof TypeError && !argumentError) {
    const code = (err.cause as { code?: unknown } | undefined)?.code;
    return { cause: 'unreachable', ...(typeof code === 'string' ? { system: code } : {}) };
  }
  return null;
}

const CLAIM_REASONS: Record<string, string> = { nonce: 'nonce_mismatch', iss: 'issuer_mismatch', aud: 'audience_mismatch', azp: 'audience_mismatch' };

/**
 * sso.oidc_callback_invalid for what openid-client refused after the callback's
 * own checks passed, with a reason: code_exchange_failed (the token endpoint
 * refused the code, the verifier or the client, or could not be reached;
 * details.error is the IdP's OAuth error), nonce_mismatch, issuer_mismatch,
 * audience_mismatch, id_token_expired, id_token_invalid (signature, key,
 * format, missing token; details.check is the library's code), userinfo_failed.
 * Errors that are Keyledger's own or programming errors pass through.
 */
export function callbackFailure(err: unknown, stage: CallbackStage): unknown {
  if (err instanceof KeyledgerError || !err || typeof err !== 'object') return err;
  const e = err as LibraryError;
  const refused = (reason: string, message: string, details: Record<string, unknown> = {}) =>
    new KeyledgerError('sso.oidc_callback_invalid', message, { reason, ...details }, { cause: err });

  const endpoint = endpointError(e);
  const transport = endpoint ? null : transportFailure(e);
  if (stage === 'userinfo') {
    if (endpoint || transport || e.code?.startsWith('OAUTH_')) return refused('userinfo_failed', 'The userinfo endpoint refused the access token or gave an unusable answer.', { ...endpoint, ...transport, ...(e.code && !endpoint ? { check: e.code } : {}) });
    return err;
  }
  if (endpoint) return refused('code_exchange_failed', `The IdP's token endpoint refused the code${endpoint.error ? ` (${endpoint.error})` : ''}.`, endpoint);
  if (transport) return refused('code_exchange_failed', 'The IdP could not be reached to redeem the code (or to fetch its signing keys).', transport);
  if (e.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' || e.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') {
    const claim = failedClaim(e);
    if (e.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') {
      return claim === 'exp' ? refused('id_token_expired', 'The ID token has expired.') : refused('id_token_invalid', `The ID token's "${claim ?? 'time'}" claim failed its check.`, { claim });
    }
    const reason = (claim && CLAIM_REASONS[claim]) ?? 'id_token_invalid';
    if (claim === 'iss') {
      const { expected, claims } = ((e.cause as { cause?: unknown } | undefined)?.cause ?? {}) as { expected?: unknown; claims?: { iss?: unknown } };
      return refused(reason, `The ID token was issued by "${String(claims?.iss)}", expected "${String(expected)}".`, { claim, expected, received: claims?.iss });
    }
    return refused(reason, `The ID token's "${claim ?? 'unknown'}" claim is not what this sign-in expected.`, { claim });
  }
  if (typeof e.code === 'string' && e.code.startsWith('OAUTH_')) {
    return refused('id_token_invalid', 'The ID token (or the token response carrying it) failed a check.', { check: e.code });
  }
  return err;
}
