import { KeyledgerError } from '../../platform/errors.ts';
import { digestsEqual, generateToken, hashToken } from '../../platform/ids.ts';
import { decodeCursor, encodeCursor } from '../../platform/pagination.ts';
import type { CommandContext } from '../../audit/event.ts';
import type { CommandScope } from '../../audit/command-runner.ts';
import type { InvitationRow } from '../../platform/schema.ts';
import { checkEmailAddress } from '../../identity/service.ts';
import type { Membership, Organization, User } from '../../identity/views.ts';
import type { Session } from '../../sessions/session.ts';
import { ACR_PASSWORD } from '../acr.ts';
import type { EnrollmentDeps } from './service.ts';
import { checkDisplayName, checkExpiresInHours, checkPasswordInput } from './enrollment-checks.ts';
import { buildLink, linkTokenDigest, LINK_KINDS } from './links.ts';
import { invitationMail } from './mail-messages.ts';
import { invitationStatus, toInvitation, type InvitationDescription, type InvitationView } from './views.ts';
import * as repo from './repository.ts';

function invitationTargets(row: Pick<InvitationRow, 'id' | 'email'>, org: Pick<Organization, 'id' | 'slug'>) {
  return [
    { type: 'invitation', id: row.id, display: row.email },
    { type: 'organization', id: org.id, display: org.slug },
  ];
}

function invalidInvitation(why: string): KeyledgerError {
  return new KeyledgerError('invitation.invalid', `this invitation cannot be used (${why}); ask for a new invitation`);
}

/** Invitations: issued by administrators, mailed as one-time links, accepted on the sign-up page. */
export function createInvitationCommands(deps: EnrollmentDeps) {
  const { db, runner, clock, newId, identity, authn, mail, publicUrl } = deps;

  /** The invitation a link points at, if it can be accepted at `now`; throws `invitation.invalid` otherwise (saying why). */
  async function loadPendingInvitation(reader: typeof db | CommandScope['trx'], token: unknown, now: Date): Promise<{ row: InvitationRow; digest: string }> {
    const digest = linkTokenDigest('invitation', token);
    const row = digest ? await repo.findInvitationByTokenHash(reader, digest) : undefined;
    if (!row || !digest || !digestsEqual(row.token_hash, digest)) throw invalidInvitation('unknown link');
    const status = invitationStatus(row, now);
    if (status !== 'pending') throw invalidInvitation(`${status}`);
    return { row, digest };
  }

  /** Refuses when the address already has an account: an invitation must never set the password of an existing account. */
  async function checkNoAccount(email: string, reader: typeof db | CommandScope['trx']): Promise<void> {
    if (await identity.findUserByEmail(email, reader)) {
      throw new KeyledgerError('invitation.sign_in_required', `an account for ${email} already exists: sign in to it, then accept the invitation while signed in`);
    }
  }

  return {
    /**
     * Invites `email` to the organization: a pending invitation to the same
     * address there is revoked (replaced), a new link is issued and mailed
     * after the command commits. The link is in the result, once. Throws
     * `organization.not_found`, `invitation.already_member`, `request.invalid`,
     * and `mail.delivery_failed` (the invitation then exists but its link was
     * never shown to anyone: inviting again replaces it).
     */
    async inviteUser(ctx: CommandContext, orgRef: string, input: { email: string; expiresInHours?: number }): Promise<{ invitation: InvitationView; link: string }> {
      const email = checkEmailAddress(input.email);
      const hours = checkExpiresInHours(input.expiresInHours);
      const token = generateToken(LINK_KINDS.invitation.tokenKind);
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        const existing = await identity.findUserByEmail(email, trx);
        if (existing && (await identity.isMember(org.id, existing.id, trx))) throw new KeyledgerError('invitation.already_member', `${email} is already a member of "${org.slug}"`);
        const time = now.toISOString();
        // One live link per address and organization: an older one would stay usable after the admin re-sent it.
        for (const old of await repo.listPendingInvitationsByOrgIdAndEmail(trx, org.id, email, time)) {
          await repo.revokePendingInvitation(trx, old.id, time);
          record({ action: 'authn.invitation.revoked', org: org.id, targets: invitationTargets(old, org), data: { invitationId: old.id, email, reason: 'replaced' } });
        }
        const row: InvitationRow = {
          id: newId(),
          org_id: org.id,
          email,
          token_hash: hashToken(token),
          invited_by_type: ctx.actor.type,
          invited_by_id: ctx.actor.id,
          created_at: time,
          expires_at: new Date(now.getTime() + hours * 3_600_000).toISOString(),
          accepted_at: null,
          accepted_user_id: null,
          revoked_at: null,
        };
        await repo.insertInvitation(trx, row);
        record({ action: 'authn.invitation.created', org: org.id, targets: invitationTargets(row, org), data: { invitationId: row.id, email, expiresAt: row.expires_at } });
        return { row, org, now };
      });
      const link = buildLink(publicUrl, 'invitation', token);
      await mail.send(invitationMail({ to: email, orgName: result.org.name, link, expiresAt: result.row.expires_at }));
      return { invitation: toInvitation(result.row, result.now), link };
    },

    /** An organization's invitations, oldest first, optionally in one status. Throws `organization.not_found`, `pagination.invalid_cursor`. */
    async listInvitations(orgRef: string, options: { status?: repo.InvitationStatus; limit: number; cursor?: string }): Promise<{ items: InvitationView[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      const now = clock.now();
      const afterId = options.cursor ? decodeCursor(options.cursor, 'invitation') : undefined;
      const rows = await repo.listInvitationsByOrgId(db, org.id, { status: options.status, time: now.toISOString(), afterId }, options.limit + 1);
      const kept = rows.slice(0, options.limit);
      return { items: kept.map((r) => toInvitation(r, now)), nextCursor: rows.length > options.limit ? encodeCursor('invitation', kept[kept.length - 1].id) : null };
    },

    /** Withdraws a pending invitation; its link stops working at once. Throws `organization.not_found`, `invitation.not_found`, `invitation.not_pending`. */
    async revokeInvitation(ctx: CommandContext, orgRef: string, invitationId: string): Promise<InvitationView> {
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        const row = await repo.findInvitationByIdAndOrgId(trx, invitationId, org.id);
        if (!row) throw new KeyledgerError('invitation.not_found', `no invitation "${invitationId}" in "${org.slug}"`);
        const time = now.toISOString();
        // Accepted, revoked or expired: nothing left to withdraw, and a second event would misstate when the link died.
        if (!(await repo.revokePendingInvitation(trx, row.id, time))) throw new KeyledgerError('invitation.not_pending', `invitation "${invitationId}" is ${invitationStatus(row, now)}, not pending`);
        record({ action: 'authn.invitation.revoked', org: org.id, targets: invitationTargets(row, org), data: { invitationId: row.id, email: row.email, reason: 'revoked' } });
        return toInvitation({ ...row, revoked_at: time }, now);
      });
      return result;
    },

    /** What the sign-up page shows for an invitation link. Throws `invitation.invalid` (410) when it is unknown, expired, used or revoked. */
    async describeInvitation(token: string): Promise<InvitationDescription> {
      const { row } = await loadPendingInvitation(db, token, clock.now());
      const org = await identity.requireOrg(row.org_id);
      return { orgName: org.name, orgSlug: org.slug, email: row.email, expiresAt: row.expires_at };
    },

    /**
     * Accepts an invitation with a new account: checks the password against
     * the organization's policy first (a refused password changes nothing),
     * then in one command creates the user (email verified: the link proved
     * it), sets the password, adds the membership, marks the invitation
     * accepted and signs in (amr ["pwd"]). Throws `invitation.invalid`,
     * `invitation.sign_in_required` (the address has an account: sign in and
     * use `acceptInvitationAsUser`), `request.invalid`, `authn.password_*`.
     */
    async acceptInvitation(ctx: CommandContext, token: string, input: { name: string; password: string }): Promise<{ user: User; session: Session; sessionToken: string }> {
      const { row } = await loadPendingInvitation(db, token, clock.now());
      const name = checkDisplayName(input.name);
      const password = checkPasswordInput(input.password);
      await checkNoAccount(row.email, db);
      const org = await identity.requireOrg(row.org_id);
      const prepared = await authn.preparePasswordForNewUser({ email: row.email, name }, org, password);
      const { result } = await runner.run(ctx, async (scope) => {
        // Checked again in the transaction: the invitation may have been used, revoked or expired, or the account created, meanwhile.
        const { row: current } = await loadPendingInvitation(scope.trx, token, scope.now);
        await checkNoAccount(current.email, scope.trx);
        const orgNow = await identity.requireOrg(current.org_id, scope.trx);
        const user = await identity.createUserInScope(scope, { email: current.email, name }, { org: orgNow, emailVerified: true });
        await authn.storePasswordInScope(scope, user, prepared);
        if (!(await repo.acceptPendingInvitation(scope.trx, current.id, user.id, scope.now.toISOString()))) throw invalidInvitation('no longer pending');
        scope.record({ action: 'authn.invitation.accepted', org: orgNow.id, targets: [...invitationTargets(current, orgNow), { type: 'user', id: user.id, display: user.email }], data: { invitationId: current.id, userId: user.id, email: user.email, newAccount: true } });
        const { session, sessionToken } = await authn.openSessionInScope(scope, ctx, user, orgNow, ['pwd'], ACR_PASSWORD);
        return { user, session, sessionToken };
      });
      return result;
    },

    /**
     * Accepts an invitation for the signed-in user `userId`, whose email must
     * be the invited one: adds the membership and marks the invitation
     * accepted (and the email verified, if it was not). Throws
     * `invitation.invalid`, `invitation.wrong_account` (403),
     * `invitation.already_member`, `user.not_found`, `user.inactive`.
     */
    async acceptInvitationAsUser(ctx: CommandContext, token: string, userId: string): Promise<{ membership: Membership; invitation: InvitationView }> {
      const { result } = await runner.run(ctx, async (scope) => {
        const { row } = await loadPendingInvitation(scope.trx, token, scope.now);
        const user = await identity.requireUser(userId, scope.trx);
        if (user.status !== 'active') throw new KeyledgerError('user.inactive', `user "${userId}" is ${user.status}`);
        // A forwarded link must not let another account into the organization.
        if (user.email !== row.email) throw new KeyledgerError('invitation.wrong_account', 'this invitation was sent to another email address; sign in with the invited address');
        const org = await identity.requireOrg(row.org_id, scope.trx);
        if (await identity.isMember(org.id, user.id, scope.trx)) throw new KeyledgerError('invitation.already_member', `${user.email} is already a member of "${org.slug}"`);
        const membership = await identity.addMemberInScope(scope, org, user);
        await identity.markEmailVerifiedInScope(scope, user, 'invitation');
        const time = scope.now.toISOString();
        if (!(await repo.acceptPendingInvitation(scope.trx, row.id, user.id, time))) throw invalidInvitation('no longer pending');
        scope.record({ action: 'authn.invitation.accepted', org: org.id, targets: [...invitationTargets(row, org), { type: 'user', id: user.id, display: user.email }], data: { invitationId: row.id, userId: user.id, email: user.email, newAccount: false } });
        return { membership, invitation: toInvitation({ ...row, accepted_at: time, accepted_user_id: user.id }, scope.now) };
      });
      return result;
    },
  };
}
