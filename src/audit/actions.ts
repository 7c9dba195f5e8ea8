/**
 * The catalogue of ledger actions: name → what it records and its `data` fields,
 * with the schema version `v`. docs/audit-events.md documents the same list; a
 * test keeps the two in step, and appending an action missing here is refused.
 */
export interface ActionSpec {
  v: number;
  description: string;
  data: Record<string, string>;
}

const BEFORE_AFTER = {
  before: 'the changed fields before the change',
  after: 'the changed fields after the change',
};

export const ACTION_CATALOGUE: Record<string, ActionSpec> = {
  'identity.organization.created': { v: 1, description: 'An organization was created.', data: { slug: 'organization slug', name: 'display name' } },
  'identity.organization.updated': { v: 1, description: 'An organization was renamed or its settings changed.', data: BEFORE_AFTER },
  'identity.user.created': {
    v: 1,
    description: 'A user was created.',
    data: { email: 'email address', name: 'display name', status: 'initial status', managerId: 'manager user id or null', employeeNumber: 'HR employee number', department: 'department', title: 'job title' },
  },
  'identity.user.updated': { v: 1, description: 'A user’s profile, manager or employee attributes changed.', data: BEFORE_AFTER },
  'identity.user.status_changed': { v: 1, description: 'A user was suspended, reactivated or deprovisioned.', data: { before: 'previous status', after: 'new status', reason: 'why, as given by the actor' } },
  'identity.user.email_verified': { v: 1, description: 'A user proved they read mail at their address, so password sign-in opened to them (users created by an administrator count as verified from creation).', data: { userId: 'user id', email: 'the address verified', via: 'verification_link, password_reset or invitation (accepted while signed in)' } },
  'identity.membership.created': { v: 1, description: 'A user was added to an organization.', data: { userId: 'user id', email: 'user email' } },
  'identity.membership.deleted': { v: 1, description: 'A user was removed from an organization; their role assignments there ended.', data: { userId: 'user id', endedAssignments: 'ids of role assignments ended with it' } },
  'identity.service_account.created': { v: 1, description: 'A service account was created.', data: { name: 'name', description: 'what it is for', ownerUserId: 'owning user id' } },
  'identity.service_account.updated': { v: 2, description: 'A service account’s name or description changed (v1 also carried owner and status changes, which now have their own events).', data: BEFORE_AFTER },
  'identity.service_account.owner_changed': { v: 1, description: 'A service account was given another owner (an active member of its organization).', data: { fromUserId: 'the previous owner, or null when the account had none', toUserId: 'the new owner' } },
  'identity.service_account.owner_removed': { v: 1, description: 'A service account lost its owner because the owner left the organization or was deactivated; the account keeps working and shows as an owner_missing finding until reassigned.', data: { ownerUserId: 'the owner removed', reason: 'membership ended, user suspended or user deprovisioned' } },
  'identity.service_account.disabled': { v: 1, description: 'A service account was disabled: none of its credentials is accepted until it is enabled again.', data: { credentials: 'ids of the credentials that stopped being accepted' } },
  'identity.service_account.enabled': { v: 1, description: 'A disabled service account was enabled again.', data: { credentials: 'ids of the credentials accepted again' } },
  'identity.service_account.deleted': { v: 1, description: 'A service account was deleted for good: its credentials were revoked and its role assignments ended in the same command (the record stays, status deleted).', data: { name: 'name', revokedCredentials: 'ids of the credentials revoked with it', endedAssignments: 'ids of role assignments ended with it' } },
  'identity.service_account.credential_created': { v: 1, description: 'A service account was given a credential: a client secret (never recorded; only its prefix) or a public key.', data: { credentialId: 'the credential', kind: 'secret or public_key', secretPrefix: 'the non-secret first characters of a secret, or null', thumbprint: 'RFC 7638 thumbprint of a public key, or null', alg: 'RS256, ES256, ES384 or EdDSA for a public key, or null', expiresAt: 'when it expires (creation plus the organization\'s maximum credential age)', rotatedFromId: 'the credential it replaces by rotation, or null' } },
  'identity.service_account.credential_revoked': { v: 1, description: 'A service account credential was revoked: it is refused from then on.', data: { credentialId: 'the credential', kind: 'secret or public_key', reason: 'why, as the administrator gave it, service account deleted, or null' } },
  'identity.service_account.credential_rotated': { v: 1, description: 'A service account credential was replaced by a new one; the old one keeps working until the end of the overlap.', data: { fromCredentialId: 'the credential replaced', toCredentialId: 'the new credential', kind: 'secret or public_key', overlapSeconds: 'the overlap asked for', previousExpiresAt: 'when the old credential would have expired', oldExpiresAt: 'when the old credential now expires (the end of the overlap, or earlier)' } },
  'access.role.created': {
    v: 1,
    description: 'A role was defined.',
    data: { key: 'role key', name: 'name', description: 'documented definition', permissions: 'permission list', privileged: 'whether the role is privileged', mfaPolicy: 'MFA the role demands of its holders (optional, required, phishing_resistant), or null when the organization policy applies' },
  },
  'access.role.updated': { v: 1, description: 'A role’s definition changed.', data: BEFORE_AFTER },
  'access.role.deleted': { v: 1, description: 'A role with no active assignments was deleted.', data: { key: 'role key' } },
  'access.assignment.granted': {
    v: 1,
    description: 'A principal was granted a role.',
    data: {
      roleId: 'role id',
      roleKey: 'role key',
      privileged: 'whether the role is privileged',
      principalType: 'user | service_account',
      principalId: 'principal id',
      approvalRef: 'reference to the approval that authorized the grant, or null',
      reason: 'business reason',
      expiresAt: 'when the grant ends by itself, or null',
    },
  },
  'access.assignment.revoked': {
    v: 1,
    description: 'A role assignment was ended before its expiry.',
    data: { roleId: 'role id', roleKey: 'role key', principalType: 'user | service_account', principalId: 'principal id', reason: 'why' },
  },
  'access.request.created': {
    v: 1,
    description: 'A request for a role was opened and is pending (at most one pending request per principal and role).',
    data: { requestId: 'the request', roleId: 'role id', roleKey: 'role key', principalType: 'user | service_account', principalId: 'who would hold the role', requestedBy: '{ type, id } of who asked', reason: 'business reason, or null', source: 'where it came from, e.g. scim_group or api', sourceRef: 'the source’s reference (e.g. the directory group), or null' },
  },
  'access.request.cancelled': { v: 1, description: 'A pending access request was cancelled (withdrawn, or its principal was deprovisioned).', data: { requestId: 'the request', roleId: 'role id', principalType: 'user | service_account', principalId: 'principal id', reason: 'why' } },
  'platform.api_key.created': { v: 1, description: 'An admin API key was issued (the key itself is never recorded).', data: { name: 'name', prefix: 'non-secret key prefix', scopes: 'granted scopes', expiresAt: 'expiry or null' } },
  'platform.api_key.revoked': { v: 1, description: 'An admin API key was revoked.', data: { name: 'name', prefix: 'non-secret key prefix' } },
  'platform.bootstrap.link_issued': { v: 1, description: 'A one-time link for creating the first administrator key was issued.', data: { expiresAt: 'when the link stops working' } },
  'platform.bootstrap.completed': { v: 1, description: 'The one-time bootstrap link was used to create the first administrator key.', data: { apiKeyId: 'the key created' } },
  'sessions.session.created': {
    v: 1,
    description: 'A browser session was started after sign-in (the session token and its hash are never recorded).',
    data: {
      userId: 'user id',
      orgId: 'organization signed in to, or null',
      amr: 'authentication methods used (RFC 8176)',
      acr: 'authentication context class',
      idleExpiresAt: 'when the session ends if unused',
      absoluteExpiresAt: 'when the session ends regardless of use',
    },
  },
  'sessions.session.stepped_up': { v: 1, description: 'A fresh authentication factor was proven in a session.', data: { userId: 'user id', amr: 'methods proven in this step-up (RFC 8176)', acr: 'authentication context class after the step-up' } },
  'sessions.session.revoked': { v: 1, description: 'A live session was revoked (signed out, or ended by an administrator or deprovisioning).', data: { userId: 'user id', reason: 'why' } },
  'authn.password.changed': { v: 1, description: 'A user’s password was set or changed (the password and its hash are never recorded).', data: { userId: 'user id', initial: 'true when the user had no password before' } },
  'authn.totp.enrollment_started': {
    v: 1,
    description: 'A TOTP authenticator enrollment was started and awaits confirmation with a code (the secret is never recorded).',
    data: { userId: 'user id', factorId: 'the pending factor', expiresAt: 'when the enrollment can no longer be confirmed' },
  },
  'authn.totp.enrolled': {
    v: 1,
    description: 'A TOTP authenticator was confirmed with a valid code and became an active factor.',
    data: { userId: 'user id', factorId: 'the factor', algorithm: 'HMAC algorithm', digits: 'code length', period: 'seconds per code' },
  },
  'authn.totp.removed': { v: 1, description: 'A TOTP authenticator (active, or a pending enrollment) was removed.', data: { userId: 'user id', factorId: 'the factor', previousStatus: 'pending or active' } },
  'authn.recovery_codes.generated': {
    v: 1,
    description: 'A new set of recovery codes was issued; the unused codes of earlier sets stopped working (the codes are never recorded).',
    data: { userId: 'user id', batchId: 'the new set', count: 'codes in the new set', invalidated: 'unused codes of earlier sets that stopped working' },
  },
  'authn.factors.reset': {
    v: 1,
    description: 'An administrator reset a user’s second factors (the help-desk “lost my device” flow): every TOTP authenticator and unused recovery code was removed and every live session revoked; the password is kept.',
    data: { userId: 'user id', totpRemoved: 'TOTP authenticators removed (active or pending)', factorIds: 'the TOTP factors removed', recoveryCodesInvalidated: 'unused recovery codes that stopped working', sessionsRevoked: 'live sessions revoked', reason: 'why, as given by the administrator' },
  },
  'authn.recovery_code.used': { v: 1, description: 'A recovery code was used, once, in place of a second factor.', data: { userId: 'user id', challengeId: 'the login challenge it completed', remaining: 'unused codes left' } },
  'authn.passkey.registered': {
    v: 1,
    description: 'A passkey (WebAuthn credential) was registered for a user after its registration response verified (the public key is never recorded).',
    data: { userId: 'user id', passkeyId: 'the passkey', aaguid: 'authenticator model (AAGUID; all zeros when the authenticator does not say)', deviceType: 'singleDevice or multiDevice (synced)', backedUp: 'whether the credential was backed up when registered' },
  },
  'authn.passkey.renamed': { v: 1, description: 'A passkey was renamed.', data: { userId: 'user id', passkeyId: 'the passkey', before: '{ name } before', after: '{ name } after' } },
  'authn.passkey.removed': { v: 1, description: 'A passkey was removed and can no longer sign in.', data: { userId: 'user id', passkeyId: 'the passkey' } },
  'authn.login.password_verified': {
    v: 1,
    description: 'A sign-in passed its password check.',
    data: { userId: 'user id', orgId: 'organization signed in to, or null', mfaRequired: 'whether a second factor is still required', challengeId: 'the login challenge awaiting the second factor, or null' },
  },
  'authn.login.factor_verified': { v: 1, description: 'A sign-in passed its second-factor check.', data: { userId: 'user id', challengeId: 'the login challenge', method: 'totp, recovery_code or passkey' } },
  'authn.login.succeeded': {
    v: 1,
    description: 'A sign-in completed and a session was started.',
    data: { userId: 'user id', orgId: 'organization signed in to, or null', amr: 'authentication methods used (RFC 8176)', acr: 'authentication context class', sessionId: 'the session started', mfa: 'the MFA policy in force for this sign-in: { level, source, satisfied, inGrace, graceEndsAt } (null outside an organization)' },
  },
  'authn.reauthentication.failed': { v: 1, description: 'A signed-in user failed to re-authenticate before a sensitive action.', data: { userId: 'user id', sessionId: 'the session', method: 'password or totp', reason: 'why it was refused' } },
  'authn.login.failed': {
    v: 1,
    description: 'A sign-in attempt was refused; the client only learns that it failed, the reason is recorded here.',
    data: {
      reason:
        'why: unknown_account, wrong_password, inactive_account, email_unverified, no_password, not_member, unknown_organization, wrong_totp, replayed_totp, malformed_code, wrong_recovery_code, challenge_expired, challenge_completed, challenge_locked, unknown_challenge, account_locked, rate_limited; with a passkey also unknown_credential, challenge_invalid, origin_mismatch, rp_id_mismatch, user_not_verified, counter_regression (a cloned authenticator), verification_failed, and as a second factor wrong_user (a passkey of another user), webauthn_challenge_invalid',
      method: 'password, totp, recovery_code or passkey',
      email: 'the email address submitted (password step), or null',
      userId: 'the account concerned, or null when none matched',
      orgId: 'the organization asked for, or null',
      challengeId: 'the login challenge (second-factor step) or the WebAuthn challenge (passkey sign-in), or null',
    },
  },
  'authn.step_up.failed': {
    v: 1,
    description: 'A step-up in a live session was refused; the client only learns that it failed, the reason is recorded here.',
    data: {
      reason: 'why: unknown_credential, wrong_user (a passkey of another user), challenge_invalid, origin_mismatch, rp_id_mismatch, user_not_verified, counter_regression, inactive_account, verification_failed',
      method: 'passkey',
      userId: 'the session’s user',
      sessionId: 'the session',
      challengeId: 'the WebAuthn challenge, or null when none matched',
    },
  },
  'authn.account.locked': {
    v: 1,
    description: 'An account (or an email with no account) was locked after too many failed sign-ins within the window; an unlock link was mailed to an existing account (the link is never recorded).',
    data: { userId: 'the account locked, or null for an email with no account', lockId: 'the lock', failures: 'failed sign-ins counted in the window', lockedUntil: 'when the lock ends by itself' },
  },
  'authn.account.unlocked': {
    v: 1,
    description: 'A locked account was unlocked before its lock ended by itself.',
    data: { userId: 'the account unlocked', lockId: 'the lock lifted', method: 'admin (through the admin API) or email (the emailed link)', reason: 'why, as the administrator gave it, or null' },
  },
  'authn.ip.throttled': {
    v: 1,
    description: 'An IP address was blocked from signing in for a while: too many failed sign-ins, or failures against too many distinct accounts (credential stuffing).',
    data: { ip: 'the address blocked', trigger: 'failures or accounts', count: 'failed sign-ins, or distinct accounts, counted in the window', blockSeconds: 'how long sign-ins from the address are refused' },
  },
  'authn.invitation.created': { v: 1, description: 'An invitation to join an organization was issued and mailed (the link is never recorded).', data: { invitationId: 'the invitation', email: 'the invited address', expiresAt: 'when the link stops working' } },
  'authn.invitation.revoked': { v: 1, description: 'A pending invitation was withdrawn; its link stopped working.', data: { invitationId: 'the invitation', email: 'the invited address', reason: 'replaced (a newer invitation to the same address) or revoked (by an administrator)' } },
  'authn.invitation.accepted': { v: 1, description: 'An invitation was accepted: the invited person joined the organization (with a new account, or signed in to their existing one).', data: { invitationId: 'the invitation', userId: 'the account that joined', email: 'the invited address', newAccount: 'true when the account was created by this acceptance' } },
  'authn.signup.registered': { v: 1, description: 'A person created an account on their own in an organization open to sign-up; it cannot sign in until its email is verified.', data: { userId: 'the new account', email: 'email address' } },
  'authn.signup.refused': { v: 1, description: 'A sign-up named an address that already has an account: nothing was created and the address was mailed a reminder to sign in or reset the password (the requester got the same answer as for a new address).', data: { userId: 'the existing account', email: 'email address' } },
  'authn.email_verification.requested': { v: 1, description: 'A one-time email verification link was issued and mailed (the link is never recorded).', data: { userId: 'user id', email: 'the address the link was sent to', tokenId: 'the link', expiresAt: 'when the link stops working' } },
  'authn.password_reset.requested': { v: 1, description: 'A password reset was asked for; a link is issued and mailed only when the address belongs to an active account (the link is never recorded).', data: { email: 'the address asked for', userId: 'the account, or null when none has this address', result: 'sent, unknown_account or inactive_account', initiatedBy: 'self (the reset page) or administrator', tokenId: 'the link issued, or null', expiresAt: 'when the link stops working, or null' } },
  'authn.password_reset.completed': { v: 1, description: 'A password was replaced through a reset link: every open reset link of the user stopped working and every session of the user was revoked.', data: { userId: 'user id', tokenId: 'the link used', sessionsRevoked: 'how many live sessions were revoked' } },
  'identity.user.access_revoked': { v: 1, description: 'Everything a user held was revoked in one step (deprovisioning): browser sessions, and every provider session, grant, code, access and refresh token issued to applications. Recorded even when nothing was live, as evidence the removal ran.', data: { userId: 'the user', reason: 'why, as given', sessionsRevoked: 'browser sessions ended', tokensRevoked: 'provider artifacts (sessions, grants, codes, tokens) deleted' } },
  'oidc.signing_key.created': { v: 1, description: 'A token-signing key of the OpenID Connect provider was generated and published in the JWKS; it signs from its activation to its retirement and stays published until its removal.', data: { kid: 'key id', alg: 'signing algorithm', reason: 'initial (first start), scheduled (rotation) or manual (emergency rotation)', activatesAt: 'when it starts signing', retiresAt: 'when it stops signing', removesAt: 'when it leaves the JWKS' } },
  'oidc.signing_key.retired': { v: 1, description: 'A token-signing key stopped signing before its scheduled retirement (emergency rotation); it stays published until tokens it signed have expired.', data: { kid: 'key id retired, or null when none was signing', retiredAt: 'when it stopped signing', removesAt: 'when it leaves the JWKS', replacedBy: 'the key that signs from now' } },
  'oidc.token.replay_detected': { v: 1, description: 'A used authorization code or a rotated-out refresh token was presented again; the whole grant (every token issued from it) was revoked.', data: { grantId: 'the grant revoked', clientId: 'the client that presented it', grantType: 'authorization_code or refresh_token', ip: 'the address it came from' } },
  'oidc.authorization.granted': { v: 1, description: 'A user signed in to an application through Keyledger and the application was authorized (first-party applications without a consent screen).', data: { clientId: 'the application', scopes: 'scopes requested', firstParty: 'true when no consent screen is shown', consented: 'true when the user allowed access on the consent screen', acr: 'authentication level of the session', amr: 'methods the session proved' } },
  'oidc.authorization.denied': { v: 1, description: 'An application sign-in was refused: the user is not a member of the application’s organization, or declined consent.', data: { clientId: 'the application', reason: 'not_a_member or consent_denied' } },
  'oidc.application.created': {
    v: 1,
    description: 'An OIDC application (OAuth client) was registered (the client secret and its hash are never recorded).',
    data: { clientId: 'the OAuth client_id', name: 'display name', description: 'what the application is, or null', type: 'web (confidential server app), spa or native (public clients using PKCE)', tokenEndpointAuthMethod: 'client_secret_basic, private_key_jwt or none', jwks: 'for private_key_jwt: each public key as { kid, thumbprint } (RFC 7638 SHA-256 thumbprint), else null', redirectUris: 'registered redirect URIs', postLogoutRedirectUris: 'registered post-logout redirect URIs', grantTypes: 'allowed grant types', scopes: 'scopes the application may ask for', accessTokenTtlSeconds: 'access token lifetime', refreshTokenTtlSeconds: 'refresh token lifetime', idTokenTtlSeconds: 'ID token lifetime', requiredAcr: 'mfa, phishing_resistant, or null (no requirement beyond the organization policy)', firstParty: 'true when the app skips the consent screen', secretPrefix: 'non-secret prefix of the client secret (client_secret_basic), else null' },
  },
  'oidc.application.updated': {
    v: 1,
    description: 'An OIDC application’s settings changed.',
    data: { before: 'the changed fields before the change (as in oidc.application.created)', after: 'the changed fields after the change' },
  },
  'oidc.application.secret_rotated': {
    v: 1,
    description: 'An OIDC application’s client secret was replaced (neither secret nor any hash is recorded).',
    data: { clientId: 'the OAuth client_id', secretPrefix: 'non-secret prefix of the new secret', previousSecretPrefix: 'non-secret prefix of the secret replaced', overlapSeconds: 'how long the replaced secret stays valid (0: not at all)', previousSecretExpiresAt: 'when the replaced secret stops working, or null when it stopped at once' },
  },
  'oidc.application.disabled': {
    v: 1,
    description: 'An OIDC application was disabled: the provider no longer serves it and what was issued to it was revoked.',
    data: { clientId: 'the OAuth client_id', name: 'display name' },
  },
  'oidc.application.enabled': {
    v: 1,
    description: 'A disabled OIDC application was enabled again.',
    data: { clientId: 'the OAuth client_id', name: 'display name' },
  },
  'oidc.application.deleted': {
    v: 1,
    description: 'An OIDC application was deleted; what was issued to it was revoked.',
    data: { clientId: 'the OAuth client_id', name: 'display name', type: 'web, spa or native' },
  },
  'lifecycle.user.deprovisioned': {
    v: 1,
    description: 'A user was deprovisioned: status deprovisioned, sessions, grants and tokens revoked, every role assignment ended, pending access requests cancelled, in one transaction; the leaver record carries the SLA evidence.',
    data: {
      leaverId: 'the leaver record',
      userId: 'the user',
      terminatedAt: 'when the person left according to the HR system or IdP (the request’s arrival when none said)',
      accessRemovedAt: 'when access was removed (this command’s time)',
      elapsedSeconds: 'seconds from termination to removal',
      slaHours: 'the organization’s deprovisioning SLA at that moment',
      source: 'scim, hr or admin',
      sourceRef: 'the HR event id or other reference of the source, or null',
      reason: 'why, as given',
      withinSla: 'whether removal met the SLA',
      endedAssignments: 'ids of the role assignments ended',
      cancelledRequests: 'ids of the pending access requests cancelled',
    },
  },
  'lifecycle.sla.breached': {
    v: 1,
    description: 'A leaver’s access was removed later than the organization’s deprovisioning SLA allows (a finding).',
    data: { leaverId: 'the leaver record', userId: 'the user', terminatedAt: 'when the person left', accessRemovedAt: 'when access was removed', elapsedSeconds: 'seconds from termination to removal', slaHours: 'the SLA', deadline: 'when removal was due', overdueSeconds: 'how late removal came' },
  },
  'lifecycle.user.reactivated': { v: 1, description: 'A deprovisioned user was made active again; role assignments were not restored.', data: { userId: 'the user', source: 'scim, hr or admin', reason: 'why, as given', leaverId: 'the leaver record of the deprovisioning undone, or null' } },
  'lifecycle.deprovisioning.skipped': { v: 1, description: 'A deprovisioning was asked for a user deprovisioned already: nothing changed.', data: { userId: 'the user', source: 'scim, hr or admin', reason: 'why it was asked, as given', leaverId: 'the leaver record of the earlier deprovisioning, or null' } },
  'lifecycle.hr_source.created': { v: 1, description: 'An HR system was registered to post signed events for the organization (its signing secret is never recorded).', data: { name: 'name', secretPrefix: 'non-secret prefix of the signing secret' } },
  'lifecycle.hr_source.secret_rotated': {
    v: 1,
    description: 'An HR source’s signing secret was replaced (neither secret is recorded).',
    data: { secretPrefix: 'non-secret prefix of the new secret', previousSecretPrefix: 'non-secret prefix of the secret replaced', overlapSeconds: 'how long the replaced secret stays valid (0: not at all)', previousSecretExpiresAt: 'when the replaced secret stops working, or null when it stopped at once' },
  },
  'lifecycle.hr_source.deleted': { v: 1, description: 'An HR source was deleted: its events are refused from then on.', data: { name: 'name' } },
  'lifecycle.hr_event.received': {
    v: 1,
    description: 'A signed HR event was accepted for a member of the organization and acted on (actor: the HR source).',
    data: {
      eventId: 'the HR system’s event id (unique per source)',
      type: 'employee.terminated or employee.rehired',
      employeeId: 'the employee number in the event',
      effectiveAt: 'when the termination or rehire takes effect',
      userId: 'the member it matched',
      result: 'deprovisioned, already_deprovisioned, scheduled (a future termination), reactivated or not_deprovisioned (a rehire of a user not deprovisioned)',
      leaverId: 'the leaver record written or found, when there is one',
      scheduledTerminationId: 'the scheduled termination, for result scheduled',
      cancelledTerminations: 'for a rehire: ids of scheduled terminations it cancelled',
    },
  },
  'lifecycle.hr_event.unmatched': { v: 1, description: 'A signed HR event was accepted but its employee number matches no single member of the organization; nothing else was done.', data: { eventId: 'the HR system’s event id', type: 'employee.terminated or employee.rehired', employeeId: 'the employee number in the event', effectiveAt: 'when it takes effect', candidates: 'members with that employee number (0, or more than 1)' } },
  'lifecycle.termination.carried_out': {
    v: 1,
    description: 'A future-dated HR termination came due and the lifecycle ticker carried it out.',
    data: { scheduledTerminationId: 'the scheduled termination', userId: 'the user', hrSourceId: 'the HR source that sent it', eventId: 'the HR event id', terminatedAt: 'the effective termination time', result: 'deprovisioned, already_deprovisioned or not_a_member (the user left the organization meanwhile)', leaverId: 'the leaver record, or null' },
  },
  'ledger.signing_key.created': { v: 1, description: 'The ledger’s checkpoint signing key was generated.', data: { keyName: 'signed-note key name', keyId: 'key id (hex)', verifierKey: 'public verifier key' } },
};

/** The catalogue entry for an action; unknown actions are a programming error. */
export function lookupAction(action: string): ActionSpec | undefined {
  return Object.prototype.hasOwnProperty.call(ACTION_CATALOGUE, action) ? ACTION_CATALOGUE[action] : undefined;
}
