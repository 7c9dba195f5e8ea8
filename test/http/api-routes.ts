import { expect } from 'vitest';
import type { Scope } from '../../src/http/scopes.ts';
import type { Response } from '../support/http.ts';

/** Every admin API operation, as OpenAPI names it: the table the bad-input, auth and OpenAPI suites iterate. */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** OpenAPI path, with `{param}` placeholders. */
  path: string;
  scope: Scope;
  /** Other scopes that admit the operation as well (reads open to administrators and auditors). */
  alsoScopes?: Scope[];
  /** Whether the operation declares a JSON request body. */
  body: boolean;
  /** A list endpoint taking `limit` and `cursor`. */
  paged?: boolean;
}

export const API_ROUTES: ApiRoute[] = [
  { method: 'POST', path: '/api/v1/api-keys', scope: 'api_keys:manage', body: true },
  { method: 'GET', path: '/api/v1/api-keys', scope: 'api_keys:manage', body: false, paged: true },
  { method: 'GET', path: '/api/v1/api-keys/{id}', scope: 'api_keys:manage', body: false },
  { method: 'POST', path: '/api/v1/api-keys/{id}/revoke', scope: 'api_keys:manage', body: false },
  { method: 'POST', path: '/api/v1/organizations', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/organizations/{org}', scope: 'admin:read', body: false },
  { method: 'PATCH', path: '/api/v1/organizations/{org}', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/users', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/users', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/users/{id}', scope: 'admin:read', body: false },
  { method: 'PATCH', path: '/api/v1/users/{id}', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/members', scope: 'admin:read', body: false, paged: true },
  { method: 'POST', path: '/api/v1/organizations/{org}/members', scope: 'admin:write', body: true },
  { method: 'DELETE', path: '/api/v1/organizations/{org}/members/{userId}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/service-accounts', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/service-accounts', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/service-accounts/{id}', scope: 'admin:read', body: false },
  { method: 'PATCH', path: '/api/v1/organizations/{org}/service-accounts/{id}', scope: 'admin:write', body: true },
  { method: 'DELETE', path: '/api/v1/organizations/{org}/service-accounts/{id}', scope: 'admin:write', body: false },
  { method: 'GET', path: '/api/v1/organizations/{org}/service-accounts/findings', scope: 'admin:read', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/service-accounts/{id}/credentials', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/service-accounts/{id}/credentials', scope: 'admin:read', body: false },
  { method: 'DELETE', path: '/api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}/rotate', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/organizations/{org}/roles', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/roles', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/roles/{role}', scope: 'admin:read', body: false },
  { method: 'GET', path: '/api/v1/organizations/{org}/role-definitions', scope: 'admin:read', body: false },
  { method: 'GET', path: '/api/v1/organizations/{org}/access-findings', scope: 'admin:read', body: false },
  { method: 'GET', path: '/api/v1/organizations/{org}/access-approval-evidence', scope: 'audit:read', body: false },
  { method: 'PATCH', path: '/api/v1/organizations/{org}/roles/{role}', scope: 'admin:write', body: true },
  { method: 'DELETE', path: '/api/v1/organizations/{org}/roles/{role}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/role-assignments', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/role-assignments', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/role-assignments/{id}', scope: 'admin:read', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/role-assignments/{id}/revoke', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/organizations/{org}/role-eligibilities', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/role-eligibilities', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/role-eligibilities/{id}', scope: 'admin:read', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/role-eligibilities/{id}/revoke', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/findings', scope: 'admin:read', alsoScopes: ['audit:read'], body: false, paged: true },
  { method: 'GET', path: '/api/v1/findings/{id}', scope: 'admin:read', alsoScopes: ['audit:read'], body: false },
  { method: 'POST', path: '/api/v1/findings/{id}/acknowledge', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/findings/{id}/resolve', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/audit/events', scope: 'audit:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/audit/events/{id}', scope: 'audit:read', body: false },
  { method: 'GET', path: '/api/v1/audit/events/{id}/proof', scope: 'audit:read', body: false },
  { method: 'GET', path: '/api/v1/audit/checkpoints/latest', scope: 'audit:read', body: false },
  { method: 'GET', path: '/api/v1/audit/checkpoints/{size}', scope: 'audit:read', body: false },
  { method: 'GET', path: '/api/v1/audit/consistency', scope: 'audit:read', body: false },
  { method: 'GET', path: '/api/v1/mail/outbox', scope: 'admin:read', body: false },
  { method: 'GET', path: '/api/v1/users/{id}/factors', scope: 'admin:read', body: false },
  { method: 'DELETE', path: '/api/v1/users/{id}/factors/totp/{factorId}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/users/{id}/factors/reset', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/users/{id}/sessions', scope: 'admin:read', body: false },
  { method: 'POST', path: '/api/v1/users/{id}/sessions/revoke', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/users/{id}/revoke-access', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/oidc/signing-keys', scope: 'admin:read', body: false },
  { method: 'POST', path: '/api/v1/oidc/signing-keys/rotate', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/sessions/{id}/revoke', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/authn-policy', scope: 'admin:read', body: false },
  { method: 'GET', path: '/api/v1/users/{id}/mfa-status', scope: 'admin:read', body: false },
  { method: 'GET', path: '/api/v1/users/{id}/lockout', scope: 'admin:read', body: false },
  { method: 'POST', path: '/api/v1/users/{id}/unlock', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/lockouts', scope: 'admin:read', body: false, paged: true },
  { method: 'POST', path: '/api/v1/organizations/{org}/invitations', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/invitations', scope: 'admin:read', body: false, paged: true },
  { method: 'POST', path: '/api/v1/organizations/{org}/invitations/{id}/revoke', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/users/{id}/password-reset', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/users/{id}/email-verification', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/applications', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/applications', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/applications/{id}', scope: 'admin:read', body: false },
  { method: 'PATCH', path: '/api/v1/organizations/{org}/applications/{id}', scope: 'admin:write', body: true },
  { method: 'DELETE', path: '/api/v1/organizations/{org}/applications/{id}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/applications/{id}/secret', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/access-requests', scope: 'admin:read', body: false, paged: true },
  { method: 'POST', path: '/api/v1/organizations/{org}/access-requests', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/access-requests/{id}', scope: 'admin:read', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/access-requests/{id}/cancel', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/organizations/{org}/users/{id}/deprovision', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/organizations/{org}/users/{id}/reactivate', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/leavers', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/lifecycle/findings', scope: 'admin:read', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/hr-sources', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/hr-sources', scope: 'admin:read', body: false, paged: true },
  { method: 'POST', path: '/api/v1/organizations/{org}/hr-sources/{id}/rotate-secret', scope: 'admin:write', body: true },
  { method: 'DELETE', path: '/api/v1/organizations/{org}/hr-sources/{id}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/scim-directories', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/scim-directories', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/scim-directories/{id}', scope: 'admin:read', body: false },
  { method: 'PATCH', path: '/api/v1/organizations/{org}/scim-directories/{id}', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/organizations/{org}/scim-directories/{id}/tokens', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/scim-directories/{id}/tokens/rotate', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/scim-directories/{id}/tokens', scope: 'admin:read', body: false },
  { method: 'DELETE', path: '/api/v1/organizations/{org}/scim-directories/{id}/tokens/{tokenId}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/scim-directories/{id}/group-mappings', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/scim-directories/{id}/group-mappings', scope: 'admin:read', body: false, paged: true },
  { method: 'DELETE', path: '/api/v1/organizations/{org}/scim-directories/{id}/group-mappings/{mappingId}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/sso-connections', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/sso-connections', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/sso-connections/{id}', scope: 'admin:read', body: false },
  { method: 'PATCH', path: '/api/v1/organizations/{org}/sso-connections/{id}', scope: 'admin:write', body: true },
  { method: 'DELETE', path: '/api/v1/organizations/{org}/sso-connections/{id}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/sso-connections/{id}/certificates', scope: 'admin:write', body: true },
  { method: 'DELETE', path: '/api/v1/organizations/{org}/sso-connections/{id}/certificates/{fingerprint}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/sso-connections/{id}/tests', scope: 'admin:write', body: false },
  { method: 'GET', path: '/api/v1/organizations/{org}/sso-connections/{id}/tests', scope: 'admin:read', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/sso-connections/{id}/group-mappings', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/sso-connections/{id}/group-mappings', scope: 'admin:read', body: false },
  { method: 'DELETE', path: '/api/v1/organizations/{org}/sso-connections/{id}/group-mappings/{mappingId}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/sso-domains', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/sso-domains', scope: 'admin:read', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/sso-domains/{id}/verify', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/sso-domains/{id}/attest', scope: 'admin:write', body: true },
  { method: 'DELETE', path: '/api/v1/organizations/{org}/sso-domains/{id}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/sso-setup-links', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/sso-setup-links', scope: 'admin:read', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/sso-setup-links/{id}/revoke', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/notification-webhooks', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/notification-webhooks', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/notification-webhooks/{id}', scope: 'admin:read', body: false },
  { method: 'DELETE', path: '/api/v1/organizations/{org}/notification-webhooks/{id}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/notification-webhooks/{id}/rotate-secret', scope: 'admin:write', body: false },
  { method: 'GET', path: '/api/v1/organizations/{org}/notification-webhooks/{id}/deliveries', scope: 'admin:read', body: false, paged: true },
  { method: 'POST', path: '/api/v1/organizations/{org}/access-reviews', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/access-reviews', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/access-reviews/{id}', scope: 'admin:read', body: false },
  { method: 'GET', path: '/api/v1/organizations/{org}/access-reviews/{id}/items', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/organizations/{org}/access-reviews/{id}/report', scope: 'admin:read', body: false },
  { method: 'POST', path: '/api/v1/organizations/{org}/access-reviews/{id}/close', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/siem-destinations', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/siem-destinations', scope: 'admin:read', body: false, paged: true },
  { method: 'GET', path: '/api/v1/siem-destinations/{id}', scope: 'admin:read', body: false },
  { method: 'PATCH', path: '/api/v1/siem-destinations/{id}', scope: 'admin:write', body: true },
  { method: 'DELETE', path: '/api/v1/siem-destinations/{id}', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/siem-destinations/{id}/pause', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/siem-destinations/{id}/resume', scope: 'admin:write', body: false },
  { method: 'POST', path: '/api/v1/siem-destinations/{id}/rewind', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/siem-destinations/{id}/rotate-secret', scope: 'admin:write', body: false },
  { method: 'GET', path: '/api/v1/siem-destinations/{id}/health', scope: 'admin:read', body: false },
  { method: 'GET', path: '/api/v1/detection-rules', scope: 'admin:read', body: false, alsoScopes: ['audit:read'] },
  { method: 'GET', path: '/api/v1/alerts', scope: 'admin:read', body: false, paged: true, alsoScopes: ['audit:read'] },
  { method: 'GET', path: '/api/v1/alerts/{id}', scope: 'admin:read', body: false, alsoScopes: ['audit:read'] },
  { method: 'POST', path: '/api/v1/alerts/{id}/acknowledge', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/alerts/{id}/close', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/incidents', scope: 'admin:write', body: true },
  { method: 'GET', path: '/api/v1/incidents', scope: 'admin:read', body: false, paged: true, alsoScopes: ['audit:read'] },
  { method: 'GET', path: '/api/v1/incidents/{id}', scope: 'admin:read', body: false, alsoScopes: ['audit:read'] },
  { method: 'PATCH', path: '/api/v1/incidents/{id}', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/incidents/{id}/events', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/incidents/{id}/alerts', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/incidents/{id}/notes', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/incidents/{id}/resolve', scope: 'admin:write', body: true },
  { method: 'POST', path: '/api/v1/evidence/exports', scope: 'compliance:read', body: true, alsoScopes: ['audit:read', 'admin:read'] },
  { method: 'GET', path: '/api/v1/evidence/exports', scope: 'compliance:read', body: false, paged: true, alsoScopes: ['audit:read', 'admin:read'] },
  { method: 'GET', path: '/api/v1/evidence/exports/{id}', scope: 'compliance:read', body: false, alsoScopes: ['audit:read', 'admin:read'] },
  { method: 'GET', path: '/api/v1/evidence/exports/{id}/package', scope: 'compliance:read', body: false, alsoScopes: ['audit:read', 'admin:read'] },
  { method: 'GET', path: '/api/v1/compliance/users', scope: 'compliance:read', alsoScopes: ['admin:read'], body: false, paged: true },
  { method: 'GET', path: '/api/v1/compliance/role-assignments', scope: 'compliance:read', alsoScopes: ['admin:read'], body: false, paged: true },
  { method: 'GET', path: '/api/v1/compliance/access-reviews', scope: 'compliance:read', alsoScopes: ['admin:read'], body: false, paged: true },
  { method: 'GET', path: '/api/v1/compliance/deprovisioning', scope: 'compliance:read', alsoScopes: ['admin:read'], body: false, paged: true },
  { method: 'GET', path: '/api/v1/compliance/findings', scope: 'compliance:read', alsoScopes: ['admin:read'], body: false, paged: true },
  { method: 'GET', path: '/api/v1/compliance/summary', scope: 'compliance:read', alsoScopes: ['admin:read', 'audit:read'], body: false },
];

/** Every self-service operation (signed-in session, not API key) under /api/v1/me: the table the session-guard suite iterates. */
export interface SessionRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body: boolean;
}

export const SESSION_ROUTES: SessionRoute[] = [
  { method: 'GET', path: '/api/v1/me', body: false },
  { method: 'GET', path: '/api/v1/me/eligibilities', body: false },
  { method: 'POST', path: '/api/v1/me/elevations', body: true },
  { method: 'POST', path: '/api/v1/me/elevation-requests', body: true },
  { method: 'POST', path: '/api/v1/me/elevations/{id}/deactivate', body: true },
  { method: 'POST', path: '/api/v1/me/access-requests', body: true },
  { method: 'GET', path: '/api/v1/me/access-requests', body: false },
  { method: 'GET', path: '/api/v1/me/approvals', body: false },
  { method: 'POST', path: '/api/v1/me/approvals/{id}/approve', body: true },
  { method: 'POST', path: '/api/v1/me/approvals/{id}/deny', body: true },
  { method: 'GET', path: '/api/v1/me/access-reviews', body: false },
  { method: 'POST', path: '/api/v1/me/access-reviews/decisions', body: true },
  { method: 'POST', path: '/api/v1/me/access-reviews/items/{id}/delegate', body: true },
  { method: 'POST', path: '/api/v1/me/access-reviews/{id}/sign-off', body: true },
];

export const routeName = (r: Pick<ApiRoute, 'method' | 'path'>) => `${r.method} ${r.path}`;

export function findRoute(name: string): ApiRoute {
  const route = API_ROUTES.find((r) => routeName(r) === name);
  if (!route) throw new Error(`no route "${name}" in API_ROUTES`);
  return route;
}

/** Fills `{param}` placeholders; every placeholder must have a value. */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in params)) throw new Error(`no value for {${name}} in ${path}`);
    return encodeURIComponent(params[name]);
  });
}

type OpenApiDoc = { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };

/** Asserts that the route's OpenAPI operation lists the status the response carried. */
export function expectDocumentedStatus(doc: OpenApiDoc, route: Pick<ApiRoute, 'method' | 'path'>, res: Response): void {
  const responses = doc.paths[route.path]?.[route.method.toLowerCase()]?.responses ?? {};
  expect({ route: routeName(route), status: res.statusCode, documented: Object.keys(responses).includes(String(res.statusCode)) }).toEqual({
    route: routeName(route),
    status: res.statusCode,
    documented: true,
  });
}
