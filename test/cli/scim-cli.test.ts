/** `keyledger scim-token create`: a script connects an identity provider in one step, on SQLite and on PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createCliTarget, parseJson, rawConnection, runCli, type CliTarget } from '../support/cli.ts';

for (const dialect of DIALECTS) {
  describe(`keyledger scim-token on ${dialect}`, () => {
    let t: CliTarget;
    const cli = (...args: string[]) => runCli(args, t.env);
    beforeAll(async () => {
      t = await createCliTarget(dialect);
      expect((await cli('org', 'create', '--slug', 'acme', '--name', 'Acme')).code).toBe(0);
    });
    afterAll(async () => t?.cleanup());

    it('creates the directory on first use, issues a token each time, stores only its hash, and refuses an unknown organization', async () => {
      const first = await cli('scim-token', 'create', '--org', 'acme', '--json');
      expect(first.code).toBe(0);
      const a = parseJson<{ token: string; baseUrl: string; directoryId: string; tokenId: string }>(first);
      expect(a.token).toMatch(/^kl_scim_[A-Za-z0-9_-]{43}$/);
      expect(a.baseUrl).toMatch(new RegExp(`/scim/v2/${a.directoryId}$`));
      const second = parseJson<{ token: string; directoryId: string; tokenId: string }>(await cli('scim-token', 'create', '--org', 'acme', '--json'));
      // The same directory, a second token.
      expect(second.directoryId).toBe(a.directoryId);
      expect(second.tokenId).not.toBe(a.tokenId);
      expect(second.token).not.toBe(a.token);

      const unknown = await cli('scim-token', 'create', '--org', 'nope', '--json');
      expect(unknown.code).toBe(1);
      expect(parseJson<{ error: { code: string } }>(unknown).error.code).toBe('organization.not_found');

      const conn = await rawConnection(t.target);
      try {
        const tokens = await conn.query<{ token_hash: string; prefix: string }>('select token_hash, prefix from scim_tokens order by id');
        expect(tokens).toHaveLength(2);
        expect(tokens[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
        expect(tokens.map((r) => r.token_hash)).not.toContain(a.token);
        expect(a.token.startsWith(tokens[0].prefix)).toBe(true);
        const actions = (await conn.query<{ action: string; body: string }>('select action, body from audit_events order by seq')).filter((r) => r.action.startsWith('scim.'));
        expect(actions.map((r) => r.action)).toEqual(['scim.directory.created', 'scim.token.created', 'scim.token.created']);
        // The ledger never holds the token.
        expect(actions.some((r) => r.body.includes(a.token) || r.body.includes(second.token))).toBe(false);
        expect(await conn.query('select id from scim_directories')).toHaveLength(1);
      } finally {
        await conn.close();
      }
    });
  });
}
