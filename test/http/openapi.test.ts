import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { DIALECTS } from '../support/databases.ts';
import { startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ERROR_CATALOGUE } from '../../src/platform/errors.ts';
import { API_ROUTES, SESSION_ROUTES, routeName } from './api-routes.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type Operation = {
  summary?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema: object }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, any> }> }>;
  security?: unknown[];
};
type Doc = { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, any> }; security: unknown[] };

/** Statuses a route returns for reasons of its own (beyond auth and input validation), as the HTTP suites exercise them. */
const DOMAIN_STATUSES: Record<string, number[]> = {
  'POST /api/v1/api-keys': [422],
  'GET /api/v1/api-keys/{id}': [404],
  'POST /api/v1/api-keys/{id}/revoke': [404],
  'POST /api/v1/organizations': [409, 422],
  'GET /api/v1/organizations/{org}': [404],
  'PATCH /api/v1/organizations/{org}': [404, 422],
  'POST /api/v1/users': [404, 409, 422],
  'GET /api/v1/users': [404],
  'GET /api/v1/users/{id}': [404],
  'PATCH /api/v1/users/{id}': [404, 409, 422],
  'GET /api/v1/organizations/{org}/members': [404],
  'POST /api/v1/organizations/{org}/members': [404, 409],
  'DELETE /api/v1/organizations/{org}/members/{userId}': [404],
  'POST /api/v1/organizations/{org}/service-accounts': [404, 422],
  'GET /api/v1/organizations/{org}/service-accounts': [404],
  'GET /api/v1/organizations/{org}/service-accounts/{id}': [404],
  'PATCH /api/v1/organizations/{org}/service-accounts/{id}': [404, 409, 422],
  'DELETE /api/v1/organizations/{org}/service-accounts/{id}': [404, 409],
  'GET /api/v1/organizations/{org}/service-accounts/findings': [404],
  'POST /api/v1/organizations/{org}/service-accounts/{id}/credentials': [404, 409, 422],
  'GET /api/v1/organizations/{org}/service-accounts/{id}/credentials': [404],
  'DELETE /api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}': [404],
  'POST /api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}/rotate': [404, 409, 422],
  'POST /api/v1/organizations/{org}/roles': [404, 409, 422],
  'GET /api/v1/organizations/{org}/roles': [404],
  'GET /api/v1/organizations/{org}/roles/{role}': [404],
  'PATCH /api/v1/organizations/{org}/roles/{role}': [404, 422],
  'GET /api/v1/organizations/{org}/role-definitions': [404],
  'GET /api/v1/organizations/{org}/access-findings': [404],
  'GET /api/v1/findings': [404],
  'GET /api/v1/findings/{id}': [404],
  'POST /api/v1/findings/{id}/acknowledge': [404, 409],
  'POST /api/v1/findings/{id}/resolve': [404, 409, 422],
  'GET /api/v1/organizations/{org}/access-approval-evidence': [404],
  'DELETE /api/v1/organizations/{org}/roles/{role}': [404, 409],
  'POST /api/v1/organizations/{org}/role-assignments': [404, 409, 422],
  'GET /api/v1/organizations/{org}/role-assignments': [404],
  'GET /api/v1/organizations/{org}/role-assignments/{id}': [404],
  'POST /api/v1/organizations/{org}/role-assignments/{id}/revoke': [404, 409],
  'POST /api/v1/organizations/{org}/role-eligibilities': [404, 409, 422],
  'GET /api/v1/organizations/{org}/role-eligibilities': [404],
  'GET /api/v1/organizations/{org}/role-eligibilities/{id}': [404],
  'POST /api/v1/organizations/{org}/role-eligibilities/{id}/revoke': [404, 409],
  'GET /api/v1/audit/events': [404],
  'GET /api/v1/audit/events/{id}': [404],
  'GET /api/v1/audit/events/{id}/proof': [404, 409],
  'GET /api/v1/audit/checkpoints/latest': [404],
  'GET /api/v1/audit/checkpoints/{size}': [404],
  'GET /api/v1/audit/consistency': [404],
  'GET /api/v1/users/{id}/factors': [404],
  'DELETE /api/v1/users/{id}/factors/totp/{factorId}': [404],
  'POST /api/v1/users/{id}/factors/reset': [404],
  'GET /api/v1/users/{id}/sessions': [404],
  'POST /api/v1/users/{id}/sessions/revoke': [404],
  'POST /api/v1/users/{id}/revoke-access': [404],
  // No body is defined, but a malformed one is still refused.
  'POST /api/v1/oidc/signing-keys/rotate': [400],
  'POST /api/v1/sessions/{id}/revoke': [404],
  'GET /api/v1/organizations/{org}/authn-policy': [404],
  'GET /api/v1/users/{id}/mfa-status': [404],
  'GET /api/v1/users/{id}/lockout': [404],
  'POST /api/v1/users/{id}/unlock': [404],
  'POST /api/v1/organizations/{org}/invitations': [404, 409],
  'GET /api/v1/organizations/{org}/invitations': [404],
  'POST /api/v1/organizations/{org}/invitations/{id}/revoke': [404, 409],
  'POST /api/v1/users/{id}/password-reset': [404, 409],
  'POST /api/v1/users/{id}/email-verification': [404, 409],
  'POST /api/v1/organizations/{org}/applications': [404, 422],
  'GET /api/v1/organizations/{org}/applications': [404],
  'GET /api/v1/organizations/{org}/applications/{id}': [404],
  'PATCH /api/v1/organizations/{org}/applications/{id}': [404, 422],
  'DELETE /api/v1/organizations/{org}/applications/{id}': [404],
  'POST /api/v1/organizations/{org}/applications/{id}/secret': [404, 409],
  'GET /api/v1/organizations/{org}/access-requests': [404],
  'POST /api/v1/organizations/{org}/access-requests': [404, 409, 422],
  'GET /api/v1/organizations/{org}/access-requests/{id}': [404],
  'POST /api/v1/organizations/{org}/access-requests/{id}/cancel': [404, 409],
  'POST /api/v1/organizations/{org}/users/{id}/deprovision': [404, 422],
  'POST /api/v1/organizations/{org}/users/{id}/reactivate': [404, 409],
  'GET /api/v1/organizations/{org}/leavers': [404],
  'GET /api/v1/organizations/{org}/lifecycle/findings': [404],
  'POST /api/v1/organizations/{org}/hr-sources': [404],
  'GET /api/v1/organizations/{org}/hr-sources': [404],
  'POST /api/v1/organizations/{org}/hr-sources/{id}/rotate-secret': [404],
  'DELETE /api/v1/organizations/{org}/hr-sources/{id}': [404],
  'POST /api/v1/organizations/{org}/scim-directories': [404],
  'GET /api/v1/organizations/{org}/scim-directories': [404],
  'GET /api/v1/organizations/{org}/scim-directories/{id}': [404],
  'PATCH /api/v1/organizations/{org}/scim-directories/{id}': [404],
  'POST /api/v1/organizations/{org}/scim-directories/{id}/tokens': [404],
  'POST /api/v1/organizations/{org}/scim-directories/{id}/tokens/rotate': [404],
  'GET /api/v1/organizations/{org}/scim-directories/{id}/tokens': [404],
  'DELETE /api/v1/organizations/{org}/scim-directories/{id}/tokens/{tokenId}': [404, 409],
  'POST /api/v1/organizations/{org}/scim-directories/{id}/group-mappings': [404, 409],
  'GET /api/v1/organizations/{org}/scim-directories/{id}/group-mappings': [404],
  'DELETE /api/v1/organizations/{org}/scim-directories/{id}/group-mappings/{mappingId}': [404],
  'POST /api/v1/organizations/{org}/sso-connections': [404, 422],
  'GET /api/v1/organizations/{org}/sso-connections': [404],
  'GET /api/v1/organizations/{org}/sso-connections/{id}': [404],
  'PATCH /api/v1/organizations/{org}/sso-connections/{id}': [404, 422],
  'DELETE /api/v1/organizations/{org}/sso-connections/{id}': [404],
  'POST /api/v1/organizations/{org}/sso-connections/{id}/certificates': [404, 422],
  'DELETE /api/v1/organizations/{org}/sso-connections/{id}/certificates/{fingerprint}': [404, 409],
  'POST /api/v1/organizations/{org}/sso-connections/{id}/tests': [404, 409],
  'GET /api/v1/organizations/{org}/sso-connections/{id}/tests': [404],
  'POST /api/v1/organizations/{org}/sso-connections/{id}/group-mappings': [404, 409],
  'GET /api/v1/organizations/{org}/sso-connections/{id}/group-mappings': [404],
  'DELETE /api/v1/organizations/{org}/sso-connections/{id}/group-mappings/{mappingId}': [404],
  'POST /api/v1/organizations/{org}/sso-domains': [404, 409, 422],
  'GET /api/v1/organizations/{org}/sso-domains': [404],
  'POST /api/v1/organizations/{org}/sso-domains/{id}/verify': [404, 422],
  'POST /api/v1/organizations/{org}/sso-domains/{id}/attest': [404],
  'DELETE /api/v1/organizations/{org}/sso-domains/{id}': [404],
  'POST /api/v1/organizations/{org}/sso-setup-links': [404],
  'GET /api/v1/organizations/{org}/sso-setup-links': [404],
  'POST /api/v1/organizations/{org}/sso-setup-links/{id}/revoke': [404],
  'POST /api/v1/organizations/{org}/notification-webhooks': [404, 422],
  'GET /api/v1/organizations/{org}/notification-webhooks': [404],
  'GET /api/v1/organizations/{org}/notification-webhooks/{id}': [404],
  'DELETE /api/v1/organizations/{org}/notification-webhooks/{id}': [404],
  'POST /api/v1/organizations/{org}/notification-webhooks/{id}/rotate-secret': [404],
  'GET /api/v1/organizations/{org}/notification-webhooks/{id}/deliveries': [404],
  'POST /api/v1/organizations/{org}/access-reviews': [404, 422],
  'GET /api/v1/organizations/{org}/access-reviews': [404],
  'GET /api/v1/organizations/{org}/access-reviews/{id}': [404],
  'GET /api/v1/organizations/{org}/access-reviews/{id}/items': [404],
  'GET /api/v1/organizations/{org}/access-reviews/{id}/report': [404],
  'POST /api/v1/organizations/{org}/access-reviews/{id}/close': [404, 409],
  'POST /api/v1/siem-destinations': [404, 422],
  'GET /api/v1/siem-destinations/{id}': [404],
  'PATCH /api/v1/siem-destinations/{id}': [404, 422],
  'DELETE /api/v1/siem-destinations/{id}': [404],
  'POST /api/v1/siem-destinations/{id}/pause': [404],
  'POST /api/v1/siem-destinations/{id}/resume': [404],
  'POST /api/v1/siem-destinations/{id}/rewind': [404, 422],
  'POST /api/v1/siem-destinations/{id}/rotate-secret': [404, 409],
  'GET /api/v1/siem-destinations/{id}/health': [404],
  'GET /api/v1/alerts': [404],
  'GET /api/v1/alerts/{id}': [404],
  'POST /api/v1/alerts/{id}/acknowledge': [404, 409],
  'POST /api/v1/alerts/{id}/close': [404, 409],
  'POST /api/v1/incidents': [404, 422],
  'GET /api/v1/incidents': [404],
  'GET /api/v1/incidents/{id}': [404],
  'PATCH /api/v1/incidents/{id}': [404, 409, 422],
  'POST /api/v1/incidents/{id}/events': [404, 409, 422],
  'POST /api/v1/incidents/{id}/alerts': [404, 409, 422],
  'POST /api/v1/incidents/{id}/notes': [404, 409],
  'POST /api/v1/incidents/{id}/resolve': [404, 409],
  'POST /api/v1/evidence/exports': [404, 422],
  'GET /api/v1/evidence/exports': [404],
  'GET /api/v1/evidence/exports/{id}': [404],
  'GET /api/v1/evidence/exports/{id}/package': [404, 409],
  'GET /api/v1/compliance/users': [404],
  'GET /api/v1/compliance/role-assignments': [404],
  'GET /api/v1/compliance/access-reviews': [404],
  'GET /api/v1/compliance/deprovisioning': [404, 422],
  'GET /api/v1/compliance/findings': [404],
  'GET /api/v1/compliance/summary': [404, 422],
};
const QUERY_ONLY = new Set(['GET /api/v1/audit/events/{id}/proof', 'GET /api/v1/audit/consistency', 'GET /api/v1/mail/outbox', 'GET /api/v1/compliance/summary']);

for (const dialect of DIALECTS) {
  describe(`the OpenAPI document on ${dialect}`, () => {
    let s: HttpSuite;
    let doc: Doc;
    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      const res = await s.request('GET', '/api/v1/openapi.json', { key: null });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      doc = res.json();
    });
    afterAll(async () => s?.close());

    it('is an OpenAPI 3.1 document whose every schema is valid JSON Schema 2020-12', () => {
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
      expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.security).toEqual([{ apiKey: [] }]);
      const ajv = new Ajv2020({ strict: false, validateSchema: true });
      addFormats(ajv);
      let schemas = 0;
      for (const [path, ops] of Object.entries(doc.paths)) {
        expect(path.startsWith('/')).toBe(true);
        for (const [method, op] of Object.entries(ops)) {
          expect(['get', 'post', 'put', 'patch', 'delete']).toContain(method);
          expect(Object.keys(op.responses).length).toBeGreaterThan(0);
          for (const p of op.parameters ?? []) {
            expect(['path', 'query', 'header']).toContain(p.in);
            if (p.in === 'path') {
              expect(p.required).toBe(true);
              expect(path).toContain(`{${p.name}}`);
            }
            ajv.compile(p.schema);
            schemas++;
          }
          for (const media of Object.values(op.requestBody?.content ?? {})) {
            ajv.compile(media.schema);
            schemas++;
          }
          for (const [status, response] of Object.entries(op.responses)) {
            expect(status).toMatch(/^[1-5]\d\d$/);
            expect(typeof response.description).toBe('string');
            for (const media of Object.values(response.content ?? {})) {
              ajv.compile(media.schema);
              schemas++;
            }
          }
        }
      }
      expect(schemas).toBeGreaterThan(100);
    });

    it('lists exactly the admin and self-service API operations the suites test, the public ledger key and the signed HR webhook', () => {
      const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
      expect(documented.sort()).toEqual([...API_ROUTES.map(routeName), ...SESSION_ROUTES.map(routeName), 'GET /.well-known/keyledger/ledger-key', 'POST /api/v1/lifecycle/hr-events'].sort());
      // The self-service API is authorized by the session cookie, never by an API key.
      for (const route of SESSION_ROUTES) expect(doc.paths[route.path][route.method.toLowerCase()].security).toEqual([{ session: [] }]);
      expect(doc.paths['/.well-known/keyledger/ledger-key'].get.security).toEqual([]);
      // The HR webhook is authenticated by its signature, not an API key.
      expect(doc.paths['/api/v1/lifecycle/hr-events'].post.security).toEqual([]);
      expect(Object.keys(doc.paths['/api/v1/lifecycle/hr-events'].post.responses).sort()).toEqual(['202', '400', '401', '409', '413', '415']);
      for (const hidden of ['/healthz', '/readyz', '/metrics', '/bootstrap', '/api/v1/openapi.json']) expect(doc.paths).not.toHaveProperty([hidden]);
    });

    it('gives every operation that takes a body its strict JSON schema, and no other operation a body', () => {
      for (const route of API_ROUTES) {
        const op = doc.paths[route.path][route.method.toLowerCase()];
        if (!route.body) {
          expect({ route: routeName(route), requestBody: op.requestBody }).toEqual({ route: routeName(route), requestBody: undefined });
          continue;
        }
        expect(Object.keys(op.requestBody!.content)).toEqual(['application/json']);
        const schema = op.requestBody!.content['application/json'].schema;
        expect({ route: routeName(route), type: schema.type, additionalProperties: schema.additionalProperties }).toEqual({ route: routeName(route), type: 'object', additionalProperties: false });
        expect(Object.keys(schema.properties as object).length).toBeGreaterThan(0);
      }
      expect(doc.paths['/api/v1/organizations'].post.requestBody!.content['application/json'].schema.required).toEqual(['slug', 'name']);
      expect(doc.paths['/api/v1/organizations/{org}/roles'].post.requestBody!.content['application/json'].schema.properties).toMatchObject({ privileged: { type: 'boolean' } });
    });

    it('lists for each operation exactly the error statuses it can return, each with the catalogue error body', () => {
      const codes = Object.keys(ERROR_CATALOGUE);
      for (const route of API_ROUTES) {
        const name = routeName(route);
        const op = doc.paths[route.path][route.method.toLowerCase()];
        const takesInput = route.body || route.paged || route.path.includes('{') || QUERY_ONLY.has(name);
        const carriesBody = route.method !== 'GET';
        const expected = [...new Set([401, 403, ...(takesInput ? [400] : []), ...(carriesBody ? [413, 415] : []), ...(DOMAIN_STATUSES[name] ?? [])])].sort();
        const errorStatuses = Object.keys(op.responses).map(Number).filter((st) => st >= 400).sort();
        expect({ route: name, errors: errorStatuses }).toEqual({ route: name, errors: expected });
        for (const status of errorStatuses) {
          const schema = op.responses[String(status)].content!['application/json'].schema;
          expect(schema.properties.error.required).toEqual(['code', 'message', 'requestId']);
          expect(schema.properties.error.properties.code.enum).toEqual(codes);
          // Every documented status has at least one catalogue code that carries it.
          expect(codes.filter((c) => ERROR_CATALOGUE[c as keyof typeof ERROR_CATALOGUE].status === status)).not.toEqual([]);
        }
      }
    });
  });
}
