/** `keyledger user create | invite | list` as an operator runs them, on SQLite and on PostgreSQL. */
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

    it('creates a user with a password only when the policy accepts it: a refused password creates nothing', async () => {
      const weak = await cli('user', 'create', '--org', 'acme', '--email', 'weak@acme.test', '--password', 'password1234', '--json');
      expect(weak.code).toBe(1);
      expect(parseJson<{ error: { code: string } }>(weak).error.code).toBe('authn.password_breached_or_common');
      const conn = await rawConnection(t.target);
      try {
        expect(await conn.query('select id from users where email = ?', ['weak@acme.test'])).toEqual([]);
        const created = await cli('user', 'create', '--org', 'acme', '--email', 'Strong@acme.test', '--name', 'Strong', '--password', 'quartz-lantern-meadow-91-harbor', '--json');
        expect(created.code).toBe(0);
        const user = parseJson<{ id: string; email: string; emailVerifiedAt: string | null; createdAt: string }>(created);
        // An administrator vouches for the address: it counts as verified from creation.
        expect(user).toMatchObject({ email: 'strong@acme.test', emailVerifiedAt: user.createdAt });
        expect(created.stdout).not.toContain('quartz-lantern');
        const [credential] = await conn.query<{ hash: string }>('select hash from password_credentials where user_id = ?', [user.id]);
        expect(credential.hash).toMatch(/^\$argon2id\$/);
        const actions = (await conn.query<{ action: string }>('select action from audit_events order by seq')).map((r) => r.action);
        expect(actions.slice(-3)).toEqual(['identity.user.created', 'identity.membership.created', 'authn.password.changed']);
      } finally {
        await conn.close();
      }
    });

    it('invites an address: prints the invitation and its link, which is also in the outbox; refuses a member and a bad lifetime', async () => {
      const invited = await cli('user', 'invite', '--org', 'acme', '--email', 'Grace@Acme.test', '--expires-in-hours', '24', '--json');
      expect(invited.code).toBe(0);
      const { invitation, link } = parseJson<{ invitation: { id: string; email: string; status: string; createdAt: string; expiresAt: string }; link: string }>(invited);
      expect(invitation).toMatchObject({ email: 'grace@acme.test', status: 'pending' });
      expect(Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt)).toBe(24 * 3_600_000);
      expect(link).toMatch(/^http:\/\/localhost:8080\/signup\?invitation=kl_invite_[A-Za-z0-9_-]{43}$/);
      const conn = await rawConnection(t.target);
      try {
        const mails = await conn.query<{ kind: string; text_body: string }>('select kind, text_body from mail_outbox where to_address = ?', ['grace@acme.test']);
        expect(mails.map((m) => m.kind)).toEqual(['invitation']);
        expect(mails[0].text_body).toContain(link);
        const [row] = await conn.query<{ token_hash: string }>('select token_hash from invitations where id = ?', [invitation.id]);
        expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
        expect(link).not.toContain(row.token_hash);
      } finally {
        await conn.close();
      }
      for (const [args, code] of [
        [['--email', 'ada@acme.test'], 'invitation.already_member'],
        [['--email', 'new@acme.test', '--expires-in-hours', '0'], 'request.invalid'],
        [['--email', 'new@acme.test', '--expires-in-hours', 'soon'], 'request.invalid'],
        [['--email', 'not-an-email'], 'request.invalid'],
      ] as const) {
        const refused = await cli('user', 'invite', '--org', 'acme', ...args, '--json');
        expect({ args, exit: refused.code, code: parseJson<{ error: { code: string } }>(refused).error.code }).toEqual({ args, exit: 1, code });
      }
    });
  });
}
