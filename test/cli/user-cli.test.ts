/** `keyledger user create | list` as an operator runs them, on SQLite and on PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createCliTarget, parseJson, rawConnection, runCli, type CliTarget } from '../support/cli.ts';

for (const dialect of DIALECTS) {
  describe(`keyledger user on ${dialect}`, () => {
    let t: CliTarget;
    const cli = (...args: string[]) => runCli(args, t.env);
    beforeAll(async () => {
      t = await createCliTarget(dialect);
      expect((await cli('org', 'create', '--slug', 'acme', '--name', 'Acme')).code).toBe(0);
    });
    afterAll(async () => t?.cleanup());

    it('creates a member of an organization, refuses a duplicate, a bad email and an unknown organization, and lists members', async () => {
      const created = await cli('user', 'create', '--org', 'acme', '--email', 'Ada@Acme.test', '--name', 'Ada', '--json');
      expect(created.code).toBe(0);
      const ada = parseJson<{ id: string; email: string; name: string; status: string }>(created);
      expect(ada).toMatchObject({ email: 'ada@acme.test', name: 'Ada', status: 'active' });

      const duplicate = await cli('user', 'create', '--org', 'acme', '--email', 'ada@acme.test', '--json');
      expect(duplicate.code).toBe(1);
      expect(parseJson<{ error: { code: string } }>(duplicate).error.code).toBe('user.email_taken');
      const badEmail = await cli('user', 'create', '--org', 'acme', '--email', 'not-an-email', '--json');
      expect(badEmail.code).toBe(1);
      expect(parseJson<{ error: { code: string } }>(badEmail).error.code).toBe('request.invalid');
      const noOrg = await cli('user', 'create', '--org', 'nope', '--email', 'bob@acme.test', '--json');
      expect(noOrg.code).toBe(1);
      expect(parseJson<{ error: { code: string } }>(noOrg).error.code).toBe('organization.not_found');

      const listed = parseJson<Array<{ id: string }>>(await cli('user', 'list', '--org', 'acme', '--json'));
      expect(listed.map((u) => u.id)).toEqual([ada.id]);
      // The refusals wrote nothing: one user, and its two events (created, membership) after the organization's.
      const conn = await rawConnection(t.target);
      try {
        const actions = (await conn.query<{ action: string }>('select action from audit_events order by seq')).map((r) => r.action);
        expect(actions.filter((a) => a.startsWith('identity.'))).toEqual(['identity.organization.created', 'identity.user.created', 'identity.membership.created']);
      } finally {
        await conn.close();
      }
    });
  });
}
