import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { listEventsViaApi, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ACTION_CATALOGUE } from '../../src/audit/actions.ts';
import { systemContext } from '../../src/audit/event.ts';
import type { LedgerEvent } from '../../src/audit/event.ts';
import { signHrEvent } from '../../src/lifecycle/hr-signature.ts';

const DOC = readFileSync(new URL('../../docs/audit-events.md', import.meta.url), 'utf8');

/** `| \`name\` | meaning |` rows of a markdown fragment. */
const tableRows = (text: string) =>
  text
    .split('\n')
    .map((line) => /^\|\s*`([^`]+)`\s*\|\s*(.+?)\s*\|$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1], meaning: m[2] }));

/** The envelope table (before the first action) and each `### action` section of docs/audit-events.md. */
function parseDoc() {
  const [head, ...sections] = DOC.split(/^### /m);
  const envelope = tableRows(head.slice(head.indexOf('## The event envelope'))).map((r) => r.name);
  const actions = sections.map((section) => {
    const [heading, ...rest] = section.split('\n');
    const body = rest.join('\n');
    const v = /^Version: `v` = (\d+)$/m.exec(body);
    expect(v, `no version line under ### ${heading}`).not.toBeNull();
    expect(body, `no data table under ### ${heading}`).toContain('| data field | meaning |');
    const description = body.trim().split('\n')[0];
    return { action: heading.trim(), description, v: Number(v![1]), data: Object.fromEntries(tableRows(body).map((r) => [r.name, r.meaning])) };
  });
  return { envelope, actions };
}

/** Actions the HTTP scenario below is built to emit. */
const SCENARIO_ACTIONS = [
  'ledger.signing_key.created',
  'platform.bootstrap.link_issued',
  'platform.bootstrap.completed',
  'platform.api_key.created',
  'platform.api_key.revoked',
  'identity.organization.created',
  'identity.organization.updated',
  'identity.user.created',
  'identity.user.updated',
  'identity.user.status_changed',
  'identity.membership.created',
  'identity.membership.deleted',
  'identity.service_account.created',
  'identity.service_account.updated',
  'identity.service_account.owner_changed',
  'identity.service_account.owner_removed',
  'identity.service_account.disabled',
  'identity.service_account.enabled',
  'identity.service_account.deleted',
  'identity.service_account.credential_created',
  'identity.service_account.credential_revoked',
  'identity.service_account.credential_rotated',
  'access.role.created',
  'access.role.updated',
  'access.role.deleted',
  'access.assignment.granted',
  'access.assignment.revoked',
  'authn.factors.reset',
  'authn.invitation.created',
  'authn.invitation.revoked',
  'authn.password_reset.requested',
  'oidc.application.created',
  'oidc.application.updated',
  'oidc.application.secret_rotated',
  'oidc.application.disabled',
  'oidc.application.enabled',
  'oidc.application.deleted',
  'lifecycle.user.deprovisioned',
  'lifecycle.sla.breached',
  'lifecycle.deprovisioning.skipped',
  'lifecycle.user.reactivated',
  'lifecycle.hr_source.created',
  'lifecycle.hr_source.secret_rotated',
  'lifecycle.hr_source.deleted',
  'lifecycle.hr_event.unmatched',
  'notify.webhook.created',
  'notify.webhook.secret_rotated',
  'notify.webhook.deleted',
];

describe('docs/audit-events.md and the action catalogue', () => {
  it('document the same actions, descriptions, versions and data fields, in the same order', () => {
    const { actions } = parseDoc();
    expect(actions.map((a) => a.action)).toEqual(Object.keys(ACTION_CATALOGUE));
    for (const a of actions) {
      const spec = ACTION_CATALOGUE[a.action];
      expect({ action: a.action, description: a.description, v: a.v, data: a.data }).toEqual({ action: a.action, description: spec.description, v: spec.v, data: spec.data });
    }
  });

  it('document the envelope fields of DESIGN.md', () => {
    expect(parseDoc().envelope).toEqual(['id', 'seq', 'time', 'action', 'outcome', 'reason', 'actor', 'org', 'targets', 'context', 'data', 'v']);
  });
});

for (const dialect of DIALECTS) {
  describe(`every event a full HTTP scenario emits is catalogued, on ${dialect}`, () => {
    let s: HttpSuite;
    let key: string;
    let events: LedgerEvent[];
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { adminKey: false });
      const link = await s.rt.bootstrap.issueLinkIfNeeded(systemContext('start', 'keyledger start'));
      const token = new URL(link!.url).searchParams.get('token')!;
      const page = await s.app.inject({ method: 'POST', url: '/bootstrap', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ token, name: 'admin' }).toString() });
      key = /kl_key_[A-Za-z0-9_-]{43}/.exec(page.body)![0];
      const call = async (status: number, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) => {
        const res = await s.request(method, url, { key, body });
        expect({ url, status: res.statusCode, body: res.body }).toMatchObject({ status });
        return res.body ? res.json() : undefined;
      };

      await call(201, 'POST', '/api/v1/organizations', { slug: 'acme', name: 'Acme' });
      await call(200, 'PATCH', '/api/v1/organizations/acme', { settings: { mfa: 'required' } });
      const ada = await call(201, 'POST', '/api/v1/users', { email: 'ada@acme.test', name: 'Ada', org: 'acme' });
      const bob = await call(201, 'POST', '/api/v1/users', { email: 'bob@acme.test' });
      await call(201, 'POST', '/api/v1/organizations/acme/members', { userId: bob.id });
      await call(200, 'PATCH', `/api/v1/users/${bob.id}`, { managerId: ada.id, department: 'Ops' });
      await call(200, 'PATCH', `/api/v1/users/${bob.id}`, { status: 'suspended', statusReason: 'leave' });
      await call(200, 'PATCH', `/api/v1/users/${bob.id}`, { status: 'active' });
      const bot = await call(201, 'POST', '/api/v1/organizations/acme/service-accounts', { name: 'ci', description: 'CI deploys', ownerUserId: ada.id });
      await call(200, 'PATCH', `/api/v1/organizations/acme/service-accounts/${bot.id}`, { description: 'CI and CD' });
      const sa = (rest: string) => `/api/v1/organizations/acme/service-accounts/${bot.id}${rest}`;
      const secret = await call(201, 'POST', sa('/credentials'), { kind: 'secret' });
      await call(201, 'POST', sa(`/credentials/${secret.credential.id}/rotate`), { overlapSeconds: 60 });
      await call(200, 'DELETE', sa(`/credentials/${secret.credential.id}?reason=rotated`));
      await call(200, 'PATCH', sa(''), { status: 'disabled' });
      await call(200, 'PATCH', sa(''), { status: 'active', ownerUserId: bob.id });
      const temp = await call(201, 'POST', '/api/v1/organizations/acme/service-accounts', { name: 'temp', description: 'Short-lived', ownerUserId: bob.id });
      await call(200, 'DELETE', `/api/v1/organizations/acme/service-accounts/${temp.id}`);
      await call(201, 'POST', '/api/v1/organizations/acme/roles', { key: 'admin', name: 'Admin', description: 'All', permissions: ['*'], privileged: true });
      await call(200, 'PATCH', '/api/v1/organizations/acme/roles/admin', { permissions: ['*', 'billing:*'] });
      await call(201, 'POST', '/api/v1/organizations/acme/roles', { key: 'temp', name: 'Temp', description: 'Unused', permissions: [] });
      await call(204, 'DELETE', '/api/v1/organizations/acme/roles/temp');
      const g1 = await call(201, 'POST', '/api/v1/organizations/acme/role-assignments', { role: 'admin', principalType: 'user', principalId: ada.id, reason: 'founder' });
      await call(201, 'POST', '/api/v1/organizations/acme/role-assignments', { role: 'admin', principalType: 'service_account', principalId: bot.id, expiresAt: new Date(Date.now() + 3600_000).toISOString() });
      await call(201, 'POST', '/api/v1/organizations/acme/role-assignments', { role: 'admin', principalType: 'user', principalId: bob.id });
      await call(200, 'POST', `/api/v1/organizations/acme/role-assignments/${g1.id}/revoke`, { reason: 'handover' });
      await call(204, 'DELETE', `/api/v1/organizations/acme/members/${bob.id}`);
      await call(200, 'POST', `/api/v1/users/${ada.id}/factors/reset`, { reason: 'lost phone' });
      await call(201, 'POST', '/api/v1/organizations/acme/invitations', { email: 'carol@acme.test' });
      const invited = await call(201, 'POST', '/api/v1/organizations/acme/invitations', { email: 'carol@acme.test', expiresInHours: 24 });
      await call(200, 'POST', `/api/v1/organizations/acme/invitations/${invited.invitation.id}/revoke`);
      await call(202, 'POST', `/api/v1/users/${ada.id}/password-reset`);
      const portal = await call(201, 'POST', '/api/v1/organizations/acme/applications', { name: 'Portal', type: 'web', redirectUris: ['https://portal.acme.test/cb'] });
      const portalUrl = `/api/v1/organizations/acme/applications/${portal.application.id}`;
      await call(200, 'PATCH', portalUrl, { name: 'Customer portal' });
      await call(200, 'POST', `${portalUrl}/secret`, { overlapSeconds: 3600 });
      await call(200, 'PATCH', portalUrl, { status: 'disabled' });
      await call(200, 'PATCH', portalUrl, { status: 'active' });
      await call(204, 'DELETE', portalUrl);
      const issued = await call(201, 'POST', '/api/v1/api-keys', { name: 'reader', scopes: ['admin:read'], expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
      await call(200, 'POST', `/api/v1/api-keys/${issued.apiKey.id}/revoke`);
      const leaver = await call(201, 'POST', '/api/v1/users', { email: 'leaver@acme.test', org: 'acme' });
      const leaverUrl = `/api/v1/organizations/acme/users/${leaver.id}`;
      await call(200, 'POST', `${leaverUrl}/deprovision`, { reason: 'left', terminatedAt: new Date(Date.now() - 30 * 3_600_000).toISOString() });
      await call(200, 'POST', `${leaverUrl}/deprovision`, { reason: 'duplicate ticket' });
      await call(200, 'POST', `${leaverUrl}/reactivate`, { reason: 'rehired' });
      const hr = await call(201, 'POST', '/api/v1/organizations/acme/hr-sources', { name: 'Workday' });
      const payload = JSON.stringify({ id: 'evt-1', type: 'employee.terminated', employeeId: 'E-UNKNOWN', effectiveAt: new Date().toISOString() });
      const t = Math.floor(Date.now() / 1000);
      const delivered = await s.app.inject({ method: 'POST', url: '/api/v1/lifecycle/hr-events', headers: { 'content-type': 'application/json', 'keyledger-source': hr.source.id, 'keyledger-signature': `t=${t},v1=${signHrEvent(hr.secret, t, payload)}` }, payload });
      expect(delivered.statusCode).toBe(202);
      await call(200, 'POST', `/api/v1/organizations/acme/hr-sources/${hr.source.id}/rotate-secret`, { overlapSeconds: 60 });
      await call(204, 'DELETE', `/api/v1/organizations/acme/hr-sources/${hr.source.id}`);
      const webhook = await call(201, 'POST', '/api/v1/organizations/acme/notification-webhooks', { url: 'https://hooks.acme.test/keyledger?team=7', events: ['access.'], description: 'Approvals' });
      await call(200, 'POST', `/api/v1/organizations/acme/notification-webhooks/${webhook.webhook.id}/rotate-secret`);
      await call(204, 'DELETE', `/api/v1/organizations/acme/notification-webhooks/${webhook.webhook.id}`);
      // Refused requests add nothing, so they cannot add uncatalogued events either.
      await s.request('POST', '/api/v1/organizations', { key, body: { slug: 'acme', name: 'Again' } });
      events = await listEventsViaApi(s, '', key);
    });
    afterAll(async () => s?.close());

    it('covers the actions it was built to emit', () => {
      const emitted = new Set(events.map((e) => e.action));
      expect(SCENARIO_ACTIONS.filter((a) => !emitted.has(a))).toEqual([]);
      expect(events.length).toBeGreaterThan(SCENARIO_ACTIONS.length);
    });

    it('emits only catalogued actions, each with its catalogue version and only catalogued data fields', () => {
      for (const e of events) {
        const spec = ACTION_CATALOGUE[e.action];
        expect({ seq: e.seq, action: e.action, catalogued: spec !== undefined }).toEqual({ seq: e.seq, action: e.action, catalogued: true });
        expect({ action: e.action, v: e.v }).toEqual({ action: e.action, v: spec.v });
        const extra = Object.keys(e.data).filter((f) => !(f in spec.data));
        expect({ action: e.action, uncatalogued: extra }).toEqual({ action: e.action, uncatalogued: [] });
      }
    });

    it('lists no data field that the actions never carry', () => {
      const seen = new Map<string, Set<string>>();
      for (const e of events) for (const f of Object.keys(e.data)) seen.set(e.action, (seen.get(e.action) ?? new Set()).add(f));
      for (const action of SCENARIO_ACTIONS) {
        expect({ action, fields: [...(seen.get(action) ?? [])].sort() }).toEqual({ action, fields: Object.keys(ACTION_CATALOGUE[action].data).sort() });
      }
    });

    it('gives every event the documented envelope and no other top-level field', () => {
      const { envelope } = parseDoc();
      for (const e of events) {
        const keys = Object.keys(e);
        expect(keys.filter((k) => !envelope.includes(k))).toEqual([]);
        expect(envelope.filter((k) => k !== 'reason' && !keys.includes(k))).toEqual([]);
        expect(e.outcome).toBe('success');
        expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(['user', 'service_account', 'api_key', 'scim_directory', 'hr_source', 'system']).toContain(e.actor.type);
      }
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    });
  });
}
