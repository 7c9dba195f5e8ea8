import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createOrg, createRole, createUser, expectError, grantRole, listEventsViaApi, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';

for (const dialect of DIALECTS) {
  describe(`access governance findings on ${dialect}`, () => {
    const clock = new ManualClock('2026-06-01T10:00:00.000Z');
    let s: HttpSuite;
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      await createOrg(s, 'acme');
      await createOrg(s, 'globex');
    });
    afterAll(async () => s?.close());

    it('flags grants without approval and standing privileged assignments, citing their grant events; an approved or accepted one is not flagged', async () => {
      const ada = await createUser(s, { email: 'ada@acme.test', org: 'acme' });
      const bob = await createUser(s, { email: 'bob@acme.test', org: 'acme' });
      await createRole(s, 'acme', 'wiki', { permissions: ['wiki:read'] });
      await createRole(s, 'acme', 'root', { permissions: ['*'], privileged: true });
      await createRole(s, 'acme', 'break-glass', { permissions: ['*'], privileged: true, allowStanding: true });
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/access-findings')).items).toEqual([]);

      const unapproved = await grantRole(s, 'acme', 'wiki', ada.id);
      await grantRole(s, 'acme', 'wiki', bob.id, { approvalRef: 'JIRA-12' });
      const standing = await grantRole(s, 'acme', 'root', bob.id, { approvalRef: 'JIRA-13' });
      await grantRole(s, 'acme', 'break-glass', ada.id, { approvalRef: 'JIRA-14' });
      const { items } = await ok(s, 200, 'GET', '/api/v1/organizations/acme/access-findings');
      expect(items.map((f: any) => [f.type, f.subject.id])).toEqual(
        expect.arrayContaining([
          ['grant_without_approval', unapproved.id],
          ['standing_privileged_assignment', standing.id],
        ]),
      );
      expect(items).toHaveLength(2);
      // Most severe first, and each cites the ledger event of its grant.
      const order = { high: 0, medium: 1, low: 2 } as Record<string, number>;
      expect(items.map((f: any) => order[f.severity])).toEqual([...items.map((f: any) => order[f.severity])].sort());
      const grants = new Map((await listEventsViaApi(s, '?action=access.assignment.granted')).map((e) => [e.targets.find((t) => t.type === 'role_assignment')!.id, e.id]));
      for (const f of items) expect(f.eventIds).toContain(grants.get(f.subject.id));

      // Revoking clears the finding; another organization's findings are its own.
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/role-assignments/${unapproved.id}/revoke`, { reason: 'no ticket' });
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/access-findings')).items.map((f: any) => f.type)).toEqual(['standing_privileged_assignment']);
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/globex/access-findings')).items).toEqual([]);
      expectError(await s.request('GET', '/api/v1/organizations/nope/access-findings'), 404, 'organization.not_found');
    });
  });
}
