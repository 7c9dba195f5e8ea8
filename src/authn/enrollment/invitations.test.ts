import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../../test/support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../../../test/support/runtime.ts';
import { expectNothingChanged } from '../../../test/support/http.ts';
import { latestLink, mailTo, tokenOf } from '../../../test/support/mail.ts';
import { ManualClock } from '../../platform/clock.ts';
import { systemContext, type CommandContext } from '../../audit/event.ts';
import { eventTail, refusalOf as refusal } from '../../../test/support/thrown.ts';

const admin = systemContext('test', 'enrollment test');
const page: CommandContext = { actor: { type: 'system', id: 'signup-page', display: 'sign-up page' }, request: { requestId: 'req-signup', ip: '203.0.113.7', userAgent: 'vitest' } };
const PASSWORD = 'quartz-lantern-meadow-91-harbor';

for (const dialect of DIALECTS) {
  describe(`invitations on ${dialect}`, () => {
    const clock = new ManualClock('2026-06-01T09:00:00.000Z');
    let t: TestRuntime;
    const newEvents = eventTail(() => t.rt);
    const invite = (email: string, expiresInHours?: number) => t.rt.enrollment.inviteUser(admin, 'acme', { email, expiresInHours });

    beforeAll(async () => {
      t = await createTestRuntime(dialect, { clock });
      await t.rt.identity.createOrganization(admin, { slug: 'acme', name: 'Acme Corp' });
      await t.rt.identity.createOrganization(admin, { slug: 'globex', name: 'Globex' });
      await newEvents();
    });
    afterAll(async () => t?.close());

    it('invites by a mailed one-time link that is stored only hashed and never recorded', async () => {
      const { invitation, link } = await invite('Grace@Example.test');
      expect(link).toMatch(/^http:\/\/localhost:0\/signup\?invitation=kl_invite_[A-Za-z0-9_-]{43}$/);
      expect(invitation).toMatchObject({ email: 'grace@example.test', status: 'pending', invitedBy: { type: 'system', id: 'test' }, createdAt: clock.now().toISOString(), expiresAt: '2026-06-04T09:00:00.000Z', acceptedAt: null, revokedAt: null });
      const mails = await mailTo(t.rt, 'grace@example.test');
      expect(mails.map((m) => [m.kind, m.subject])).toEqual([['invitation', 'You are invited to join Acme Corp']]);
      expect(await latestLink(t.rt, 'grace@example.test', '/signup')).toBe(link);
      const events = await newEvents();
      expect(events.map((e) => [e.action, e.data])).toEqual([['authn.invitation.created', { invitationId: invitation.id, email: 'grace@example.test', expiresAt: invitation.expiresAt }]]);
      const secret = tokenOf(link);
      const rows = await t.database.db.selectFrom('invitations').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(secret);
      const bodies = await t.database.db.selectFrom('audit_events').select('body').execute();
      for (const { body } of bodies) expect(body).not.toContain(secret);
      expect(await t.rt.enrollment.describeInvitation(secret)).toEqual({ orgName: 'Acme Corp', orgSlug: 'acme', email: 'grace@example.test', expiresAt: invitation.expiresAt });
    });

    it('refuses a blocklisted password at acceptance before anything is created, and the link stays usable', async () => {
      const token = tokenOf(await latestLink(t.rt, 'grace@example.test', '/signup'));
      for (const password of ['password1234', 'grace-example-acme-corp', 'short']) {
        const err = await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.acceptInvitation(page, token, { name: 'Grace Hopper', password })));
        expect({ status: err.status, code: err.code }).toMatchObject({ status: 422, code: expect.stringMatching(/^authn\.password_/) });
      }
      expect(await t.database.db.selectFrom('sessions').selectAll().execute()).toEqual([]);
      expect(await newEvents()).toEqual([]);
      expect((await t.rt.enrollment.describeInvitation(token)).email).toBe('grace@example.test');
    });

    it('accepts with a new account: user (email verified), password, membership and session in one command, then refuses the link again', async () => {
      const token = tokenOf(await latestLink(t.rt, 'grace@example.test', '/signup'));
      const { user, session, sessionToken } = await t.rt.enrollment.acceptInvitation(page, token, { name: ' Grace Hopper ', password: PASSWORD });
      expect(user).toMatchObject({ email: 'grace@example.test', name: 'Grace Hopper', status: 'active', emailVerifiedAt: clock.now().toISOString() });
      expect(session).toMatchObject({ userId: user.id, amr: ['pwd'], acr: 'urn:keyledger:acr:pwd' });
      expect((await t.rt.sessions.validate(sessionToken))?.id).toBe(session.id);
      const org = await t.rt.identity.requireOrg('acme');
      expect(await t.rt.identity.isMember(org.id, user.id)).toBe(true);
      const events = await newEvents();
      expect(events.map((e) => e.action)).toEqual(['identity.user.created', 'identity.membership.created', 'authn.password.changed', 'authn.invitation.accepted', 'sessions.session.created', 'authn.login.succeeded']);
      expect(new Set(events.map((e) => e.seq - events[0].seq))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
      expect(events.every((e) => e.time === events[0].time && e.actor.id === 'signup-page')).toBe(true);
      expect(events[3].data).toEqual({ invitationId: expect.any(String), userId: user.id, email: user.email, newAccount: true });
      expect(JSON.stringify(events)).not.toContain(sessionToken);
      expect(JSON.stringify(events)).not.toContain(PASSWORD);
      // The password set by the invitation signs in.
      const login = await t.rt.authn.beginPasswordLogin(page, { email: 'grace@example.test', password: PASSWORD, orgRef: 'acme' });
      expect(login.mfaRequired).toBe(false);
      await newEvents();

      // A used link is dead: describe and accept both refuse it, and nothing changes.
      expect(await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.describeInvitation(token)))).toMatchObject({ status: 410, code: 'invitation.invalid', message: expect.stringContaining('accepted') });
      expect(await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.acceptInvitation(page, token, { name: 'Mallory', password: 'another-Long-passphrase-77' })))).toMatchObject({ status: 410, code: 'invitation.invalid' });
      const [listed] = (await t.rt.enrollment.listInvitations('acme', { status: 'accepted', limit: 10 })).items;
      expect(listed).toMatchObject({ email: 'grace@example.test', status: 'accepted', acceptedUserId: user.id, acceptedAt: clock.now().toISOString() });
    });

    it('refuses an expired invitation from its expiry on', async () => {
      const { link } = await invite('late@example.test', 1);
      clock.advance(3_600_000 - 1);
      expect((await t.rt.enrollment.describeInvitation(tokenOf(link))).email).toBe('late@example.test');
      clock.advance(1);
      const err = await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.acceptInvitation(page, tokenOf(link), { name: 'Late', password: PASSWORD })));
      expect(err).toMatchObject({ status: 410, code: 'invitation.invalid', message: expect.stringContaining('expired') });
      expect((await t.rt.enrollment.listInvitations('acme', { status: 'expired', limit: 10 })).items.map((i) => i.email)).toEqual(['late@example.test']);
      expect(await refusal(t.rt.enrollment.revokeInvitation(admin, 'acme', (await t.rt.enrollment.listInvitations('acme', { status: 'expired', limit: 1 })).items[0].id))).toMatchObject({ code: 'invitation.not_pending' });
      await newEvents();
    });

    it('revokes: the link stops working at once, and a second revocation is refused', async () => {
      const { invitation, link } = await invite('revoked@example.test');
      await newEvents();
      const revoked = await t.rt.enrollment.revokeInvitation(admin, 'acme', invitation.id);
      expect(revoked).toMatchObject({ id: invitation.id, status: 'revoked', revokedAt: clock.now().toISOString() });
      expect((await newEvents()).map((e) => [e.action, e.data])).toEqual([['authn.invitation.revoked', { invitationId: invitation.id, email: 'revoked@example.test', reason: 'revoked' }]]);
      expect(await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.acceptInvitation(page, tokenOf(link), { name: 'R', password: PASSWORD })))).toMatchObject({ code: 'invitation.invalid', message: expect.stringContaining('revoked') });
      expect(await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.revokeInvitation(admin, 'acme', invitation.id)))).toMatchObject({ status: 409, code: 'invitation.not_pending' });
      expect(await refusal(t.rt.enrollment.revokeInvitation(admin, 'globex', invitation.id))).toMatchObject({ status: 404, code: 'invitation.not_found' });
    });

    it('inviting the same address again replaces the pending invitation; the older link dies', async () => {
      const first = await invite('twice@example.test');
      await newEvents();
      const second = await invite('twice@example.test', 24);
      expect((await newEvents()).map((e) => [e.action, e.data.invitationId, e.data.reason ?? null])).toEqual([
        ['authn.invitation.revoked', first.invitation.id, 'replaced'],
        ['authn.invitation.created', second.invitation.id, null],
      ]);
      expect(await refusal(t.rt.enrollment.describeInvitation(tokenOf(first.link)))).toMatchObject({ code: 'invitation.invalid' });
      expect((await t.rt.enrollment.describeInvitation(tokenOf(second.link))).expiresAt).toBe(second.invitation.expiresAt);
      // Another organization's invitation to the same address is its own.
      const other = await t.rt.enrollment.inviteUser(admin, 'globex', { email: 'twice@example.test' });
      expect((await newEvents()).map((e) => e.action)).toEqual(['authn.invitation.created']);
      expect((await t.rt.enrollment.describeInvitation(tokenOf(other.link))).orgSlug).toBe('globex');
      expect((await t.rt.enrollment.describeInvitation(tokenOf(second.link))).orgSlug).toBe('acme');
    });

    it('refuses to invite a member, a malformed address, an unknown organization or a lifetime out of range, changing nothing and mailing nothing', async () => {
      const before = (await t.rt.mailer.listOutbox({ limit: 200 })).length;
      const cases: Array<[() => Promise<unknown>, number, string]> = [
        [() => invite('GRACE@example.test'), 409, 'invitation.already_member'],
        [() => invite('not-an-address'), 400, 'request.invalid'],
        [() => t.rt.enrollment.inviteUser(admin, 'nowhere', { email: 'x@example.test' }), 404, 'organization.not_found'],
        [() => invite('x@example.test', 0), 400, 'request.invalid'],
        [() => invite('x@example.test', 721), 400, 'request.invalid'],
        [() => invite('x@example.test', 1.5), 400, 'request.invalid'],
      ];
      for (const [call, status, code] of cases) expect(await expectNothingChanged(t.rt, () => refusal(call()))).toMatchObject({ status, code });
      expect((await t.rt.mailer.listOutbox({ limit: 200 })).length).toBe(before);
      // 720 hours (30 days) is the longest allowed.
      expect((await invite('x@example.test', 720)).invitation.expiresAt).toBe(new Date(clock.now().getTime() + 720 * 3_600_000).toISOString());
      await newEvents();
    });

    it('never lets an invitation set the password of an existing account: the owner accepts while signed in, as themself only', async () => {
      const bob = await t.rt.identity.createUser(admin, { email: 'bob@example.test', name: 'Bob' }, { orgRef: 'globex' });
      await t.rt.authn.setPassword(admin, bob.id, PASSWORD);
      const { invitation, link } = await invite('bob@example.test');
      const token = tokenOf(link);
      await newEvents();
      const err = await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.acceptInvitation(page, token, { name: 'Attacker', password: 'attacker-chosen-Passphrase-42' })));
      expect(err).toMatchObject({ status: 409, code: 'invitation.sign_in_required' });
      // Someone else, signed in, cannot use Bob's link.
      const grace = (await t.rt.identity.findUserByEmail('grace@example.test'))!;
      expect(await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.acceptInvitationAsUser(page, token, grace.id)))).toMatchObject({ status: 403, code: 'invitation.wrong_account' });
      const { membership, invitation: accepted } = await t.rt.enrollment.acceptInvitationAsUser(page, token, bob.id);
      expect(membership.userId).toBe(bob.id);
      expect(accepted).toMatchObject({ id: invitation.id, status: 'accepted', acceptedUserId: bob.id });
      // Bob was created by an administrator, so his email was verified already: no verification event.
      expect((await newEvents()).map((e) => e.action)).toEqual(['identity.membership.created', 'authn.invitation.accepted']);
      const login = await t.rt.authn.beginPasswordLogin(page, { email: 'bob@example.test', password: PASSWORD, orgRef: 'acme' });
      expect(login.mfaRequired).toBe(false);
      expect(await refusal(t.rt.enrollment.acceptInvitationAsUser(page, token, bob.id))).toMatchObject({ code: 'invitation.invalid' });
      await newEvents();
    });

    it('refuses junk, tokens of another kind and one-character changes as unknown links', async () => {
      const { link } = await invite('junk@example.test');
      const token = tokenOf(link);
      const changed = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
      for (const bad of ['', 'kl_invite_', 'junk', token.replace('kl_invite_', 'kl_reset_'), changed, token + 'A', `kl_invite_${'A'.repeat(43)}`, 42 as unknown as string]) {
        expect(await expectNothingChanged(t.rt, () => refusal(t.rt.enrollment.describeInvitation(bad)))).toMatchObject({ status: 410, code: 'invitation.invalid', message: expect.stringContaining('unknown') });
      }
      await newEvents();
    });

    it('lists invitations by status, page by page', async () => {
      const all = await t.rt.enrollment.listInvitations('acme', { limit: 200 });
      const statuses = all.items.map((i) => i.status);
      expect(new Set(statuses)).toEqual(new Set(['pending', 'accepted', 'revoked', 'expired']));
      for (const status of ['pending', 'accepted', 'revoked', 'expired'] as const) {
        const only = await t.rt.enrollment.listInvitations('acme', { status, limit: 200 });
        expect(only.items.map((i) => i.id)).toEqual(all.items.filter((i) => i.status === status).map((i) => i.id));
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page2 = await t.rt.enrollment.listInvitations('acme', { limit: 2, cursor });
        expect(page2.items.length).toBeLessThanOrEqual(2);
        seen.push(...page2.items.map((i) => i.id));
        cursor = page2.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(all.items.map((i) => i.id));
      expect(await refusal(t.rt.enrollment.listInvitations('acme', { limit: 2, cursor: Buffer.from('user:x').toString('base64url') }))).toMatchObject({ code: 'pagination.invalid_cursor' });
    });
  });
}
