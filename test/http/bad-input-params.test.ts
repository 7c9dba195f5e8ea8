import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createServiceAccount, createUser, expectError, expectNothingChanged, grantRole, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { pushGroup } from '../support/scim.ts';
import { idpCertificatePem, samlBody } from '../support/sso-admin.ts';
import { API_ROUTES, expectDocumentedStatus, fillPath, findRoute, routeName, type ApiRoute } from './api-routes.ts';
import { systemContext } from '../../src/audit/event.ts';
import { DEFAULT_SESSION_POLICY } from '../../src/sessions/session-policy.ts';
import { lockAccount } from '../support/lockout.ts';

type Doc = Parameters<typeof expectDocumentedStatus>[0];

/** Bodies that would pass validation, so that a refusal can only come from the path or query. */
const PASSABLE_BODY: Record<string, unknown> = {
  'POST /api/v1/api-keys': { name: 'k', scopes: ['admin:read'] },
  'POST /api/v1/organizations': { slug: 'never-made', name: 'N' },
  'PATCH /api/v1/organizations/{org}': { name: 'N' },
  'POST /api/v1/users': { email: 'never@made.test' },
  'PATCH /api/v1/users/{id}': { name: 'N' },
  'POST /api/v1/organizations/{org}/members': { userId: '00000000-0000-7000-8000-000000000000' },
  'POST /api/v1/organizations/{org}/service-accounts': { name: 'n', description: 'd' },
  'PATCH /api/v1/organizations/{org}/service-accounts/{id}': { name: 'n' },
  'POST /api/v1/organizations/{org}/service-accounts/{id}/credentials': { kind: 'secret' },
  'POST /api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}/rotate': { overlapSeconds: 0 },
  'POST /api/v1/organizations/{org}/roles': { key: 'never', name: 'N', description: 'd', permissions: [] },
  'PATCH /api/v1/organizations/{org}/roles/{role}': { name: 'N' },
  'POST /api/v1/organizations/{org}/role-assignments': { role: 'viewer', principalType: 'user', principalId: '00000000-0000-7000-8000-000000000000' },
  'POST /api/v1/organizations/{org}/role-assignments/{id}/revoke': { reason: 'r' },
  'POST /api/v1/organizations/{org}/role-eligibilities': { role: 'viewer', principalId: '00000000-0000-7000-8000-000000000000' },
  'POST /api/v1/organizations/{org}/role-eligibilities/{id}/revoke': { reason: 'r' },
  'POST /api/v1/users/{id}/factors/reset': { reason: 'r' },
  'POST /api/v1/users/{id}/sessions/revoke': { reason: 'r' },
  'POST /api/v1/users/{id}/revoke-access': { reason: 'r' },
  'POST /api/v1/sessions/{id}/revoke': { reason: 'r' },
  'POST /api/v1/users/{id}/unlock': { reason: 'r' },
  'POST /api/v1/organizations/{org}/invitations': { email: 'never@made.test' },
  'POST /api/v1/organizations/{org}/applications': { name: 'never', type: 'spa', redirectUris: ['https://never.test/cb'] },
  'PATCH /api/v1/organizations/{org}/applications/{id}': { name: 'N' },
  'POST /api/v1/organizations/{org}/applications/{id}/secret': { overlapSeconds: 0 },
  'POST /api/v1/organizations/{org}/access-requests': { role: 'viewer', principalType: 'user', principalId: '00000000-0000-7000-8000-000000000000', reason: 'r' },
  'POST /api/v1/organizations/{org}/access-requests/{id}/cancel': { reason: 'r' },
  'POST /api/v1/organizations/{org}/users/{id}/deprovision': { reason: 'r' },
  'POST /api/v1/organizations/{org}/users/{id}/reactivate': { reason: 'r' },
  'POST /api/v1/organizations/{org}/hr-sources': { name: 'n' },
  'POST /api/v1/organizations/{org}/hr-sources/{id}/rotate-secret': { overlapSeconds: 0 },
  'POST /api/v1/organizations/{org}/scim-directories': { name: 'never' },
  'PATCH /api/v1/organizations/{org}/scim-directories/{id}': { status: 'disabled' },
  'POST /api/v1/organizations/{org}/scim-directories/{id}/tokens/rotate': { overlapSeconds: 0 },
  'POST /api/v1/organizations/{org}/scim-directories/{id}/group-mappings': { group: 'Eng', role: 'viewer' },
  'POST /api/v1/organizations/{org}/sso-connections': { type: 'oidc', name: 'never', issuer: 'https://never.test', clientId: 'c', clientSecret: 's' },
  'PATCH /api/v1/organizations/{org}/sso-connections/{id}': { name: 'N' },
  'POST /api/v1/organizations/{org}/sso-connections/{id}/certificates': { certificate: 'not a certificate' },
  'POST /api/v1/organizations/{org}/sso-connections/{id}/group-mappings': { group: 'Eng', role: 'viewer' },
  'POST /api/v1/organizations/{org}/sso-domains': { domain: 'never.test' },
  'POST /api/v1/organizations/{org}/sso-domains/{id}/attest': { statement: 's' },
  'POST /api/v1/organizations/{org}/sso-setup-links': {},
  'POST /api/v1/organizations/{org}/notification-webhooks': { url: 'https://never.test/hook', events: ['access.'] },
  'POST /api/v1/findings/{id}/acknowledge': { note: 'n' },
  'POST /api/v1/findings/{id}/resolve': { resolution: 'fixed', note: 'n' },
  'POST /api/v1/organizations/{org}/access-reviews': { name: 'never', ownerId: '00000000-0000-7000-8000-000000000000', dueAt: '2099-01-01T00:00:00.000Z' },
  'POST /api/v1/siem-destinations': { name: 'never', kind: 'webhook', config: { url: 'https://never.test/hook' } },
  'PATCH /api/v1/siem-destinations/{id}': { name: 'N' },
  'POST /api/v1/siem-destinations/{id}/rewind': { fromSeq: 0 },
  'POST /api/v1/alerts/{id}/acknowledge': {},
  'POST /api/v1/alerts/{id}/close': { disposition: 'benign' },
  'POST /api/v1/incidents': { title: 't', severity: 'low', ownerId: '00000000-0000-7000-8000-000000000000', summary: 's' },
  'PATCH /api/v1/incidents/{id}': { severity: 'low' },
  'POST /api/v1/incidents/{id}/events': { eventIds: ['00000000-0000-7000-8000-000000000000'] },
  'POST /api/v1/incidents/{id}/alerts': { alertIds: ['00000000-0000-7000-8000-000000000000'] },
  'POST /api/v1/incidents/{id}/notes': { text: 'n' },
  'POST /api/v1/incidents/{id}/resolve': { resolution: 'r', rootCause: 'c' },
  'POST /api/v1/evidence/exports': { org: 'acme', from: '2020-01-01', to: '2021-01-01' },
};

/** Query strings a route requires, so that a GET with good parameters can succeed. */
const REQUIRED_QUERY: Record<string, string> = {
  'GET /api/v1/audit/consistency': '?from=1',
  'GET /api/v1/users/{id}/mfa-status': '?org=acme',
  'GET /api/v1/organizations/{org}/access-approval-evidence': '?from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z',
  'GET /api/v1/compliance/users': '?org=acme',
  'GET /api/v1/compliance/role-assignments': '?org=acme',
  'GET /api/v1/compliance/access-reviews': '?org=acme',
  'GET /api/v1/compliance/deprovisioning': '?org=acme',
  'GET /api/v1/compliance/findings': '?org=acme',
  'GET /api/v1/compliance/summary': '?org=acme',
};

/** Path parameters that fail the route's schema, per placeholder. */
const BAD_PARAMS: Record<string, string[]> = {
  id: ['not-a-uuid', '12345', '00000000-0000-7000-8000-00000000000g'],
  userId: ['not-a-uuid'],
  factorId: ['not-a-uuid', '00000000-0000-7000-8000-00000000000'],
  credentialId: ['not-a-uuid', '00000000-0000-7000-8000-00000000000g'],
  tokenId: ['not-a-uuid', '00000000-0000-7000-8000-00000000000g'],
  mappingId: ['not-a-uuid', '00000000-0000-7000-8000-00000000000'],
  fingerprint: ['not-hex', 'ab'.repeat(31), 'g'.repeat(64), 'ab:'.repeat(31) + 'a'],
  org: ['a'.repeat(65)],
  role: ['r'.repeat(65)],
  size: ['abc', '0', '-1', '1.5'],
};

for (const dialect of DIALECTS) {
  describe(`bad paths, queries and cursors change nothing, on ${dialect}`, () => {
    let s: HttpSuite;
    let doc: Doc;
    let good: Record<string, string>;
    let cursors: { organization: string; events: string };
    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      const org = await createOrg(s, 'acme');
      await createOrg(s, 'globex');
      const u1 = await createUser(s, { email: 'u1@acme.test', org: 'acme' });
      const u2 = await createUser(s, { email: 'u2@acme.test', org: 'acme' });
      // A locked account, so the list of locked accounts has an item to page through.
      await lockAccount(s.rt, 'u2@acme.test');
      await createRole(s, 'acme', 'viewer');
      await createRole(s, 'acme', 'editor');
      const a = await grantRole(s, 'acme', 'viewer', u1.id);
      await grantRole(s, 'acme', 'editor', u1.id);
      const eligibility = await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-eligibilities', { role: 'viewer', principalId: u2.id });
      await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-eligibilities', { role: 'editor', principalId: u2.id });
      const invitation = await ok(s, 201, 'POST', '/api/v1/organizations/acme/invitations', { email: 'invitee@acme.test' });
      await ok(s, 201, 'POST', '/api/v1/organizations/acme/invitations', { email: 'invitee-2@acme.test' });
      const app = await ok(s, 201, 'POST', '/api/v1/organizations/acme/applications', { name: 'portal', type: 'web', redirectUris: ['https://portal.acme.test/cb'] });
      await ok(s, 201, 'POST', '/api/v1/organizations/acme/applications', { name: 'dashboard', type: 'spa', redirectUris: ['https://dash.acme.test/cb'] });
      const sa = await createServiceAccount(s, 'acme', 'bot', u1.id);
      const sa2 = await createServiceAccount(s, 'acme', 'bot-2', u1.id);
      const credential = await ok(s, 201, 'POST', `/api/v1/organizations/acme/service-accounts/${sa.id}/credentials`, { kind: 'secret' });
      const key = await s.issueKey('other', ['admin:read']);
      const setup = systemContext('test', 'params test');
      // A leaver, two HR sources and two access requests, so those lists have items to page through.
      for (const email of ['leaver-1@acme.test', 'leaver-2@acme.test']) {
        const leaver = await createUser(s, { email, org: 'acme' });
        await ok(s, 200, 'POST', `/api/v1/organizations/acme/users/${leaver.id}/deprovision`, { reason: 'left' });
      }
      const hrSource = await ok(s, 201, 'POST', '/api/v1/organizations/acme/hr-sources', { name: 'Workday' });
      await ok(s, 201, 'POST', '/api/v1/organizations/acme/hr-sources', { name: 'BambooHR' });
      // Two SCIM directories, a token, a group the directory pushed and two mappings of it, so those lists have items to page through.
      const directory = await ok(s, 201, 'POST', '/api/v1/organizations/acme/scim-directories', { name: 'Okta' });
      const otherDirectory = await ok(s, 201, 'POST', '/api/v1/organizations/acme/scim-directories', { name: 'Entra' });
      const scimToken = await ok(s, 201, 'POST', `/api/v1/organizations/acme/scim-directories/${directory.id}/tokens`);
      await pushGroup(s, directory.id, scimToken.token, 'Eng');
      const mapping = await ok(s, 201, 'POST', `/api/v1/organizations/acme/scim-directories/${directory.id}/group-mappings`, { group: 'Eng', role: 'viewer' });
      await ok(s, 201, 'POST', `/api/v1/organizations/acme/scim-directories/${directory.id}/group-mappings`, { group: 'Eng', role: 'editor' });
      // Two SSO connections (one with two certificates), two group rules, two domains and two setup links, so those lists have items.
      const [idpCert, otherIdpCert] = await Promise.all([idpCertificatePem('IdP'), idpCertificatePem('IdP other')]);
      const connection = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-connections', samlBody('Okta', idpCert, otherIdpCert));
      const otherConnection = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-connections', samlBody('Entra', idpCert));
      const ssoMapping = await ok(s, 201, 'POST', `/api/v1/organizations/acme/sso-connections/${connection.id}/group-mappings`, { group: 'Eng', role: 'viewer' });
      await ok(s, 201, 'POST', `/api/v1/organizations/acme/sso-connections/${connection.id}/group-mappings`, { group: 'Eng', role: 'editor' });
      const domain = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-domains', { domain: 'acme.test' });
      await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-domains', { domain: 'acme-corp.test' });
      const setupLink = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-setup-links', {});
      await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-setup-links', {});
      // Two notification webhooks, one with a delivery, so those lists have items to page through.
      const webhook = await ok(s, 201, 'POST', '/api/v1/organizations/acme/notification-webhooks', { url: 'https://hooks.acme.test/keyledger', events: ['access.'] });
      await ok(s, 201, 'POST', '/api/v1/organizations/acme/notification-webhooks', { url: 'https://hooks.acme.test/other', events: ['*'] });
      await s.rt.runner.run(setup, async (scope) => {
        await s.rt.notify.notifyInScope(scope, { orgId: org.id, type: 'access.request.pending', recipients: [], subject: 's', text: 't', data: {} });
        scope.record({ action: 'identity.organization.updated', org: org.id, targets: [{ type: 'organization', id: org.id }], data: { before: {}, after: {} } });
      });
      // Two SIEM destinations, so that list has items to page through.
      const destination = await ok(s, 201, 'POST', '/api/v1/siem-destinations', { name: 'SOC', kind: 'webhook', config: { url: 'https://siem.acme.test/ingest' } });
      await ok(s, 201, 'POST', '/api/v1/siem-destinations', { name: 'Archive', kind: 'webhook', config: { url: 'https://archive.acme.test/ingest' } });
      // Two access reviews (each with u1's two assignments), so those lists have items to page through.
      const review = await ok(s, 201, 'POST', '/api/v1/organizations/acme/access-reviews', { name: 'Q1', ownerId: u1.id, dueAt: '2099-01-01T00:00:00.000Z' });
      // Two alerts (privileged grants without approval, found by a scan) and two incidents, so those lists have items to page through.
      await createRole(s, 'acme', 'detect-priv', { privileged: true });
      await grantRole(s, 'acme', 'detect-priv', u1.id);
      await grantRole(s, 'acme', 'detect-priv', u2.id);
      await s.rt.detections.scan();
      const [alert] = (await ok(s, 200, 'GET', '/api/v1/alerts')).items;
      const incident = await ok(s, 201, 'POST', '/api/v1/incidents', { title: 'One', severity: 'low', ownerId: u1.id, summary: 's' });
      await ok(s, 201, 'POST', '/api/v1/incidents', { title: 'Two', severity: 'low', ownerId: u1.id, summary: 's' });
      await ok(s, 201, 'POST', '/api/v1/organizations/acme/access-reviews', { name: 'Q2', ownerId: u1.id, dueAt: '2099-01-01T00:00:00.000Z' });
      const viewerRole = await ok(s, 200, 'GET', '/api/v1/organizations/acme/roles/viewer');
      const editorRole = await ok(s, 200, 'GET', '/api/v1/organizations/acme/roles/editor');
      const requestIds: string[] = [];
      for (const roleId of [viewerRole.id, editorRole.id]) {
        const { result } = await s.rt.runner.run(setup, (scope) => s.rt.accessRequests.createPendingInScope(scope, { orgId: org.id, roleId, principalType: 'user', principalId: u2.id, requestedBy: { type: 'system', id: 'test' }, source: 'api' }));
        requestIds.push(result.request.id);
      }
      const factor = await s.rt.authn.startTotpEnrollment(setup, u1.id, { issuer: 'Keyledger' });
      const session = await s.rt.sessions.create(setup, { userId: u1.id, orgId: org.id, amr: ['pwd'], acr: 'urn:keyledger:acr:pwd', ip: null, userAgent: null, policy: { ...DEFAULT_SESSION_POLICY } });
      const [event] = (await ok(s, 200, 'GET', '/api/v1/audit/events?limit=1')).items;
      // Findings (grants without approval, the admin key without expiry), so the findings list has items to page through.
      await s.rt.findings.evaluate();
      const [finding] = (await ok(s, 200, 'GET', '/api/v1/findings?limit=1')).items;
      // Two finished evidence exports, so that list has items to page through and a package to download.
      const evidenceExport = await s.rt.evidenceExports.runNow(setup, { org: 'acme', from: '2020-01-01', to: s.rt.clock.now().toISOString() });
      await s.rt.evidenceExports.runNow(setup, { org: 'acme', from: '2021-01-01', to: s.rt.clock.now().toISOString() });
      const cp = await s.rt.sequencer.integrateAll();
      good = { findingId: finding.id, org: org.id, id: u1.id, userId: u1.id, role: 'viewer', size: String(cp!.size), keyId: key.id, saId: sa.id, assignmentId: a.id, eligibilityId: eligibility.id, eventId: event.id, factorId: factor.factorId, sessionId: session.session.id, otherUserId: u2.id, invitationId: invitation.invitation.id, credentialId: credential.credential.id, otherSaId: sa2.id, applicationId: app.application.id, hrSourceId: hrSource.source.id, directoryId: directory.id, otherDirectoryId: otherDirectory.id, tokenId: scimToken.tokenInfo.id, mappingId: mapping.id, connectionId: connection.id, otherConnectionId: otherConnection.id, ssoMappingId: ssoMapping.id, fingerprint: connection.saml.certificates[0].fingerprint, domainId: domain.id, setupLinkId: setupLink.link.id, webhookId: webhook.webhook.id, requestId: requestIds[0], reviewId: review.id, destinationId: destination.destination.id, alertId: alert.id, incidentId: incident.id, exportId: evidenceExport.id };
      cursors = {
        organization: (await ok(s, 200, 'GET', '/api/v1/organizations?limit=1')).nextCursor,
        events: (await ok(s, 200, 'GET', '/api/v1/audit/events?limit=1')).nextCursor,
      };
      doc = (await s.request('GET', '/api/v1/openapi.json')).json();
    });
    afterAll(async () => s?.close());

    /** Valid values for a route's placeholders (an `{id}` means a different thing on each route). */
    const goodParams = (route: ApiRoute): Record<string, string> => {
      const id = route.path.startsWith('/api/v1/api-keys')
        ? good.keyId
        : route.path.startsWith('/api/v1/findings')
          ? good.findingId
        : route.path.includes('service-accounts')
          ? good.saId
          : route.path.includes('role-assignments')
            ? good.assignmentId
            : route.path.includes('role-eligibilities')
              ? good.eligibilityId
            : route.path.startsWith('/api/v1/audit')
              ? good.eventId
              : route.path.startsWith('/api/v1/sessions')
                ? good.sessionId
                : route.path.includes('invitations')
                  ? good.invitationId
                  : route.path.includes('applications')
                    ? good.applicationId
                    : route.path.includes('hr-sources')
                      ? good.hrSourceId
                      : route.path.includes('scim-directories')
                        ? good.directoryId
                        : route.path.includes('sso-connections')
                          ? good.connectionId
                          : route.path.includes('sso-domains')
                            ? good.domainId
                            : route.path.includes('sso-setup-links')
                              ? good.setupLinkId
                              : route.path.includes('notification-webhooks')
                                ? good.webhookId
                              : route.path.includes('access-requests')
                                ? good.requestId
                              : route.path.includes('access-reviews')
                                ? good.reviewId
                              : route.path.includes('siem-destinations')
                                ? good.destinationId
                              : route.path.startsWith('/api/v1/alerts')
                                ? good.alertId
                              : route.path.startsWith('/api/v1/incidents')
                                ? good.incidentId
                              : route.path.startsWith('/api/v1/evidence/exports')
                                ? good.exportId
                                : good.id;
      return { ...good, id, ...(route.path.includes('sso-connections') ? { mappingId: good.ssoMappingId } : {}) };
    };

    const refused = (route: ApiRoute, url: string, status: number, code: string) =>
      expectNothingChanged(s.rt, async () => {
        const res = await s.request(route.method, url, { body: PASSABLE_BODY[routeName(route)] });
        expect({ url, status: res.statusCode }).toEqual({ url, status });
        expectError(res, status, code);
        expectDocumentedStatus(doc, route, res);
        return res;
      });

    it('every route with path parameters refuses values its schema does not allow (400), before touching anything', async () => {
      let checked = 0;
      for (const route of API_ROUTES) {
        for (const name of [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
          for (const bad of BAD_PARAMS[name]) {
            const res = await refused(route, fillPath(route.path, { ...goodParams(route), [name]: bad }) + (REQUIRED_QUERY[routeName(route)] ?? ''), 400, 'request.invalid');
            expect(res.json().error.message).toContain(`params/${name}`);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(30);
    });

    it('the good parameters used above do reach the handlers', async () => {
      for (const route of API_ROUTES.filter((r) => r.method === 'GET')) {
        const res = await s.request('GET', fillPath(route.path, goodParams(route)) + (REQUIRED_QUERY[routeName(route)] ?? ''));
        expect({ route: routeName(route), status: res.statusCode }).toEqual({ route: routeName(route), status: 200 });
      }
    });

    it('every list refuses a bad limit, an unknown query parameter and a cursor it did not issue', async () => {
      const lists = API_ROUTES.filter((r) => r.paged);
      expect(lists.length).toBe(32);
      for (const route of lists) {
        // A list that requires a query (the compliance lists' org) gets it, so that only the parameter under test is wrong.
        const required = REQUIRED_QUERY[routeName(route)];
        const base = fillPath(route.path, goodParams(route)) + (required ? `${required}&` : '?');
        for (const q of ['limit=abc', 'limit=0', 'limit=201', 'limit=1.5', 'limit=', 'unknown=1']) await refused(route, `${base}${q}`, 400, 'request.invalid');
        const foreign = route.path === '/api/v1/audit/events' ? cursors.organization : cursors.events;
        for (const cursor of ['garbage!!', foreign, Buffer.from('organization:').toString('base64url'), Buffer.from('seq:12abc').toString('base64url')]) {
          await refused(route, `${base}cursor=${encodeURIComponent(cursor)}`, 400, 'pagination.invalid_cursor');
        }
        await refused(route, `${base}cursor=${'c'.repeat(401)}`, 400, 'request.invalid');
        // A query string is text: "5" is the integer 5 there.
        const page = await ok(s, 200, 'GET', `${base}limit=1`);
        expect(page.items).toHaveLength(1);
      }
    });

    it('filters refuse values outside their schema', async () => {
      const cases: Array<[string, string]> = [
        ['GET /api/v1/users', '/api/v1/users?status=gone'],
        ['GET /api/v1/users', '/api/v1/users?managerId=nope'],
        ['GET /api/v1/users', `/api/v1/users?org=${'o'.repeat(65)}`],
        ['GET /api/v1/organizations/{org}/role-assignments', '/api/v1/organizations/acme/role-assignments?active=maybe'],
        ['GET /api/v1/organizations/{org}/role-assignments', '/api/v1/organizations/acme/role-assignments?principalId=nope'],
        ['GET /api/v1/organizations/{org}/role-eligibilities', '/api/v1/organizations/acme/role-eligibilities?active=maybe'],
        ['GET /api/v1/organizations/{org}/role-eligibilities', '/api/v1/organizations/acme/role-eligibilities?principalId=nope'],
        ['GET /api/v1/audit/events', '/api/v1/audit/events?since=yesterday'],
        ['GET /api/v1/audit/events', '/api/v1/audit/events?until=5'],
        ['GET /api/v1/audit/events', `/api/v1/audit/events?action=${'a'.repeat(101)}`],
        ['GET /api/v1/audit/events/{id}/proof', `/api/v1/audit/events/${good.eventId}/proof?treeSize=abc`],
        ['GET /api/v1/audit/events/{id}/proof', `/api/v1/audit/events/${good.eventId}/proof?treeSize=0`],
        ['GET /api/v1/audit/consistency', '/api/v1/audit/consistency'],
        ['GET /api/v1/audit/consistency', '/api/v1/audit/consistency?from=abc'],
        ['GET /api/v1/audit/consistency', '/api/v1/audit/consistency?from=0'],
        ['GET /api/v1/users/{id}/sessions', `/api/v1/users/${good.id}/sessions?includeEnded=maybe`],
        ['GET /api/v1/users/{id}/sessions', `/api/v1/users/${good.id}/sessions?state=active`],
        ['GET /api/v1/users/{id}/mfa-status', `/api/v1/users/${good.id}/mfa-status`],
        ['GET /api/v1/users/{id}/mfa-status', `/api/v1/users/${good.id}/mfa-status?org=`],
        ['GET /api/v1/users/{id}/mfa-status', `/api/v1/users/${good.id}/mfa-status?org=${'o'.repeat(65)}`],
        ['GET /api/v1/users/{id}/mfa-status', `/api/v1/users/${good.id}/mfa-status?org=acme&extra=1`],
        ['GET /api/v1/organizations/{org}/invitations', '/api/v1/organizations/acme/invitations?status=gone'],
        ['DELETE /api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}', `/api/v1/organizations/acme/service-accounts/${good.saId}/credentials/${good.credentialId}?reason=`],
        ['DELETE /api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}', `/api/v1/organizations/acme/service-accounts/${good.saId}/credentials/${good.credentialId}?reason=${'r'.repeat(501)}`],
        ['DELETE /api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}', `/api/v1/organizations/acme/service-accounts/${good.saId}/credentials/${good.credentialId}?why=leaked`],
        ['GET /api/v1/organizations/{org}/service-accounts/findings', '/api/v1/organizations/acme/service-accounts/findings?kind=owner_missing'],
        ['GET /api/v1/organizations/{org}/leavers', '/api/v1/organizations/acme/leavers?from=yesterday'],
        ['GET /api/v1/organizations/{org}/leavers', '/api/v1/organizations/acme/leavers?to=5'],
        ['GET /api/v1/organizations/{org}/leavers', '/api/v1/organizations/acme/leavers?format=xlsx'],
        ['GET /api/v1/organizations/{org}/lifecycle/findings', '/api/v1/organizations/acme/lifecycle/findings?kind=removal_late'],
        ['GET /api/v1/organizations/{org}/access-requests', '/api/v1/organizations/acme/access-requests?status=gone'],
        ['GET /api/v1/findings', '/api/v1/findings?status=gone'],
        ['GET /api/v1/findings', `/api/v1/findings?org=${'o'.repeat(65)}`],
        ['GET /api/v1/findings', '/api/v1/findings?org='],
        ['GET /api/v1/findings', '/api/v1/findings?type='],
        ['GET /api/v1/findings', '/api/v1/findings?severity=critical'],
        ['GET /api/v1/organizations/{org}/access-reviews', '/api/v1/organizations/acme/access-reviews?status=gone'],
        ['GET /api/v1/organizations/{org}/access-reviews', '/api/v1/organizations/acme/access-reviews?kind=yearly'],
        ['GET /api/v1/organizations/{org}/access-reviews/{id}/items', `/api/v1/organizations/acme/access-reviews/${good.reviewId}/items?decision=maybe`],
        ['GET /api/v1/organizations/{org}/access-reviews/{id}/items', `/api/v1/organizations/acme/access-reviews/${good.reviewId}/items?reviewerId=nope`],
        ['GET /api/v1/organizations/{org}/access-reviews/{id}/report', `/api/v1/organizations/acme/access-reviews/${good.reviewId}/report?format=xlsx`],
        ['GET /api/v1/organizations/{org}/access-reviews/{id}/report', `/api/v1/organizations/acme/access-reviews/${good.reviewId}/report?extra=1`],
        ['GET /api/v1/alerts', '/api/v1/alerts?status=gone'],
        ['GET /api/v1/alerts', '/api/v1/alerts?rule=nope'],
        ['GET /api/v1/alerts', '/api/v1/alerts?severity=urgent'],
        ['GET /api/v1/alerts', `/api/v1/alerts?org=${'o'.repeat(65)}`],
        ['GET /api/v1/incidents', '/api/v1/incidents?status=closed'],
        ['GET /api/v1/compliance/users', '/api/v1/compliance/users'],
        ['GET /api/v1/compliance/users', '/api/v1/compliance/users?org='],
        ['GET /api/v1/compliance/users', `/api/v1/compliance/users?org=${'o'.repeat(65)}`],
        ['GET /api/v1/compliance/role-assignments', '/api/v1/compliance/role-assignments?org=acme&active=maybe'],
        ['GET /api/v1/compliance/access-reviews', '/api/v1/compliance/access-reviews?org=acme&status=open'],
        ['GET /api/v1/compliance/deprovisioning', '/api/v1/compliance/deprovisioning?org=acme&from=yesterday'],
        ['GET /api/v1/compliance/deprovisioning', '/api/v1/compliance/deprovisioning?org=acme&to=5'],
        ['GET /api/v1/compliance/findings', '/api/v1/compliance/findings?org=acme&since=later'],
        ['GET /api/v1/compliance/findings', '/api/v1/compliance/findings?org=acme&status=open'],
        ['GET /api/v1/compliance/summary', '/api/v1/compliance/summary'],
        ['GET /api/v1/compliance/summary', '/api/v1/compliance/summary?org=acme&from=today'],
        ['GET /api/v1/compliance/summary', '/api/v1/compliance/summary?org=acme&limit=5'],
      ];
      for (const [name, url] of cases) {
        const route = API_ROUTES.find((r) => routeName(r) === name)!;
        await refused(route, url, 400, 'request.invalid');
      }
    });

    it('well-formed references to things that do not exist get their not_found code', async () => {
      const none = '00000000-0000-7000-8000-000000000000';
      const cases: Array<[string, Record<string, string>, number, string]> = [
        ['GET /api/v1/organizations/{org}', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['GET /api/v1/users/{id}', { id: none }, 404, 'user.not_found'],
        ['PATCH /api/v1/users/{id}', { id: none }, 404, 'user.not_found'],
        ['GET /api/v1/api-keys/{id}', { id: none }, 404, 'api_key.not_found'],
        ['POST /api/v1/api-keys/{id}/revoke', { id: none }, 404, 'api_key.not_found'],
        ['GET /api/v1/organizations/{org}/roles/{role}', { org: 'acme', role: 'nope' }, 404, 'role.not_found'],
        ['DELETE /api/v1/organizations/{org}/roles/{role}', { org: 'acme', role: 'nope' }, 404, 'role.not_found'],
        ['GET /api/v1/organizations/{org}/service-accounts/{id}', { org: 'acme', id: none }, 404, 'service_account.not_found'],
        ['PATCH /api/v1/organizations/{org}/service-accounts/{id}', { org: 'acme', id: none }, 404, 'service_account.not_found'],
        ['DELETE /api/v1/organizations/{org}/service-accounts/{id}', { org: 'acme', id: none }, 404, 'service_account.not_found'],
        ['DELETE /api/v1/organizations/{org}/service-accounts/{id}', { org: 'globex', id: good.saId }, 404, 'service_account.not_found'],
        ['GET /api/v1/organizations/{org}/service-accounts/findings', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['POST /api/v1/organizations/{org}/service-accounts/{id}/credentials', { org: 'acme', id: none }, 404, 'service_account.not_found'],
        ['GET /api/v1/organizations/{org}/service-accounts/{id}/credentials', { org: 'acme', id: none }, 404, 'service_account.not_found'],
        ['DELETE /api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}', { org: 'acme', id: good.saId, credentialId: none }, 404, 'service_account.credential_not_found'],
        // A credential is found only under its own account.
        ['DELETE /api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}', { org: 'acme', id: good.otherSaId, credentialId: good.credentialId }, 404, 'service_account.credential_not_found'],
        ['POST /api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}/rotate', { org: 'acme', id: good.saId, credentialId: none }, 404, 'service_account.credential_not_found'],
        ['POST /api/v1/organizations/{org}/service-accounts/{id}/credentials/{credentialId}/rotate', { org: 'acme', id: good.otherSaId, credentialId: good.credentialId }, 404, 'service_account.credential_not_found'],
        ['GET /api/v1/organizations/{org}/role-assignments/{id}', { org: 'acme', id: none }, 404, 'assignment.not_found'],
        ['POST /api/v1/organizations/{org}/role-assignments/{id}/revoke', { org: 'acme', id: none }, 404, 'assignment.not_found'],
        ['GET /api/v1/organizations/{org}/role-eligibilities/{id}', { org: 'acme', id: none }, 404, 'eligibility.not_found'],
        ['GET /api/v1/organizations/{org}/role-eligibilities/{id}', { org: 'globex', id: good.eligibilityId }, 404, 'eligibility.not_found'],
        ['POST /api/v1/organizations/{org}/role-eligibilities/{id}/revoke', { org: 'acme', id: none }, 404, 'eligibility.not_found'],
        ['GET /api/v1/organizations/{org}/role-eligibilities', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['POST /api/v1/organizations/{org}/members', { org: 'acme' }, 404, 'user.not_found'],
        ['DELETE /api/v1/organizations/{org}/members/{userId}', { org: 'globex', userId: good.id }, 404, 'membership.not_found'],
        ['GET /api/v1/organizations/{org}/roles', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['POST /api/v1/organizations/{org}/roles', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['GET /api/v1/audit/events/{id}', { id: none }, 404, 'ledger.event_not_found'],
        ['GET /api/v1/audit/checkpoints/{size}', { size: '100000' }, 404, 'ledger.checkpoint_not_found'],
        ['GET /api/v1/users/{id}/factors', { id: none }, 404, 'user.not_found'],
        ['DELETE /api/v1/users/{id}/factors/totp/{factorId}', { id: none, factorId: good.factorId }, 404, 'user.not_found'],
        // Another user's factor is not this user's: no way to remove it through the wrong user.
        ['DELETE /api/v1/users/{id}/factors/totp/{factorId}', { id: good.otherUserId, factorId: good.factorId }, 404, 'authn.factor_not_found'],
        ['DELETE /api/v1/users/{id}/factors/totp/{factorId}', { id: good.id, factorId: none }, 404, 'authn.factor_not_found'],
        ['POST /api/v1/users/{id}/factors/reset', { id: none }, 404, 'user.not_found'],
        ['GET /api/v1/users/{id}/sessions', { id: none }, 404, 'user.not_found'],
        ['POST /api/v1/users/{id}/sessions/revoke', { id: none }, 404, 'user.not_found'],
        ['POST /api/v1/users/{id}/revoke-access', { id: none }, 404, 'user.not_found'],
        ['POST /api/v1/sessions/{id}/revoke', { id: none }, 404, 'session.not_found'],
        ['GET /api/v1/organizations/{org}/authn-policy', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['GET /api/v1/users/{id}/mfa-status', { id: none }, 404, 'user.not_found'],
        ['GET /api/v1/users/{id}/lockout', { id: none }, 404, 'user.not_found'],
        ['POST /api/v1/users/{id}/unlock', { id: none }, 404, 'user.not_found'],
        ['GET /api/v1/organizations/{org}/invitations', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['POST /api/v1/organizations/{org}/invitations', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['POST /api/v1/organizations/{org}/invitations/{id}/revoke', { org: 'acme', id: none }, 404, 'invitation.not_found'],
        ['POST /api/v1/organizations/{org}/invitations/{id}/revoke', { org: 'globex', id: good.invitationId }, 404, 'invitation.not_found'],
        ['POST /api/v1/users/{id}/password-reset', { id: none }, 404, 'user.not_found'],
        ['POST /api/v1/users/{id}/email-verification', { id: none }, 404, 'user.not_found'],
        ['GET /api/v1/organizations/{org}/applications', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['POST /api/v1/organizations/{org}/applications', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['GET /api/v1/organizations/{org}/applications/{id}', { org: 'acme', id: none }, 404, 'application.not_found'],
        ['PATCH /api/v1/organizations/{org}/applications/{id}', { org: 'acme', id: none }, 404, 'application.not_found'],
        ['DELETE /api/v1/organizations/{org}/applications/{id}', { org: 'acme', id: none }, 404, 'application.not_found'],
        ['POST /api/v1/organizations/{org}/applications/{id}/secret', { org: 'acme', id: none }, 404, 'application.not_found'],
        // Another organization's application is not found through this one.
        ['GET /api/v1/organizations/{org}/applications/{id}', { org: 'globex', id: good.applicationId }, 404, 'application.not_found'],
        ['POST /api/v1/organizations/{org}/applications/{id}/secret', { org: 'globex', id: good.applicationId }, 404, 'application.not_found'],
        ['GET /api/v1/organizations/{org}/access-requests', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['POST /api/v1/organizations/{org}/access-requests', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['GET /api/v1/organizations/{org}/access-requests/{id}', { org: 'acme', id: none }, 404, 'access_request.not_found'],
        ['POST /api/v1/organizations/{org}/access-requests/{id}/cancel', { org: 'acme', id: none }, 404, 'access_request.not_found'],
        // Another organization's request is not found through this one.
        ['GET /api/v1/organizations/{org}/access-requests/{id}', { org: 'globex', id: good.requestId }, 404, 'access_request.not_found'],
        ['POST /api/v1/organizations/{org}/access-requests/{id}/cancel', { org: 'globex', id: good.requestId }, 404, 'access_request.not_found'],
        ['POST /api/v1/organizations/{org}/users/{id}/deprovision', { org: 'no-such-org', id: good.id }, 404, 'organization.not_found'],
        ['POST /api/v1/organizations/{org}/users/{id}/deprovision', { org: 'acme', id: none }, 404, 'user.not_found'],
        // A user is deprovisioned through an organization they belong to.
        ['POST /api/v1/organizations/{org}/users/{id}/deprovision', { org: 'globex', id: good.id }, 404, 'membership.not_found'],
        ['POST /api/v1/organizations/{org}/users/{id}/reactivate', { org: 'acme', id: none }, 404, 'user.not_found'],
        ['POST /api/v1/organizations/{org}/users/{id}/reactivate', { org: 'globex', id: good.id }, 404, 'membership.not_found'],
        ['GET /api/v1/organizations/{org}/leavers', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['GET /api/v1/organizations/{org}/lifecycle/findings', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['POST /api/v1/organizations/{org}/hr-sources', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['GET /api/v1/organizations/{org}/hr-sources', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['POST /api/v1/organizations/{org}/hr-sources/{id}/rotate-secret', { org: 'acme', id: none }, 404, 'lifecycle.hr_source_not_found'],
        ['DELETE /api/v1/organizations/{org}/hr-sources/{id}', { org: 'acme', id: none }, 404, 'lifecycle.hr_source_not_found'],
        // Another organization's HR source is not found through this one.
        ['POST /api/v1/organizations/{org}/hr-sources/{id}/rotate-secret', { org: 'globex', id: good.hrSourceId }, 404, 'lifecycle.hr_source_not_found'],
        ['DELETE /api/v1/organizations/{org}/hr-sources/{id}', { org: 'globex', id: good.hrSourceId }, 404, 'lifecycle.hr_source_not_found'],
        ['POST /api/v1/organizations/{org}/scim-directories', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['GET /api/v1/organizations/{org}/scim-directories', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['GET /api/v1/organizations/{org}/scim-directories/{id}', { org: 'acme', id: none }, 404, 'scim.directory_not_found'],
        ['PATCH /api/v1/organizations/{org}/scim-directories/{id}', { org: 'acme', id: none }, 404, 'scim.directory_not_found'],
        ['POST /api/v1/organizations/{org}/scim-directories/{id}/tokens', { org: 'acme', id: none }, 404, 'scim.directory_not_found'],
        ['POST /api/v1/organizations/{org}/scim-directories/{id}/tokens/rotate', { org: 'acme', id: none }, 404, 'scim.directory_not_found'],
        ['GET /api/v1/organizations/{org}/scim-directories/{id}/tokens', { org: 'acme', id: none }, 404, 'scim.directory_not_found'],
        ['DELETE /api/v1/organizations/{org}/scim-directories/{id}/tokens/{tokenId}', { org: 'acme', id: good.directoryId, tokenId: none }, 404, 'scim.token_not_found'],
        ['POST /api/v1/organizations/{org}/scim-directories/{id}/group-mappings', { org: 'acme', id: none }, 404, 'scim.directory_not_found'],
        ['GET /api/v1/organizations/{org}/scim-directories/{id}/group-mappings', { org: 'acme', id: none }, 404, 'scim.directory_not_found'],
        ['DELETE /api/v1/organizations/{org}/scim-directories/{id}/group-mappings/{mappingId}', { org: 'acme', id: good.directoryId, mappingId: none }, 404, 'scim.group_mapping_not_found'],
        // Another organization's directory is not found through this one.
        ['GET /api/v1/organizations/{org}/scim-directories/{id}', { org: 'globex', id: good.directoryId }, 404, 'scim.directory_not_found'],
        ['PATCH /api/v1/organizations/{org}/scim-directories/{id}', { org: 'globex', id: good.directoryId }, 404, 'scim.directory_not_found'],
        ['POST /api/v1/organizations/{org}/scim-directories/{id}/tokens', { org: 'globex', id: good.directoryId }, 404, 'scim.directory_not_found'],
        ['POST /api/v1/organizations/{org}/scim-directories/{id}/tokens/rotate', { org: 'globex', id: good.directoryId }, 404, 'scim.directory_not_found'],
        ['DELETE /api/v1/organizations/{org}/scim-directories/{id}/tokens/{tokenId}', { org: 'globex', id: good.directoryId, tokenId: good.tokenId }, 404, 'scim.directory_not_found'],
        ['POST /api/v1/organizations/{org}/scim-directories/{id}/group-mappings', { org: 'globex', id: good.directoryId }, 404, 'scim.directory_not_found'],
        ['DELETE /api/v1/organizations/{org}/scim-directories/{id}/group-mappings/{mappingId}', { org: 'globex', id: good.directoryId, mappingId: good.mappingId }, 404, 'scim.directory_not_found'],
        // A token or a mapping is found only under its own directory.
        ['DELETE /api/v1/organizations/{org}/scim-directories/{id}/tokens/{tokenId}', { org: 'acme', id: good.otherDirectoryId, tokenId: good.tokenId }, 404, 'scim.token_not_found'],
        ['DELETE /api/v1/organizations/{org}/scim-directories/{id}/group-mappings/{mappingId}', { org: 'acme', id: good.otherDirectoryId, mappingId: good.mappingId }, 404, 'scim.group_mapping_not_found'],
        ...ssoNotFound(none),
        ['GET /api/v1/findings/{id}', { id: none }, 404, 'finding.not_found'],
        ['POST /api/v1/findings/{id}/acknowledge', { id: none }, 404, 'finding.not_found'],
        ['POST /api/v1/findings/{id}/resolve', { id: none }, 404, 'finding.not_found'],
        ['POST /api/v1/organizations/{org}/notification-webhooks', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['GET /api/v1/organizations/{org}/notification-webhooks', { org: 'no-such-org' }, 404, 'organization.not_found'],
        // Each route under a webhook: an unknown id, and another organization's webhook through this one.
        ...['GET {id}', 'DELETE {id}', 'POST {id}/rotate-secret', 'GET {id}/deliveries'].flatMap((r): Array<[string, Record<string, string>, number, string]> => {
          const [method, rest] = r.split(' ');
          const name = `${method} /api/v1/organizations/{org}/notification-webhooks/${rest}`;
          return [[name, { org: 'acme', id: none }, 404, 'notify.webhook_not_found'], [name, { org: 'globex', id: good.webhookId }, 404, 'notify.webhook_not_found']];
        }),
        ...['GET {id}', 'PATCH {id}', 'DELETE {id}', 'POST {id}/pause', 'POST {id}/resume', 'POST {id}/rewind', 'POST {id}/rotate-secret', 'GET {id}/health'].map((r): [string, Record<string, string>, number, string] => {
          const [method, rest] = r.split(' ');
          return [`${method} /api/v1/siem-destinations/${rest}`, { id: none }, 404, 'stream.destination_not_found'];
        }),
        ...['GET /api/v1/alerts/{id}', 'POST /api/v1/alerts/{id}/acknowledge', 'POST /api/v1/alerts/{id}/close'].map((name): [string, Record<string, string>, number, string] => [name, { id: none }, 404, 'alert.not_found']),
        ...['GET', 'PATCH', 'POST events', 'POST alerts', 'POST notes', 'POST resolve'].map((r): [string, Record<string, string>, number, string] => {
          const [method, rest] = r.split(' ');
          return [`${method} /api/v1/incidents/{id}${rest ? `/${rest}` : ''}`, { id: none }, 404, 'incident.not_found'];
        }),
        ...['GET /api/v1/evidence/exports/{id}', 'GET /api/v1/evidence/exports/{id}/package'].map((name): [string, Record<string, string>, number, string] => [name, { id: none }, 404, 'evidence.export_not_found']),
      ];
      for (const [name, params, status, code] of cases) {
        const route = API_ROUTES.find((r) => routeName(r) === name)!;
        await refused(route, fillPath(route.path, params) + (REQUIRED_QUERY[name] ?? ''), status, code);
      }
      const mfaStatus = API_ROUTES.find((r) => routeName(r) === 'GET /api/v1/users/{id}/mfa-status')!;
      await refused(mfaStatus, `/api/v1/users/${good.id}/mfa-status?org=no-such-org`, 404, 'organization.not_found');
      await refused(mfaStatus, `/api/v1/users/${good.id}/mfa-status?org=globex`, 404, 'membership.not_found');
      const findings = API_ROUTES.find((r) => routeName(r) === 'GET /api/v1/findings')!;
      await refused(findings, '/api/v1/findings?org=no-such-org', 404, 'organization.not_found');
      await refused(API_ROUTES.find((r) => routeName(r) === 'GET /api/v1/alerts')!, '/api/v1/alerts?org=no-such-org', 404, 'organization.not_found');
      await refused(API_ROUTES.find((r) => routeName(r) === 'GET /api/v1/incidents')!, '/api/v1/incidents?org=no-such-org', 404, 'organization.not_found');
      for (const route of API_ROUTES.filter((r) => r.path.startsWith('/api/v1/compliance/'))) await refused(route, `${route.path}?org=no-such-org`, 404, 'organization.not_found');
      await refused(findRoute('GET /api/v1/compliance/deprovisioning'), '/api/v1/compliance/deprovisioning?org=acme&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 422, 'compliance.window_invalid');
      await refused(findRoute('GET /api/v1/compliance/summary'), '/api/v1/compliance/summary?org=acme&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 422, 'evidence.invalid_window');
      await refused(findRoute('GET /api/v1/compliance/summary'), '/api/v1/compliance/summary?org=acme&to=2999-01-01', 422, 'evidence.invalid_window');
    });

    /** SSO references that do not exist, or belong to another organization or connection. */
    const ssoNotFound = (none: string): Array<[string, Record<string, string>, number, string]> => {
      const conn = '/api/v1/organizations/{org}/sso-connections';
      const cases: Array<[string, Record<string, string>, number, string]> = [
        [`POST ${conn}`, { org: 'no-such-org' }, 404, 'organization.not_found'],
        [`GET ${conn}`, { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['POST /api/v1/organizations/{org}/sso-domains', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['GET /api/v1/organizations/{org}/sso-domains', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['POST /api/v1/organizations/{org}/sso-setup-links', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['GET /api/v1/organizations/{org}/sso-setup-links', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['POST /api/v1/organizations/{org}/access-reviews', { org: 'no-such-org' }, 404, 'organization.not_found'],
        ['GET /api/v1/organizations/{org}/access-reviews', { org: 'no-such-org' }, 404, 'organization.not_found'],
        [`DELETE ${conn}/{id}/certificates/{fingerprint}`, { org: 'acme', id: good.connectionId, fingerprint: 'ab'.repeat(32) }, 404, 'sso.certificate_not_found'],
        // A group rule is found only under its own connection.
        [`DELETE ${conn}/{id}/group-mappings/{mappingId}`, { org: 'acme', id: good.connectionId, mappingId: none }, 404, 'sso.group_mapping_not_found'],
        [`DELETE ${conn}/{id}/group-mappings/{mappingId}`, { org: 'acme', id: good.otherConnectionId, mappingId: good.ssoMappingId }, 404, 'sso.group_mapping_not_found'],
      ];
      // Each route under a connection, a domain or a link: an unknown id, and another organization's.
      for (const [path, not, id, extra] of [
        [`GET ${conn}/{id}`, 'sso.connection_not_found', good.connectionId, {}],
        [`PATCH ${conn}/{id}`, 'sso.connection_not_found', good.connectionId, {}],
        [`DELETE ${conn}/{id}`, 'sso.connection_not_found', good.connectionId, {}],
        [`POST ${conn}/{id}/certificates`, 'sso.connection_not_found', good.connectionId, {}],
        [`DELETE ${conn}/{id}/certificates/{fingerprint}`, 'sso.connection_not_found', good.connectionId, { fingerprint: good.fingerprint }],
        [`GET ${conn}/{id}/tests`, 'sso.connection_not_found', good.connectionId, {}],
        [`POST ${conn}/{id}/group-mappings`, 'sso.connection_not_found', good.connectionId, {}],
        [`GET ${conn}/{id}/group-mappings`, 'sso.connection_not_found', good.connectionId, {}],
        [`DELETE ${conn}/{id}/group-mappings/{mappingId}`, 'sso.connection_not_found', good.connectionId, { mappingId: good.ssoMappingId }],
        ['POST /api/v1/organizations/{org}/sso-domains/{id}/verify', 'sso.domain_not_found', good.domainId, {}],
        ['POST /api/v1/organizations/{org}/sso-domains/{id}/attest', 'sso.domain_not_found', good.domainId, {}],
        ['DELETE /api/v1/organizations/{org}/sso-domains/{id}', 'sso.domain_not_found', good.domainId, {}],
        ['POST /api/v1/organizations/{org}/sso-setup-links/{id}/revoke', 'sso.setup_link_invalid', good.setupLinkId, {}],
        ['GET /api/v1/organizations/{org}/access-reviews/{id}', 'access_review.not_found', good.reviewId, {}],
        ['GET /api/v1/organizations/{org}/access-reviews/{id}/items', 'access_review.not_found', good.reviewId, {}],
        ['GET /api/v1/organizations/{org}/access-reviews/{id}/report', 'access_review.not_found', good.reviewId, {}],
        ['POST /api/v1/organizations/{org}/access-reviews/{id}/close', 'access_review.not_found', good.reviewId, {}],
      ] as Array<[string, string, string, Record<string, string>]>) {
        cases.push([path, { org: 'acme', id: none, ...extra }, 404, not], [path, { org: 'globex', id, ...extra }, 404, not]);
      }
      return cases;
    };

    it('unknown routes and methods answer route.not_found, with or without a key', async () => {
      for (const [method, url] of [
        ['GET', '/api/v1/nothing'],
        ['GET', '/api/v2/organizations'],
        ['PUT', '/api/v1/organizations'],
        ['DELETE', '/api/v1/organizations/acme'],
        ['POST', `/api/v1/users/${good.id}`],
        ['GET', '/api/v1/organizations/acme/roles/viewer/extra'],
      ] as const) {
        for (const key of [s.adminKey, null]) {
          await expectNothingChanged(s.rt, async () => {
            const res = await s.request(method, url, { key, body: method === 'GET' || method === 'DELETE' ? undefined : { slug: 'x-y', name: 'X' } });
            expectError(res, 404, 'route.not_found');
            expect(res.json().error.message).toBe(`no endpoint ${method} ${url}`);
          });
        }
      }
    });
  });
}
