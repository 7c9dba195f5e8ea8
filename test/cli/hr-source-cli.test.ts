/** `keyledger hr-source create` as an operator runs it, on SQLite and on PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createCliTarget, parseJson, rawConnection, runCli, type CliTarget } from '../support/cli.ts';

for (const dialect of DIALECTS) {
  describe(`keyledger hr-source on ${dialect}`, () => {
    let t: CliTarget;
    const cli = (...args: string[]) => runCli(args, t.env);
    beforeAll(async () => {
      t = await createCliTarget(dialect);
      expect((await cli('org', 'create', '--slug', 'acme', '--name', 'Acme')).code).toBe(0);
    });
    afterAll(async () => t?.cleanup());

    it('creates a source and prints { id, secret, url } once; the secret is stored encrypted and recorded nowhere', async () => {
      const created = await cli('hr-source', 'create', '--org', 'acme', '--name', 'Workday', '--json');
      expect(created.code).toBe(0);
      const out = parseJson<{ id: string; secret: string; url: string }>(created);
      expect(Object.keys(out).sort()).toEqual(['id', 'secret', 'url']);
      expect(out.secret).toMatch(/^kl_hr_[A-Za-z0-9_-]{43}$/);
      expect(out.url).toMatch(/\/api\/v1\/lifecycle\/hr-events$/);
      expect(created.stderr).not.toContain(out.secret);
      const conn = await rawConnection(t.target);
      try {
        const [row] = await conn.query<{ id: string; name: string; secret: string; status: string }>('select id, name, secret, status from hr_sources');
        expect(row).toMatchObject({ id: out.id, name: 'Workday', status: 'active' });
        expect(row.secret).not.toContain(out.secret.slice(6));
        const bodies = (await conn.query<{ action: string; body: string }>('select action, body from audit_events order by seq')).filter((r) => r.action.startsWith('lifecycle.'));
        expect(bodies.map((b) => b.action)).toEqual(['lifecycle.hr_source.created']);
        expect(bodies[0].body).not.toContain(out.secret.slice(6));
      } finally {
        await conn.close();
      }
      const noOrg = await cli('hr-source', 'create', '--org', 'nope', '--name', 'X', '--json');
      expect(noOrg.code).toBe(1);
      expect(parseJson<{ error: { code: string } }>(noOrg).error.code).toBe('organization.not_found');
    });
  });
}
