import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createServiceAccount, createUser, expectError, expectNothingChanged, grantRole, ok, startHttpSuite, type HttpSuite, type Response } from '../support/http.ts';
import { pushGroup } from '../support/scim.ts';
import { idpCertificatePem, samlBody } from '../support/sso-admin.ts';
import { systemContext } from '../../src/audit/event.ts';
import { API_ROUTES, expectDocumentedStatus, fillPath, findRoute, routeName } from './api-routes.ts';
import { DEFAULT_SESSION_POLICY } from '../../src/sessions/session-policy.ts';
import type { BodyCase, Fixtures } from './body-case.ts';
import { MONITORING_BODY_CASES } from './monitoring-body-cases.ts';


const BODY_CASES: BodyCase[] = [
  {
    route: 'POST /api/v1/api-keys',
    params: () => ({}),
    valid: () => ({ name: 'fresh key', scopes: ['admin:read'] }),
    wrongTypes: () => [{ name: 123, scopes: ['admin:read'] }, { name: 'k', scopes: 'admin:read' }, { name: 'k', scopes: ['admin:read'], expiresAt: 5 }, { name: 'k', scopes: ['root'] }, { name: 'k', scopes: [] }],
    missing: { name: 'no scopes' },
    success: 201,
  },
  { route: 'POST /api/v1/oidc/signing-keys/rotate', params: () => ({}), valid: null, wrongTypes: () => [], missing: null, success: 201 },
  { route: 'POST /api/v1/api-keys/{id}/revoke', params: (f) => ({ id: f.params.keyId }), valid: null, wrongTypes: () => [], missing: null, success: 200 },
  {
    route: 'POST /api/v1/organizations',
    params: () => ({}),
    valid: () => ({ slug: 'fresh-org', name: 'Fresh' }),
    wrongTypes: () => [{ slug: 'fresh-org', name: 123 }, { slug: 5, name: 'Fresh' }, { slug: 'fresh-org', name: 'Fresh', settings: 'x' }, { slug: 'Fresh Org!', name: 'Fresh' }],
    missing: { name: 'Fresh' },
    success: 201,
  },
  {
    route: 'PATCH /api/v1/organizations/{org}',
    params: () => ({ org: 'acme' }),
    valid: () => ({ name: 'Acme renamed' }),
    wrongTypes: () => [{ name: 123 }, { settings: [1, 2] }, { name: '' }],
    missing: {},
    success: 200,
  },
  {
    route: 'POST /api/v1/users',
    params: () => ({}),
    valid: () => ({ email: 'fresh@acme.test', org: 'acme' }),
    wrongTypes: () => [{ email: 123 }, { email: 'fresh@acme.test', name: 5 }, { email: 'not-an-email' }, { email: 'fresh@acme.test', managerId: 'nope' }],
    missing: { name: 'No Email' },
    success: 201,
  },
  {
    route: 'PATCH /api/v1/users/{id}',
    params: (f) => ({ id: f.memberToKeep }),
    valid: () => ({ name: 'Renamed' }),
    wrongTypes: () => [{ name: 123 }, { status: 'gone' }, { managerId: 'not-a-uuid' }, { department: ['x'] }],
    missing: {},
    success: 200,
  },
  {
    route: 'POST /api/v1/organizations/{org}/members',
    params: () => ({ org: 'acme' }),
    valid: (f) => ({ userId: f.nonMember }),
    wrongTypes: () => [{ userId: 5 }, { userId: 'nope' }],
    missing: {},
    success: 201,
  },
  { route: 'DELETE /api/v1/organizations/{org}/members/{userId}', params: (f) => ({ org: 'acme', userId: f.params.leaverId }), valid: null, wrongTypes: () => [], missing: null, success: 204 },
  {
    route: 'POST /api/v1/organizations/{org}/service-accounts',
    params: () => ({ org: 'acme' }),
    valid: (f) => ({ name: 'fresh-bot', description: 'Does things', ownerUserId: f.memberToKeep }),
    wrongTypes: (f) => [
      { name: 'bot', description: 5, ownerUserId: f.memberToKeep },
      { name: ['bot'], description: 'x', ownerUserId: f.memberToKeep },
      { name: 'bot', description: 'x', ownerUserId: 7 },
      { name: 'bot', description: 'x', ownerUserId: null },
      { name: 'bot', description: 'x', ownerUserId: 'not-a-uuid' },
    ],
    // Every account has an owner: leaving it out is refused.
    missing: { name: 'bot', description: 'x' },
    success: 201,
  },
  {
    route: 'PATCH /api/v1/organizations/{org}/service-accounts/{id}',
    params: (f) => ({ org: 'acme', id: f.params.serviceAccountId }),
    valid: () => ({ name: 'renamed-bot' }),
    wrongTypes: () => [{ status: 'paused' }, { name: 5 }, { status: true }, { status: 'deleted' }, { ownerUserId: null }],
    missing: {},
    success: 200,
  },
  { route: 'DELETE /api/v1/organizations/{org}/service-accounts/{id}', params: (f) => ({ org: 'acme', id: f.params.doomedServiceAccountId }), valid: null, wrongTypes: () => [], missing: null, success: 200 },
  {
    route: 'POST /api/v1/organizations/{org}/service-accounts/{id}/credentials',
    params: (f) => ({ org: 'acme', id: f.params.serviceAccountId }),
    valid: () => ({ kind: 'secret' }),
    wrongTypes: () => [{ kind: 'password' }, { kind: 5 }, { kind: 'public_key', jwk: 'not an object' }, { kind: 'public_key', pem: 5 }, { kind: 'public_key', pem: '' }, { kind: 'secret', pem: 'x' }],
    missing: {},
    success: 201,
  },
  { route: 'DELETE /api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}', params: (f) => ({ org: 'acme', id: f.params.keyedServiceAccountId, credentialId: f.params.revocableCredentialId }), valid: null, wrongTypes: () => [], missing: null, success: 200 },
  {
    route: 'POST /api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}/rotate',
    params: (f) => ({ org: 'acme', id: f.params.keyedServiceAccountId, credentialId: f.params.rotatableCredentialId }),
    valid: () => ({ overlapSeconds: 0 }),
    wrongTypes: () => [{ overlapSeconds: -1 }, { overlapSeconds: 604_801 }, { overlapSeconds: 1.5 }, { overlapSeconds: '60' }, { jwk: 'x' }, { pem: '' }],
    missing: null,
    success: 201,
  },
  {
    route: 'POST /api/v1/organizations/{org}/roles',
    params: () => ({ org: 'acme' }),
    valid: () => ({ key: 'fresh-role', name: 'Fresh', description: 'What it may do', permissions: ['a:read'] }),
    wrongTypes: () => [
      { key: 'fresh-role', name: 'Fresh', description: 'd', permissions: ['a:read'], privileged: 'yes' },
      { key: 'fresh-role', name: 'Fresh', description: 'd', permissions: 'a:read' },
      { key: 'fresh-role', name: 'Fresh', description: 'd', permissions: [5] },
      { key: 'fresh-role', name: 'Fresh', description: 'd', permissions: ['a:read'], privileged: 1 },
    ],
    missing: { key: 'fresh-role', name: 'Fresh' },
    success: 201,
  },
  {
    route: 'PATCH /api/v1/organizations/{org}/roles/{role}',
    params: () => ({ org: 'acme', role: 'viewer' }),
    valid: () => ({ name: 'Viewer 2' }),
    wrongTypes: () => [{ privileged: 'yes' }, { permissions: 'x' }, { key: 'renamed' }, { mfaPolicy: 'sometimes' }, { mfaPolicy: 2 }],
    missing: {},
    success: 200,
  },
  { route: 'DELETE /api/v1/organizations/{org}/roles/{role}', params: () => ({ org: 'acme', role: 'disposable' }), valid: null, wrongTypes: () => [], missing: null, success: 204 },
  {
    route: 'POST /api/v1/organizations/{org}/role-assignments',
    params: () => ({ org: 'acme' }),
    valid: (f) => ({ role: 'viewer', principalType: 'user', principalId: f.memberToKeep }),
    wrongTypes: (f) => [
      { role: 'viewer', principalType: 'robot', principalId: f.memberToKeep },
      { role: 'viewer', principalType: 'user', principalId: f.memberToKeep, expiresAt: 5 },
      { role: 'viewer', principalType: 'user', principalId: 5 },
      { role: 'viewer', principalType: 'user', principalId: f.memberToKeep, expiresAt: 'tomorrow' },
    ],
    missing: { role: 'viewer' },
    success: 201,
  },
  {
    route: 'POST /api/v1/organizations/{org}/role-assignments/{id}/revoke',
    params: (f) => ({ org: 'acme', id: f.params.assignmentId }),
    valid: () => ({ reason: 'done' }),
    wrongTypes: () => [{ reason: 5 }, { reason: ['done'] }],
    missing: null,
    success: 200,
  },
  {
    route: 'POST /api/v1/organizations/{org}/role-eligibilities',
    params: () => ({ org: 'acme' }),
    valid: (f) => ({ role: 'viewer', principalId: f.memberToKeep, reason: 'on-call rota' }),
    wrongTypes: (f) => [
      { role: 'viewer', principalId: 5 },
      { role: 'viewer', principalId: f.memberToKeep, expiresAt: 'tomorrow' },
      { role: 'viewer', principalId: f.memberToKeep, principalType: 'service_account' },
      { role: '', principalId: f.memberToKeep },
      { role: 'viewer', principalId: f.memberToKeep, reason: 'x'.repeat(1001) },
    ],
    missing: { role: 'viewer' },
    success: 201,
  },
  {
    route: 'POST /api/v1/organizations/{org}/role-eligibilities/{id}/revoke',
    params: (f) => ({ org: 'acme', id: f.params.eligibilityId }),
    valid: () => ({ reason: 'rota ended' }),
    wrongTypes: () => [{ reason: 5 }, { reason: ['done'] }],
    missing: null,
    success: 200,
  },
  {
    route: 'POST /api/v1/organizations/{org}/access-requests',
    params: () => ({ org: 'acme' }),
    valid: (f) => ({ role: 'requestable', principalType: 'user', principalId: f.memberToKeep, reason: 'quarterly close' }),
    wrongTypes: (f) => [
      { role: 'requestable', principalType: 'user', principalId: f.memberToKeep, reason: '' },
      { role: 'requestable', principalType: 'user', principalId: f.memberToKeep, reason: '   ' },
      { role: 'requestable', principalType: 'robot', principalId: f.memberToKeep, reason: 'r' },
      { role: 'requestable', principalType: 'user', principalId: f.memberToKeep, reason: 'r', durationMinutes: 0 },
      { role: 'requestable', principalType: 'user', principalId: f.memberToKeep, reason: 'r', durationMinutes: '60' },
      { role: 'requestable', principalType: 'user', principalId: f.memberToKeep, reason: 'r', kind: 'activation' },
    ],
    missing: { role: 'requestable', principalType: 'user', principalId: 'x' },
    success: 201,
  },
  {
    route: 'POST /api/v1/organizations/{org}/access-requests/{id}/cancel',
    params: (f) => ({ org: 'acme', id: f.params.pendingRequestId }),
    valid: () => ({ reason: 'no longer needed' }),
    wrongTypes: () => [{ reason: 5 }, { reason: ['x'] }],
    missing: null,
    success: 200,
  },
  { route: 'DELETE /api/v1/users/{id}/factors/totp/{factorId}', params: (f) => ({ id: f.nonMember, factorId: f.params.factorId }), valid: null, wrongTypes: () => [], missing: null, success: 204 },
  {
    route: 'POST /api/v1/users/{id}/factors/reset',
    params: (f) => ({ id: f.memberToKeep }),
    valid: () => ({ reason: 'lost phone, identity checked by video call' }),
    wrongTypes: () => [{ reason: 5 }, { reason: '' }, { reason: ['lost'] }, { reason: null }, { reason: 'x'.repeat(1001) }],
    missing: {},
    success: 200,
  },
  {
    route: 'POST /api/v1/users/{id}/sessions/revoke',
    params: (f) => ({ id: f.memberToKeep }),
    valid: () => ({ reason: 'laptop stolen' }),
    wrongTypes: () => [{ reason: 5 }, { reason: '' }, { reason: true }],
    missing: {},
    success: 200,
  },
  {
    route: 'POST /api/v1/users/{id}/revoke-access',
    params: (f) => ({ id: f.memberToKeep }),
    valid: () => ({ reason: 'left the company' }),
    wrongTypes: () => [{ reason: 5 }, { reason: '' }, { reason: 'x'.repeat(501) }],
    missing: {},
    success: 200,
  },
  {
    route: 'POST /api/v1/sessions/{id}/revoke',
    params: (f) => ({ id: f.params.sessionId }),
    valid: () => ({ reason: 'suspicious location' }),
    wrongTypes: () => [{ reason: 5 }, { reason: '' }, { reason: { text: 'x' } }],
    missing: null,
    success: 200,
  },
  {
    route: 'POST /api/v1/users/{id}/unlock',
    params: (f) => ({ id: f.memberToKeep }),
    valid: () => ({ reason: 'verified by phone' }),
    wrongTypes: () => [{ reason: 5 }, { reason: ['verified'] }],
    missing: null,
    success: 200,
  },
  {
    route: 'POST /api/v1/organizations/{org}/invitations',
    params: () => ({ org: 'acme' }),
    valid: () => ({ email: 'invitee@acme.test', expiresInHours: 24 }),
    wrongTypes: () => [{ email: 5 }, { email: 'not-an-email' }, { email: 'invitee@acme.test', expiresInHours: 0 }, { email: 'invitee@acme.test', expiresInHours: 721 }, { email: 'invitee@acme.test', expiresInHours: '24' }, { email: 'invitee@acme.test', expiresInHours: 1.5 }],
    missing: { expiresInHours: 24 },
    success: 201,
  },
  { route: 'POST /api/v1/organizations/{org}/invitations/{id}/revoke', params: (f) => ({ org: 'acme', id: f.params.invitationId }), valid: null, wrongTypes: () => [], missing: null, success: 200 },
  { route: 'POST /api/v1/users/{id}/password-reset', params: (f) => ({ id: f.memberToKeep }), valid: null, wrongTypes: () => [], missing: null, success: 202 },
  { route: 'POST /api/v1/users/{id}/email-verification', params: (f) => ({ id: f.params.unverifiedId }), valid: null, wrongTypes: () => [], missing: null, success: 202 },
  {
    route: 'POST /api/v1/organizations/{org}/applications',
    params: () => ({ org: 'acme' }),
    valid: () => ({ name: 'fresh app', type: 'spa', redirectUris: ['https://fresh.acme.test/cb'] }),
    wrongTypes: () => [
      { name: 5, type: 'spa' },
      { name: 'a', type: 'daemon' },
      { name: 'a', type: 'spa', redirectUris: 'https://fresh.acme.test/cb' },
      { name: 'a', type: 'spa', accessTokenTtlSeconds: 59 },
      { name: 'a', type: 'spa', firstParty: 'yes' },
      { name: 'a', type: 'web', tokenEndpointAuthMethod: 'client_secret_post' },
      { name: 'a', type: 'spa', requiredAcr: 'loa3' },
      { name: 'a', type: 'web', jwks: { keys: [] } },
    ],
    missing: { name: 'no type' },
    success: 201,
  },
  {
    route: 'PATCH /api/v1/organizations/{org}/applications/{id}',
    params: (f) => ({ org: 'acme', id: f.params.applicationId }),
    valid: () => ({ name: 'renamed app' }),
    wrongTypes: () => [{ status: 'paused' }, { name: '' }, { grantTypes: 'authorization_code' }, { refreshTokenTtlSeconds: 90 * 86_400 + 1 }, { type: 'spa' }, { tokenEndpointAuthMethod: 'none' }],
    missing: {},
    success: 200,
  },
  { route: 'DELETE /api/v1/organizations/{org}/applications/{id}', params: (f) => ({ org: 'acme', id: f.params.disposableApplicationId }), valid: null, wrongTypes: () => [], missing: null, success: 204 },
  {
    route: 'POST /api/v1/organizations/{org}/applications/{id}/secret',
    params: (f) => ({ org: 'acme', id: f.params.applicationId }),
    valid: () => ({ overlapSeconds: 60 }),
    wrongTypes: () => [{ overlapSeconds: '60' }, { overlapSeconds: -1 }, { overlapSeconds: 7 * 86_400 + 1 }, { overlapSeconds: 1.5 }],
    missing: null,
    success: 200,
  },
  {
    route: 'POST /api/v1/organizations/{org}/users/{id}/deprovision',
    params: (f) => ({ org: 'acme', id: f.params.leavingId }),
    valid: () => ({ reason: 'left the company' }),
    wrongTypes: () => [{ reason: 5 }, { reason: '' }, { reason: 'x'.repeat(501) }, { reason: 'left', terminatedAt: 'yesterday' }, { reason: 'left', terminatedAt: 5 }],
    missing: { terminatedAt: '2026-01-01T00:00:00Z' },
    success: 200,
  },
  {
    route: 'POST /api/v1/organizations/{org}/users/{id}/reactivate',
    params: (f) => ({ org: 'acme', id: f.params.goneId }),
    valid: () => ({ reason: 'rehired' }),
    wrongTypes: () => [{ reason: 5 }, { reason: '' }, { reason: ['rehired'] }],
    missing: {},
    success: 200,
  },
  {
    route: 'POST /api/v1/organizations/{org}/hr-sources',
    params: () => ({ org: 'acme' }),
    valid: () => ({ name: 'Workday' }),
    wrongTypes: () => [{ name: 5 }, { name: '' }, { name: ['Workday'] }, { name: 'x'.repeat(201) }],
    missing: {},
    success: 201,
  },
  {
    route: 'POST /api/v1/organizations/{org}/hr-sources/{id}/rotate-secret',
    params: (f) => ({ org: 'acme', id: f.params.hrSourceId }),
    valid: () => ({ overlapSeconds: 60 }),
    wrongTypes: () => [{ overlapSeconds: -1 }, { overlapSeconds: 7 * 86_400 + 1 }, { overlapSeconds: 1.5 }, { overlapSeconds: '60' }, { secret: 'mine' }],
    missing: null,
    success: 200,
  },
  { route: 'DELETE /api/v1/organizations/{org}/hr-sources/{id}', params: (f) => ({ org: 'acme', id: f.params.disposableHrSourceId }), valid: null, wrongTypes: () => [], missing: null, success: 204 },
  {
    route: 'POST /api/v1/organizations/{org}/scim-directories',
    params: () => ({ org: 'acme' }),
    valid: () => ({ name: 'Okta' }),
    wrongTypes: () => [{ name: 5 }, { name: '' }, { name: ['Okta'] }, { name: 'x'.repeat(201) }, { name: 'Okta', status: 'disabled' }],
    missing: {},
    success: 201,
  },
  {
    route: 'PATCH /api/v1/organizations/{org}/scim-directories/{id}',
    params: (f) => ({ org: 'acme', id: f.params.disabledDirectoryId }),
    valid: () => ({ status: 'disabled' }),
    wrongTypes: () => [{ status: 'paused' }, { status: 5 }, { status: true }, { status: null }, { name: 'renamed' }],
    missing: {},
    success: 200,
  },
  { route: 'POST /api/v1/organizations/{org}/scim-directories/{id}/tokens', params: (f) => ({ org: 'acme', id: f.params.directoryId }), valid: null, wrongTypes: () => [], missing: null, success: 201 },
  {
    route: 'POST /api/v1/organizations/{org}/scim-directories/{id}/tokens/rotate',
    params: (f) => ({ org: 'acme', id: f.params.directoryId }),
    valid: () => ({ overlapSeconds: 60 }),
    wrongTypes: () => [{ overlapSeconds: -1 }, { overlapSeconds: 7 * 86_400 + 1 }, { overlapSeconds: 1.5 }, { overlapSeconds: '60' }, { overlapSeconds: null }, { token: 'mine' }],
    missing: null,
    success: 201,
  },
  { route: 'DELETE /api/v1/organizations/{org}/scim-directories/{id}/tokens/{tokenId}', params: (f) => ({ org: 'acme', id: f.params.directoryId, tokenId: f.params.revocableTokenId }), valid: null, wrongTypes: () => [], missing: null, success: 200 },
  {
    route: 'POST /api/v1/organizations/{org}/scim-directories/{id}/group-mappings',
    params: (f) => ({ org: 'acme', id: f.params.directoryId }),
    valid: () => ({ group: 'Eng', role: 'viewer' }),
    wrongTypes: () => [{ group: 5, role: 'viewer' }, { group: 'Eng', role: 5 }, { group: '', role: 'viewer' }, { group: 'Eng', role: '' }, { group: 'x'.repeat(257), role: 'viewer' }, { group: 'Eng', role: 'r'.repeat(129) }, { group: ['Eng'], role: 'viewer' }],
    missing: { group: 'Eng' },
    success: 201,
  },
  { route: 'DELETE /api/v1/organizations/{org}/scim-directories/{id}/group-mappings/{mappingId}', params: (f) => ({ org: 'acme', id: f.params.directoryId, mappingId: f.params.disposableMappingId }), valid: null, wrongTypes: () => [], missing: null, success: 204 },
  {
    route: 'POST /api/v1/organizations/{org}/sso-connections',
    params: () => ({ org: 'acme' }),
    valid: (f) => samlBody('Fresh IdP', f.params.idpCertificate),
    wrongTypes: (f) => [
      { ...samlBody('x', f.params.idpCertificate), type: 'ldap' },
      { ...samlBody('x', f.params.idpCertificate), name: 5 },
      { ...samlBody('x', f.params.idpCertificate), name: '   ' },
      // Exactly one IdP source, and no field of the other protocol.
      { ...samlBody('x', f.params.idpCertificate), metadataUrl: 'https://idp.acme.test/metadata' },
      { ...samlBody('x', f.params.idpCertificate), issuer: 'https://idp.acme.test' },
      { type: 'saml', name: 'x' },
      { type: 'oidc', name: 'x', issuer: 'https://idp.acme.test', clientId: 'c' },
      { type: 'oidc', name: 'x', issuer: 'https://idp.acme.test', clientId: 'c', clientSecret: 's', allowIdpInitiated: true },
      { ...samlBody('x', f.params.idpCertificate), clockSkewSeconds: 301 },
      { ...samlBody('x', f.params.idpCertificate), jitProvisioning: 'yes' },
      { ...samlBody('x', f.params.idpCertificate), attributeMapping: { email: 5 } },
      { ...samlBody('x', f.params.idpCertificate), attributeMapping: { department: 'dept' } },
      { ...samlBody('x', f.params.idpCertificate), idp: { entityId: 'e', ssoUrl: 'https://idp.acme.test/sso', certificates: [] } },
    ],
    missing: { type: 'saml', idp: { entityId: 'e', ssoUrl: 'https://idp.acme.test/sso', certificates: ['x'] } },
    success: 201,
  },
  {
    route: 'PATCH /api/v1/organizations/{org}/sso-connections/{id}',
    params: (f) => ({ org: 'acme', id: f.params.connectionId }),
    valid: () => ({ name: 'Renamed IdP' }),
    wrongTypes: () => [{ status: 'paused' }, { name: 5 }, { type: 'oidc' }, { metadataXml: '<a/>', metadataUrl: 'https://idp.acme.test/metadata' }, { clockSkewSeconds: -1 }, { scopes: 'openid' }, { idp: { entityId: 'e' } }, { attributeMapping: [] }],
    missing: {},
    success: 200,
  },
  { route: 'DELETE /api/v1/organizations/{org}/sso-connections/{id}', params: (f) => ({ org: 'acme', id: f.params.disposableConnectionId }), valid: null, wrongTypes: () => [], missing: null, success: 204 },
  {
    route: 'POST /api/v1/organizations/{org}/sso-connections/{id}/certificates',
    params: (f) => ({ org: 'acme', id: f.params.connectionId }),
    valid: (f) => ({ certificate: f.params.nextIdpCertificate }),
    wrongTypes: () => [{ certificate: 5 }, { certificate: '' }, { certificate: ['x'] }, { certificate: null }],
    missing: {},
    success: 200,
  },
  { route: 'DELETE /api/v1/organizations/{org}/sso-connections/{id}/certificates/{fingerprint}', params: (f) => ({ org: 'acme', id: f.params.twoCertificateConnectionId, fingerprint: f.params.removableFingerprint }), valid: null, wrongTypes: () => [], missing: null, success: 200 },
  { route: 'POST /api/v1/organizations/{org}/sso-connections/{id}/tests', params: (f) => ({ org: 'acme', id: f.params.connectionId }), valid: null, wrongTypes: () => [], missing: null, success: 201 },
  {
    route: 'POST /api/v1/organizations/{org}/sso-connections/{id}/group-mappings',
    params: (f) => ({ org: 'acme', id: f.params.connectionId }),
    valid: () => ({ group: 'Eng', role: 'viewer' }),
    wrongTypes: () => [{ group: 5, role: 'viewer' }, { group: 'Eng', role: 5 }, { group: '', role: 'viewer' }, { group: '  ', role: 'viewer' }, { group: 'Eng', role: '' }, { group: 'x'.repeat(513), role: 'viewer' }, { group: ['Eng'], role: 'viewer' }],
    missing: { group: 'Eng' },
    success: 201,
  },
  { route: 'DELETE /api/v1/organizations/{org}/sso-connections/{id}/group-mappings/{mappingId}', params: (f) => ({ org: 'acme', id: f.params.connectionId, mappingId: f.params.disposableSsoMappingId }), valid: null, wrongTypes: () => [], missing: null, success: 204 },
  {
    route: 'POST /api/v1/organizations/{org}/sso-domains',
    params: () => ({ org: 'acme' }),
    valid: () => ({ domain: 'fresh.acme.test' }),
    wrongTypes: () => [{ domain: 5 }, { domain: '' }, { domain: ['fresh.acme.test'] }, { domain: 'x'.repeat(254) }, { domain: 'fresh.acme.test', verified: true }],
    missing: {},
    success: 201,
  },
  // An attested domain: verifying it again answers 200 without asking DNS.
  { route: 'POST /api/v1/organizations/{org}/sso-domains/{id}/verify', params: (f) => ({ org: 'acme', id: f.params.verifiedDomainId }), valid: null, wrongTypes: () => [], missing: null, success: 200 },
  {
    route: 'POST /api/v1/organizations/{org}/sso-domains/{id}/attest',
    params: (f) => ({ org: 'acme', id: f.params.domainId }),
    valid: () => ({ statement: 'Checked with the registrar' }),
    wrongTypes: () => [{ statement: 5 }, { statement: '' }, { statement: '   ' }, { statement: 'x'.repeat(501) }, { statement: null }],
    missing: {},
    success: 200,
  },
  { route: 'DELETE /api/v1/organizations/{org}/sso-domains/{id}', params: (f) => ({ org: 'acme', id: f.params.disposableDomainId }), valid: null, wrongTypes: () => [], missing: null, success: 204 },
  {
    route: 'POST /api/v1/organizations/{org}/sso-setup-links',
    params: () => ({ org: 'acme' }),
    valid: () => ({ email: 'it@acme.test', expiresInDays: 3 }),
    wrongTypes: () => [{ expiresInDays: 0 }, { expiresInDays: 31 }, { expiresInDays: '3' }, { expiresInDays: 1.5 }, { email: 5 }, { email: 'not-an-address' }, { email: null }],
    missing: null,
    success: 201,
  },
  { route: 'POST /api/v1/organizations/{org}/sso-setup-links/{id}/revoke', params: (f) => ({ org: 'acme', id: f.params.setupLinkId }), valid: null, wrongTypes: () => [], missing: null, success: 200 },
  {
    route: 'POST /api/v1/organizations/{org}/notification-webhooks',
    params: () => ({ org: 'acme' }),
    valid: () => ({ url: 'https://hooks.acme.test/keyledger', events: ['access.'], description: 'Approvals' }),
    wrongTypes: () => [
      { url: 5, events: ['access.'] },
      { url: '', events: ['access.'] },
      { url: 'https://hooks.acme.test/k', events: 'access.' },
      { url: 'https://hooks.acme.test/k', events: [] },
      { url: 'https://hooks.acme.test/k', events: ['Access.'] },
      { url: 'https://hooks.acme.test/k', events: ['access.'], description: '' },
      { url: 'https://hooks.acme.test/k', events: ['access.'], secret: 'mine' },
    ],
    missing: { events: ['access.'] },
    success: 201,
  },
  { route: 'POST /api/v1/organizations/{org}/notification-webhooks/{id}/rotate-secret', params: (f) => ({ org: 'acme', id: f.params.webhookId }), valid: null, wrongTypes: () => [], missing: null, success: 200 },
  { route: 'DELETE /api/v1/organizations/{org}/notification-webhooks/{id}', params: (f) => ({ org: 'acme', id: f.params.disposableWebhookId }), valid: null, wrongTypes: () => [], missing: null, success: 204 },
  {
    route: 'POST /api/v1/organizations/{org}/access-reviews',
    params: () => ({ org: 'acme' }),
    valid: (f) => ({ name: 'Q3 review', ownerId: f.memberToKeep, dueAt: '2099-01-01T00:00:00.000Z', applyMode: 'on_decision' }),
    wrongTypes: (f) => [
      { name: 5, ownerId: f.memberToKeep, dueAt: '2099-01-01T00:00:00.000Z' },
      { name: '', ownerId: f.memberToKeep, dueAt: '2099-01-01T00:00:00.000Z' },
      { name: 'r', ownerId: 'nope', dueAt: '2099-01-01T00:00:00.000Z' },
      { name: 'r', ownerId: f.memberToKeep, dueAt: 'next week' },
      { name: 'r', ownerId: f.memberToKeep, dueAt: '2099-01-01T00:00:00.000Z', applyMode: 'later' },
    ],
    missing: { name: 'no owner', dueAt: '2099-01-01T00:00:00.000Z' },
    success: 201,
  },
  { route: 'POST /api/v1/organizations/{org}/access-reviews/{id}/close', params: (f) => ({ org: 'acme', id: f.params.reviewId }), valid: null, wrongTypes: () => [], missing: null, success: 200 },
  ...MONITORING_BODY_CASES,
];

const OVERSIZE = 'x'.repeat(257 * 1024);

for (const dialect of DIALECTS) {
  describe(`bad request bodies change nothing, on ${dialect}`, () => {
    let s: HttpSuite;
    let f: Fixtures;
    let doc: Parameters<typeof expectDocumentedStatus>[0];
    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      await createOrg(s, 'acme');
      const keep = await createUser(s, { email: 'keep@acme.test', org: 'acme' });
      const leaver = await createUser(s, { email: 'leaver@acme.test', org: 'acme' });
      const outsider = await createUser(s, { email: 'outsider@elsewhere.test' });
      await createRole(s, 'acme', 'viewer');
      await createRole(s, 'acme', 'editor');
      await createRole(s, 'acme', 'disposable');
      const assignment = await grantRole(s, 'acme', 'editor', keep.id);
      const eligibility = await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-eligibilities', { role: 'editor', principalId: keep.id });
      const sa = await createServiceAccount(s, 'acme', 'bot', keep.id);
      const doomed = await createServiceAccount(s, 'acme', 'doomed-bot', keep.id);
      const keyed = await createServiceAccount(s, 'acme', 'keyed-bot', keep.id);
      const rotatable = await ok(s, 201, 'POST', `/api/v1/organizations/acme/service-accounts/${keyed.id}/credentials`, { kind: 'secret' });
      const revocable = await ok(s, 201, 'POST', `/api/v1/organizations/acme/service-accounts/${keyed.id}/credentials`, { kind: 'secret' });
      const key = await s.issueKey('revocable', ['admin:read']);
      const setup = systemContext('test', 'bodies test');
      const factor = await s.rt.authn.startTotpEnrollment(setup, outsider.id, { issuer: 'Keyledger' });
      const session = await s.rt.sessions.create(setup, { userId: keep.id, orgId: null, amr: ['pwd'], acr: 'urn:keyledger:acr:pwd', ip: null, userAgent: null, policy: { ...DEFAULT_SESSION_POLICY } });
      const invitation = await ok(s, 201, 'POST', '/api/v1/organizations/acme/invitations', { email: 'pending@acme.test' });
      // A self-registered account, whose email awaits verification.
      await createOrg(s, 'open-signup');
      await ok(s, 200, 'PATCH', '/api/v1/organizations/open-signup', { settings: { signup: { mode: 'open' } } });
      await s.rt.enrollment.signUp(systemContext('test', 'sign-up page'), 'open-signup', { email: 'unverified@open.test', name: 'Unverified', password: 'quartz-lantern-meadow-91-harbor' });
      await s.rt.enrollment.mailIdle();
      const unverified = (await s.rt.identity.findUserByEmail('unverified@open.test'))!;
      const application = await ok(s, 201, 'POST', '/api/v1/organizations/acme/applications', { name: 'portal', type: 'web', redirectUris: ['https://portal.acme.test/cb'] });
      const disposable = await ok(s, 201, 'POST', '/api/v1/organizations/acme/applications', { name: 'disposable', type: 'spa', redirectUris: ['https://old.acme.test/cb'] });
      const leaving = await createUser(s, { email: 'leaving@acme.test', org: 'acme' });
      const gone = await createUser(s, { email: 'gone@acme.test', org: 'acme' });
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/users/${gone.id}/deprovision`, { reason: 'left' });
      const hrSource = await ok(s, 201, 'POST', '/api/v1/organizations/acme/hr-sources', { name: 'Workday' });
      const disposableHrSource = await ok(s, 201, 'POST', '/api/v1/organizations/acme/hr-sources', { name: 'Old HR' });
      // A SCIM directory with a token and a group it pushed, mapped to a role; another directory to disable.
      const directory = await ok(s, 201, 'POST', '/api/v1/organizations/acme/scim-directories', { name: 'Entra' });
      const toDisable = await ok(s, 201, 'POST', '/api/v1/organizations/acme/scim-directories', { name: 'Old IdP' });
      const scimToken = await ok(s, 201, 'POST', `/api/v1/organizations/acme/scim-directories/${directory.id}/tokens`);
      await pushGroup(s, directory.id, scimToken.token, 'Eng');
      const disposableMapping = await ok(s, 201, 'POST', `/api/v1/organizations/acme/scim-directories/${directory.id}/group-mappings`, { group: 'Eng', role: 'editor' });
      // SSO: a SAML connection, one to delete, one trusting two certificates; a group rule to remove; domains; a setup link.
      const [idpCert, nextIdpCert, otherIdpCert] = await Promise.all(['IdP', 'IdP next', 'IdP other'].map((cn) => idpCertificatePem(cn)));
      const connection = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-connections', samlBody('Okta', idpCert));
      const disposableConnection = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-connections', samlBody('Old IdP', idpCert));
      const twoCertificates = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-connections', samlBody('Rolling IdP', idpCert, otherIdpCert));
      const disposableSsoMapping = await ok(s, 201, 'POST', `/api/v1/organizations/acme/sso-connections/${connection.id}/group-mappings`, { group: 'Eng', role: 'editor' });
      const domain = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-domains', { domain: 'acme.test' });
      const verifiedDomain = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-domains', { domain: 'verified.acme.test' });
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/sso-domains/${verifiedDomain.id}/attest`, { statement: 'ours' });
      const disposableDomain = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-domains', { domain: 'old.acme.test' });
      const setupLink = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-setup-links', {});
      const webhook = await ok(s, 201, 'POST', '/api/v1/organizations/acme/notification-webhooks', { url: 'https://hooks.acme.test/keyledger', events: ['access.'] });
      const disposableWebhook = await ok(s, 201, 'POST', '/api/v1/organizations/acme/notification-webhooks', { url: 'https://old-hooks.acme.test/keyledger', events: ['*'] });
      const destination = await ok(s, 201, 'POST', '/api/v1/siem-destinations', { name: 'SOC', kind: 'webhook', config: { url: 'https://siem.acme.test/ingest' } });
      const disposableDestination = await ok(s, 201, 'POST', '/api/v1/siem-destinations', { name: 'Old SIEM', kind: 'webhook', config: { url: 'https://old-siem.acme.test/ingest' } });
      // Roles an approver decides, and a pending request to cancel.
      const approver = await createUser(s, { email: 'approver@acme.test', org: 'acme' });
      for (const key of ['requestable', 'requestable-2']) await ok(s, 201, 'POST', '/api/v1/organizations/acme/roles', { key, name: key, description: 'Approved by its owner', permissions: [], ownerId: approver.id });
      const pendingRequest = await ok(s, 201, 'POST', '/api/v1/organizations/acme/access-requests', { role: 'requestable-2', principalType: 'user', principalId: keep.id, reason: 'to cancel' });
      const review = await ok(s, 201, 'POST', '/api/v1/organizations/acme/access-reviews', { name: 'to close', ownerId: keep.id, dueAt: '2099-01-01T00:00:00.000Z' });
      // Two open findings (the assignment granted without approval, the admin key without expiry) to acknowledge and resolve.
      await s.rt.findings.evaluate();
      const openFindings = (await ok(s, 200, 'GET', '/api/v1/findings?status=open')).items;
      const ackFinding = openFindings.find((x: any) => x.type === 'grant_without_approval');
      const resolveFinding = openFindings.find((x: any) => x.type === 'api_key_without_expiry');
      // Two alerts (privileged grants without approval, found by a scan) and two incidents.
      await createRole(s, 'acme', 'detect-priv', { privileged: true });
      await grantRole(s, 'acme', 'detect-priv', keep.id);
      await grantRole(s, 'acme', 'detect-priv', approver.id);
      await s.rt.detections.scan();
      const [alert, closableAlert] = (await ok(s, 200, 'GET', '/api/v1/alerts')).items;
      const incident = await ok(s, 201, 'POST', '/api/v1/incidents', { title: 'Open one', severity: 'low', ownerId: keep.id, summary: 'to change' });
      const resolvable = await ok(s, 201, 'POST', '/api/v1/incidents', { title: 'To resolve', severity: 'low', ownerId: keep.id, summary: 'to resolve' });
      const ledgerEventId = (await s.rt.ledger.listEvents({}, { limit: 1 })).events[0].id;
      f = {
        memberToKeep: keep.id,
        nonMember: outsider.id,
        params: { keyId: key.id, leaverId: leaver.id, serviceAccountId: sa.id, doomedServiceAccountId: doomed.id, keyedServiceAccountId: keyed.id, rotatableCredentialId: rotatable.credential.id, revocableCredentialId: revocable.credential.id, assignmentId: assignment.id, eligibilityId: eligibility.id, invitationId: invitation.invitation.id, unverifiedId: unverified.id, factorId: factor.factorId, sessionId: session.session.id, applicationId: application.application.id, disposableApplicationId: disposable.application.id, leavingId: leaving.id, goneId: gone.id, hrSourceId: hrSource.source.id, disposableHrSourceId: disposableHrSource.source.id, directoryId: directory.id, disabledDirectoryId: toDisable.id, revocableTokenId: scimToken.tokenInfo.id, disposableMappingId: disposableMapping.id,
          idpCertificate: idpCert, nextIdpCertificate: nextIdpCert, connectionId: connection.id, disposableConnectionId: disposableConnection.id, twoCertificateConnectionId: twoCertificates.id, removableFingerprint: twoCertificates.saml.certificates[1].fingerprint, disposableSsoMappingId: disposableSsoMapping.id, domainId: domain.id, verifiedDomainId: verifiedDomain.id, disposableDomainId: disposableDomain.id, setupLinkId: setupLink.link.id, webhookId: webhook.webhook.id, disposableWebhookId: disposableWebhook.webhook.id, pendingRequestId: pendingRequest.id, reviewId: review.id, ackFindingId: ackFinding.id, resolveFindingId: resolveFinding.id, destinationId: destination.destination.id, disposableDestinationId: disposableDestination.destination.id,
          alertId: alert.id, closableAlertId: closableAlert.id, incidentId: incident.id, resolvableIncidentId: resolvable.id, ledgerEventId },
      };
      doc = (await s.request('GET', '/api/v1/openapi.json')).json();
    });
    afterAll(async () => s?.close());

    it('the table covers every operation that takes a body or changes state', () => {
      const mutating = API_ROUTES.filter((r) => r.body || r.method !== 'GET').map(routeName);
      expect(BODY_CASES.map((c) => c.route).sort()).toEqual(mutating.sort());
    });

    for (const c of BODY_CASES) {
      it(`${c.route}: every bad body is refused with a catalogue code, and the good one then succeeds`, async () => {
        const route = findRoute(c.route);
        const url = fillPath(route.path, c.params(f));
        const send = (payload: string | undefined, contentType?: string) =>
          s.app.inject({ method: route.method, url, headers: { authorization: `Bearer ${s.adminKey}`, ...(contentType ? { 'content-type': contentType } : {}) }, payload });
        const refused = async (label: string, payload: string | undefined, contentType: string | undefined, status: number, code: string): Promise<Response> =>
          expectNothingChanged(s.rt, async () => {
            const res = await send(payload, contentType);
            expect({ label, status: res.statusCode }).toEqual({ label, status });
            expectError(res, status, code);
            expectDocumentedStatus(doc, route, res);
            return res;
          });
        const valid = c.valid?.(f);
        const json = JSON.stringify(valid ?? { anything: true });

        for (const bad of c.wrongTypes(f)) await refused(`wrong types ${JSON.stringify(bad)}`, JSON.stringify(bad), 'application/json', 400, 'request.invalid');
        if (c.missing) await refused('missing a required field', JSON.stringify(c.missing), 'application/json', 400, 'request.invalid');
        if (valid) {
          const res = await refused('unknown field', JSON.stringify({ ...valid, extra: 1 }), 'application/json', 400, 'request.invalid');
          expect(res.json().error.details).toEqual(expect.arrayContaining([expect.objectContaining({ params: { additionalProperty: 'extra' } })]));
          await refused('JSON null', 'null', 'application/json', 400, 'request.invalid');
          await refused('JSON array', '[]', 'application/json', 400, 'request.invalid');
        }
        await refused('malformed JSON', '{"name": ', 'application/json', 400, 'request.malformed_json');
        await refused('empty JSON body', '', 'application/json', 400, 'request.malformed_json');
        await refused('prototype poisoning', '{"__proto__": {"admin": true}, "name": "x"}', 'application/json', 400, 'request.malformed_json');
        await refused('text/plain', json, 'text/plain', 415, 'request.unsupported_media_type');
        await refused('form-encoded', new URLSearchParams(Object.entries(valid ?? { a: 'b' }).map(([k, v]): [string, string] => [k, String(v)])).toString(), 'application/x-www-form-urlencoded', 415, 'request.unsupported_media_type');
        await refused('xml', '<org/>', 'application/xml', 415, 'request.unsupported_media_type');
        await refused('oversize body', JSON.stringify({ ...(valid ?? {}), name: OVERSIZE }), 'application/json', 413, 'request.body_too_large');

        const good = valid ? await send(JSON.stringify(valid), 'application/json') : await send(undefined);
        expect({ status: good.statusCode, body: good.body }).toMatchObject({ status: c.success });
      });
    }
  });
}
