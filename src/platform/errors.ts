/**
 * The error catalogue: every error Keyledger returns has a stable code, an HTTP
 * status and an `expose` flag (client errors are shown, server errors are not).
 * docs/errors.md documents the same list; errors.test.ts keeps the two in step.
 */
export const ERROR_CATALOGUE = {
  'request.invalid': { status: 400, description: 'The request body, query or parameters do not match the schema.' },
  'request.body_too_large': { status: 413, description: 'The request body is larger than the limit.' },
  'request.unsupported_media_type': { status: 415, description: 'The request body has a content type the endpoint does not accept.' },
  'request.malformed_json': { status: 400, description: 'The request body is not valid JSON.' },
  'route.not_found': { status: 404, description: 'No endpoint at this method and path.' },
  'auth.unauthenticated': { status: 401, description: 'No valid credential was presented (API key missing, unknown, expired or revoked).' },
  'auth.forbidden': { status: 403, description: 'The credential is valid but lacks the scope this endpoint requires.' },
  'pagination.invalid_cursor': { status: 400, description: 'The cursor is not one this endpoint issued.' },
  'organization.not_found': { status: 404, description: 'No organization with this id or slug.' },
  'organization.settings_invalid': { status: 422, description: 'An organization setting has a value Keyledger does not accept (e.g. an unknown mfaPolicy).' },
  'organization.slug_taken': { status: 409, description: 'Another organization already uses this slug.' },
  'user.not_found': { status: 404, description: 'No user with this id.' },
  'user.email_taken': { status: 409, description: 'Another user already has this email address.' },
  'user.manager_invalid': { status: 422, description: 'The manager does not exist or would create a management cycle.' },
  'user.inactive': { status: 409, description: 'The user is suspended or deprovisioned; this needs an active user.' },
  'user.email_already_verified': { status: 409, description: "The user's email address is already verified; no verification link was sent." },
  'membership.not_found': { status: 404, description: 'The user is not a member of this organization.' },
  'membership.exists': { status: 409, description: 'The user is already a member of this organization.' },
  'service_account.not_found': { status: 404, description: 'No service account with this id in this organization.' },
  'service_account.owner_invalid': { status: 422, description: 'The owner must be an active member of the organization.' },
  'service_account.deleted': { status: 409, description: 'The service account is deleted; it cannot be changed, re-enabled or given credentials.' },
  'service_account.not_active': { status: 409, description: 'The service account is disabled; enable it before giving it credentials.' },
  'service_account.credential_not_found': { status: 404, description: 'No credential with this id on this service account.' },
  'service_account.credential_limit': { status: 409, description: 'The service account already has two active credentials (the most it may hold); revoke one first.' },
  'service_account.credential_ended': { status: 409, description: 'The credential is revoked or expired; it cannot be rotated.' },
  'service_account.rotation_invalid': { status: 422, description: 'A rotation must supply a new public key (jwk or pem) for a public-key credential, and none for a secret.' },
  'service_account.public_key_invalid': { status: 422, description: 'The public key is refused: a private or symmetric key, RSA below 2048 bits, an unsupported curve or type, a mismatching alg, or not a key at all (details.reason says which).' },
  'service_account.public_key_in_use': { status: 409, description: 'This public key (by its thumbprint) is already registered; a key belongs to one credential of one service account.' },
  'role.not_found': { status: 404, description: 'No role with this id or key in this organization.' },
  'role.key_taken': { status: 409, description: 'Another role in this organization already uses this key.' },
  'role.in_use': { status: 409, description: 'The role still has active assignments.' },
  'assignment.not_found': { status: 404, description: 'No role assignment with this id in this organization.' },
  'assignment.exists': { status: 409, description: 'The principal already holds this role.' },
  'assignment.principal_invalid': { status: 422, description: 'The principal is not an active member or service account of this organization.' },
  'assignment.expiry_invalid': { status: 422, description: 'The expiry time is not in the future.' },
  'assignment.already_ended': { status: 409, description: 'The role assignment has already ended.' },
  'api_key.not_found': { status: 404, description: 'No API key with this id.' },
  'api_key.scope_invalid': { status: 422, description: 'An unknown scope was requested.' },
  'api_key.expiry_invalid': { status: 422, description: 'The expiry time is not in the future.' },
  'bootstrap.invalid_token': { status: 403, description: 'The bootstrap link is unknown, expired or already used.' },
  'ledger.event_not_found': { status: 404, description: 'No ledger event with this id.' },
  'ledger.event_not_sequenced': { status: 409, description: 'The event is not yet covered by a signed checkpoint; retry shortly.' },
  'ledger.checkpoint_not_found': { status: 404, description: 'No signed checkpoint for this tree size.' },
  'ledger.proof_invalid': { status: 422, description: 'A Merkle proof does not verify (the error says which hash or size differed).' },
  'ledger.range_invalid': { status: 400, description: 'A tree size, leaf index or proof range is out of bounds.' },
  'ledger.checkpoint_invalid': { status: 422, description: 'A signed checkpoint, note or verifier key is malformed or does not verify.' },
  'ledger.not_canonicalizable': { status: 422, description: 'A value cannot be recorded in the ledger as canonical JSON (e.g. a string with a lone UTF-16 surrogate).' },
  'ledger.append_only': { status: 500, description: 'The database refused to change or remove a ledger row.' },
  'authn.password_hash_invalid': { status: 500, description: 'A stored password hash is not a well-formed argon2 PHC string.' },
  'authn.password_policy_invalid': { status: 422, description: 'The password policy breaks a NIST SP 800-63B floor (minimum below 12 without MFA or below 8, maximum below 64).' },
  'authn.password_too_short': { status: 422, description: 'The password has fewer Unicode code points (after NFKC) than the policy minimum.' },
  'authn.password_too_long': { status: 422, description: 'The password has more Unicode code points (after NFKC) than the policy maximum.' },
  'authn.password_breached_or_common': { status: 422, description: 'The password is on the blocklist of common and breached passwords.' },
  'authn.password_contains_context': { status: 422, description: "The password contains the user's email name, name, the organization, or the service name." },
  'authn.password_too_weak': { status: 422, description: 'The password is too easy to guess (strength estimate below 3 of 4).' },
  'authn.totp_code_malformed': { status: 400, description: 'The one-time code is not exactly the expected number of digits.' },
  'authn.totp_code_invalid': { status: 422, description: 'The one-time code does not match the secret at the current time (within the allowed clock skew).' },
  'authn.totp_code_replayed': { status: 422, description: 'The one-time code was already used, or a newer code has been used since.' },
  'authn.totp_enrollment_expired': { status: 410, description: 'The pending TOTP enrollment has expired; start enrollment again.' },
  'authn.totp_config_invalid': { status: 500, description: 'TOTP parameters are outside what Keyledger supports (secret size, digits, period, window, algorithm, issuer or account name).' },
  'authn.login_failed': { status: 401, description: 'The sign-in was refused: the email, password or organization is wrong, or the account cannot sign in (the reason is recorded in the ledger only).' },
  'authn.challenge_invalid': { status: 401, description: 'The login challenge is unknown, expired, already completed or closed after too many wrong codes; sign in again.' },
  'authn.second_factor_invalid': { status: 401, description: 'The one-time or recovery code was not accepted for this login; try again (the challenge closes after 5 wrong codes).' },
  'authn.factor_not_found': { status: 404, description: 'No such authentication factor (or not in a state that allows this) for this user.' },
  'authn.factor_already_enrolled': { status: 409, description: 'The user already has an active factor of this kind (one TOTP authenticator per user); remove it before enrolling another.' },
  'authn.reauthentication_failed': { status: 401, description: 'Re-authentication in a session (before a sensitive action) was refused: the password or code is wrong (the reason is recorded in the ledger only).' },
  'authn.step_up_required': { status: 401, description: "A sensitive action needs a recent proof of identity: the session's last sign-in or step-up is older than the organization's step-up window, or its methods do not meet the MFA level asked for (details: freshnessSeconds, level); step up and retry." },
  'authn.passkey_verification_failed': { status: 422, description: 'The passkey registration response did not verify; `details` says what differed (challenge, origin, RP id, user verification, key algorithm or attestation).' },
  'authn.webauthn_challenge_invalid': { status: 400, description: 'The WebAuthn challenge is unknown, expired, already used, or was issued for another user or purpose; start the ceremony again.' },
  'authn.passkey_already_registered': { status: 409, description: 'This passkey (credential id) is already registered.' },
  'authn.passkey_name_invalid': { status: 422, description: 'A passkey name must be 1 to 64 characters with no control characters.' },
  'authn.step_up_failed': { status: 401, description: 'The passkey step-up was refused: the passkey, its response or the challenge was not accepted for this session (the reason is recorded in the ledger only).' },
  'authn.rate_limited': { status: 429, description: 'Too many failed sign-ins from this address (or from it for one account); retry after details.retryAfterSeconds seconds, also sent as the Retry-After header.' },
  'authn.unlock_token_invalid': { status: 400, description: 'The unlock link is unknown, already used, or its lock has already ended.' },
  'invitation.not_found': { status: 404, description: 'No invitation with this id in this organization.' },
  'invitation.not_pending': { status: 409, description: 'The invitation was already accepted, revoked or has expired.' },
  'invitation.already_member': { status: 409, description: 'The invited email address belongs to a member of the organization already.' },
  'invitation.invalid': { status: 410, description: 'The invitation link is unknown, expired, already used or revoked; ask for a new invitation.' },
  'invitation.sign_in_required': { status: 409, description: 'An account with the invited email address exists: sign in as that account and accept the invitation while signed in.' },
  'invitation.wrong_account': { status: 403, description: "The invitation was sent to another email address than the signed-in account's." },
  'signup.not_allowed': { status: 403, description: 'The organization does not accept sign-up without an invitation, or not from this email domain.' },
  'authn.link_invalid': { status: 410, description: "The emailed link is unknown, expired or already used, or the account's email address has changed since; ask for a new link." },
  'session.not_found': { status: 404, description: 'No session with this id.' },
  'session.ended': { status: 409, description: 'The session has been revoked or has expired.' },
  'session.policy_invalid': { status: 422, description: 'The session policy is malformed or out of bounds (idle 5–1440 minutes, absolute 1–720 hours, idle no longer than absolute).' },
  'session.amr_invalid': { status: 422, description: 'The authentication methods are not a non-empty list of RFC 8176 method values.' },
  'session.acr_invalid': { status: 422, description: 'The authentication context class (acr) is empty.' },
  'session.cookie_invalid': { status: 500, description: 'A session cookie cannot be built: the public URL, token or lifetime is malformed.' },
  'web.csrf_invalid': { status: 403, description: 'A hosted-page form or fetch did not carry a valid CSRF token for this browser, or came from another site; nothing was changed.' },
  'mail.delivery_failed': { status: 503, description: 'The message could not be handed to the SMTP server; nothing was changed, try again later.' },
  'application.not_found': { status: 404, description: 'No OIDC application with this id in this organization.' },
  'application.redirect_uri_invalid': { status: 422, description: 'A redirect URI is not an absolute URI (no scheme, empty, whitespace, control characters or a backslash, or https/http without a host) or uses a scheme that is never a redirect target (javascript:, data:, file:, …); details name the field and URI.' },
  'application.redirect_uri_fragment': { status: 422, description: 'A redirect URI has a fragment (#…); redirect URIs must not (RFC 6749 §3.1.2).' },
  'application.redirect_uri_wildcard': { status: 422, description: 'A redirect URI contains a wildcard (*); redirect URIs are registered and matched exactly.' },
  'application.redirect_uri_userinfo': { status: 422, description: 'A redirect URI carries userinfo (user@host); redirect URIs must not.' },
  'application.redirect_uri_insecure': { status: 422, description: 'A redirect URI uses http on a host other than the loopback hosts 127.0.0.1, [::1] and localhost; https is required.' },
  'application.redirect_uri_custom_scheme': { status: 422, description: 'A redirect URI uses a custom scheme on an app that is not native, or a native app uses a custom scheme that is not a reverse domain name (RFC 8252 §7.1).' },
  'application.redirect_uri_required': { status: 422, description: 'The application allows authorization_code but has no redirect URI.' },
  'application.redirect_uri_too_many': { status: 422, description: 'More than 20 redirect URIs (or post-logout redirect URIs) were given.' },
  'application.grant_type_insecure': { status: 422, description: 'The implicit and password grant types are forbidden by the OAuth 2.0 Security Best Current Practice (RFC 9700); use authorization_code with PKCE.' },
  'application.grant_type_unsupported': { status: 422, description: 'A grant type is not one of authorization_code, refresh_token and client_credentials.' },
  'application.grant_types_invalid': { status: 422, description: 'The grant types do not fit together or the app: none given, client_credentials on a public client (spa, native), or refresh_token without authorization_code.' },
  'application.auth_method_invalid': { status: 422, description: 'The token endpoint auth method does not fit the app type: web apps use client_secret_basic or private_key_jwt, spa and native apps none.' },
  'application.jwks_invalid': { status: 422, description: 'The JWKS is missing for private_key_jwt, given for another method, or has a key that is private, symmetric, without a kid, a duplicate kid, RSA below 2048 bits, on an unsupported curve or malformed.' },
  'application.secret_not_applicable': { status: 409, description: 'The application has no client secret to rotate: it is a public client or authenticates with private_key_jwt.' },
  'access_request.not_found': { status: 404, description: 'No access request with this id.' },
  'access_request.not_pending': { status: 409, description: 'The access request is no longer pending (it was approved, denied, cancelled or expired).' },
  'lifecycle.terminated_at_invalid': { status: 422, description: 'The termination time is not an RFC 3339 time at or before now; a future termination is scheduled through the HR webhook instead.' },
  'lifecycle.not_deprovisioned': { status: 409, description: 'The user is not deprovisioned, so there is nothing to reactivate (an active user stays as is; a suspended one is reactivated through PATCH status).' },
  'lifecycle.hr_source_not_found': { status: 404, description: 'No HR source with this id in this organization (or it was deleted).' },
  'lifecycle.source_unknown': { status: 401, description: 'The Keyledger-Source header is missing or names no active HR source; the event was not accepted.' },
  'lifecycle.signature_invalid': { status: 401, description: "The Keyledger-Signature header is missing or malformed, or no v1 signature matches the HMAC-SHA256 of `t.body` under the source's secret (or its rotated-out secret during the overlap); the event was not accepted." },
  'lifecycle.timestamp_outside_window': { status: 401, description: "The signature's timestamp t is more than 5 minutes from the server's clock; the event was not accepted (re-sign and send again)." },
  'lifecycle.event_replayed': { status: 409, description: 'An event with this id was already accepted from this HR source; nothing was done again.' },
  'lifecycle.event_invalid': { status: 400, description: 'The signed HR event is not a JSON object with exactly id, type (employee.terminated or employee.rehired), employeeId and effectiveAt (RFC 3339); details say which field.' },
  'config.invalid': { status: 500, description: 'The configuration is invalid.' },
  'scim.directory_not_found': { status: 404, description: 'No SCIM directory with this id in this organization.' },
  'scim.token_not_found': { status: 404, description: 'No token with this id in this SCIM directory.' },
  'scim.token_already_revoked': { status: 409, description: 'The SCIM directory token was already revoked.' },
  'scim.group_not_found': { status: 404, description: 'No group with this id in this SCIM directory.' },
  'scim.group_mapping_not_found': { status: 404, description: 'No group-to-role mapping with this id in this SCIM directory.' },
  'scim.group_mapping_exists': { status: 409, description: 'This directory group already grants this role.' },
  'internal': { status: 500, description: 'An unexpected server error.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** An error with a stable code; `expose` says whether its message may reach a client. */
export class KeyledgerError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyledgerError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.expose = this.status < 500;
    this.details = details;
  }
}

export function isKeyledgerError(err: unknown): err is KeyledgerError {
  return err instanceof KeyledgerError;
}
