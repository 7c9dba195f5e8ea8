import type { ServerMetadata } from 'openid-client';
import { KeyledgerError } from '../../platform/errors.ts';

/*
 * The checks Keyledger runs on the callback's query before anything is sent
 * to the IdP. openid-client repeats some of them; running them here first
 * gives each refusal its own reason without reading library messages.
 */

/** The longest IdP-supplied text copied into an error's details. */
const MAX_ECHO = 300;

function clip(value: string | null): string | null {
  return value === null ? null : value.slice(0, MAX_ECHO);
}

/**
 * RFC 9207 (mix-up defence): an `iss` on the callback must be this
 * connection's issuer, and must be there when the IdP says it always sends it.
 */
export function checkIssuerParameter(metadata: Pick<ServerMetadata, 'issuer' | 'authorization_response_iss_parameter_supported'>, query: URLSearchParams): void {
  const iss = query.get('iss');
  if (iss === null && metadata.authorization_response_iss_parameter_supported) {
    throw new KeyledgerError('sso.oidc_callback_invalid', `The callback carries no "iss" although "${metadata.issuer}" always sends one.`, { reason: 'issuer_mismatch', expected: metadata.issuer, received: null });
  }
  if (iss !== null && iss !== metadata.issuer) {
    throw new KeyledgerError('sso.oidc_callback_invalid', `The callback came from issuer "${clip(iss)}", expected "${metadata.issuer}".`, { reason: 'issuer_mismatch', expected: metadata.issuer, received: clip(iss) });
  }
}

/** CSRF and login-injection defence: the callback's state is the one this sign-in sent. */
export function checkState(query: URLSearchParams, expectedState: string): void {
  const states = query.getAll('state');
  const state = states.length === 1 ? states[0] : null;
  if (state !== expectedState) {
    throw new KeyledgerError('sso.oidc_callback_invalid', states.length === 0 ? 'The callback carries no state.' : states.length > 1 ? 'The callback carries more than one state.' : 'The callback carries the state of another sign-in.', { reason: 'state_mismatch' });
  }
}

/** The IdP answered with an error (the person declined, the IdP refused the client, …) instead of a code. */
export function checkIdpError(query: URLSearchParams): void {
  const error = query.get('error');
  if (error === null) return;
  const description = clip(query.get('error_description'));
  throw new KeyledgerError('sso.oidc_idp_error', `The identity provider answered "${clip(error)}"${description ? `: ${description}` : ''}.`, { error: clip(error), description });
}

/** A success answer carries exactly one code and no tokens (Keyledger asks for the code flow only). */
export function checkCodePresent(query: URLSearchParams): void {
  if (query.getAll('code').length !== 1 || query.get('code') === '') {
    throw new KeyledgerError('sso.oidc_callback_invalid', 'The callback carries no authorization code (or more than one).', { reason: 'code_missing' });
  }
  if (query.has('id_token') || query.has('access_token')) {
    throw new KeyledgerError('sso.oidc_callback_invalid', 'The callback carries tokens in the URL; only the authorization code flow is accepted.', { reason: 'unexpected_response_type' });
  }
}
