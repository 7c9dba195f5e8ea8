import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createUser, expectError, grantRole, listEventsViaApi, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';

for (const dialect of DIALECTS) {
  describe(`documented role definitions export on ${dialect}`, () => {
    let s: HttpSuite;
    let owner: Record<string, any>;
    beforeAll(async () => {
      s = await startHttpSuite(dialect);
      await createOrg(s, 'acme', 'Acme');
      await createOrg(s, 'globex', 'Globex');
      owner = await createUser(s, { email: 'owner@acme.test', org: 'acme' });
      const holder = await createUser(s, { email: 'holder@acme.test', org: 'acme' });
      await createRole(s, 'acme', 'db-admin', { description: 'Runs | the <script>databases</script>', permissions: ['db:*'], privileged: true, ownerId: owner.id });
      await ok(s, 200, 'PATCH', '/api/v1/organizations/acme/roles/db-admin', { elevation: { maxActivationMinutes: 30 }, name: '=HYPERLINK("x")' });
      await createRole(s, 'acme', 'viewer', { permissions: ['report:read'] });
      await grantRole(s, 'acme', 'viewer', holder.id, { approvalRef: 'T-1' });
      await createRole(s, 'acme', 'temp', { permissions: [] });
      await ok(s, 204, 'DELETE', '/api/v1/organizations/acme/roles/temp');
      await createRole(s, 'globex', 'globex-only', { permissions: [] });
    });
    afterAll(async () => s?.close());

    it('lists every role with its governance, owner, holders and its change history, each change citing its ledger event', async () => {
      const doc = await ok(s, 200, 'GET', '/api/v1/organizations/acme/role-definitions');
      expect(doc.org).toMatchObject({ slug: 'acme', name: 'Acme' });
      expect(doc.roles.map((r: any) => r.role.key)).toEqual(['db-admin', 'viewer']);
      const db = doc.roles[0];
      expect(db.owner).toEqual({ id: owner.id, email: 'owner@acme.test' });
      expect(db.role.elevation.maxActivationMinutes).toBe(30);
      expect(db.holders).toBe(0);
      expect(doc.roles[1].holders).toBe(1);
      expect(db.history.map((c: any) => c.action)).toEqual(['access.role.created', 'access.role.updated']);
      expect(db.history[1].data).toEqual({ before: { name: 'Role db-admin', maxActivationMinutes: 60 }, after: { name: '=HYPERLINK("x")', maxActivationMinutes: 30 } });
      // Every cited event is the ledger's own, with the same action and time.
      const ledger = await listEventsViaApi(s, '?action=access.role.&limit=200');
      const byId = new Map(ledger.map((e) => [e.id, e]));
      for (const role of doc.roles) for (const c of role.history) expect({ action: byId.get(c.eventId)?.action, time: byId.get(c.eventId)?.time }).toEqual({ action: c.action, time: c.time });
      expect(doc.deletedRoles.map((d: any) => [d.key, d.history.map((c: any) => c.action)])).toEqual([['temp', ['access.role.created', 'access.role.deleted']]]);
      expect(doc.ledgerSeq).toBe(Math.max(...ledger.filter((e) => e.org === doc.org.id).map((e) => e.seq)));
      // Another organization's roles and history are not in it.
      expect(JSON.stringify(doc)).not.toContain('globex-only');
    });

    it('exports CSV (formula-safe) and Markdown (table-safe, no raw HTML) for the auditor', async () => {
      const csv = await s.request('GET', '/api/v1/organizations/acme/role-definitions?format=csv');
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      const lines = csv.body.trimEnd().split('\r\n');
      expect(lines).toHaveLength(3);
      expect(lines[0].split(',')[1]).toBe('key');
      expect(lines[1]).toContain(`"'=HYPERLINK(""x"")"`);
      const mdRes = await s.request('GET', '/api/v1/organizations/acme/role-definitions?format=markdown');
      expect(mdRes.headers['content-type']).toContain('text/markdown');
      const md = mdRes.body;
      expect(md).toContain('# Role definitions: Acme (acme)');
      expect(md).toContain('Runs \\| the &lt;script&gt;databases&lt;/script&gt;');
      expect(md).not.toContain('<script>');
      expect(md).toContain('| Owner | owner@acme.test |');
      expect(md).toContain('| Just-in-time activation | up to 30 minutes |');
      expect(md).toContain('## Deleted roles');
    });

    it('refuses an unknown format or organization', async () => {
      expectError(await s.request('GET', '/api/v1/organizations/acme/role-definitions?format=xml'), 400, 'request.invalid');
      expectError(await s.request('GET', '/api/v1/organizations/nope/role-definitions'), 404, 'organization.not_found');
    });
  });
}
