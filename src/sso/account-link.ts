import { KeyledgerError } from '../platform/errors.ts';
import type { SsoConnectionRow } from '../platform/schema-sso.ts';
import type { CommandScope } from '../audit/command-runner.ts';
import type { IdentityService } from '../identity/service.ts';
import type { User } from '../identity/views.ts';
import type { FederatedIdentity } from './federated-identity.ts';
import { emailDomain } from './domains.ts';

/** The account a federated sign-in lands in, and whether it was created or linked just now. */
export interface LinkedAccount {
  user: User;
  provisioned: boolean;
  linkedNow: boolean;
}

/**
 * Finds or makes the account an IdP subject signs in to, inside the sign-in's
 * command:
 * - a subject linked before signs in to its account (an account suspended or
 *   deprovisioned stays out: SSO never reactivates anyone);
 * - a new subject needs an email address in a verified domain of the
 *   connection's organization (so nobody's IdP can claim another company's
 *   addresses); it is linked to the existing account with that address when
 *   that account belongs to this organization or to none, else refused
 *   (`sso.account_conflict`: an account elsewhere is never taken over);
 * - nobody known: an account is created just in time when the connection
 *   allows it (the IdP vouches for the address), else `sso.jit_disabled`.
 * Each link is `sso.identity.linked`; the display name follows the IdP.
 */
export function createAccountLinker(deps: { identity: IdentityService; newId: () => string }) {
  const { identity, newId } = deps;

  async function ensureMember(scope: CommandScope, conn: SsoConnectionRow, user: User): Promise<void> {
    if (await identity.isMember(conn.org_id, user.id, scope.trx)) return;
    if (conn.jit_provisioning !== 1) throw new KeyledgerError('sso.jit_disabled', 'the account is not a member of the organization and the connection does not provision members');
    const org = await identity.requireOrg(conn.org_id, scope.trx);
    await identity.addMemberInScope(scope, org, user);
  }

  function checkActive(user: User): void {
    if (user.status !== 'active') throw new KeyledgerError('sso.account_inactive', `the account is ${user.status}; single sign-on does not reactivate it`);
  }

  async function isVerifiedDomain(scope: CommandScope, orgId: string, email: string): Promise<boolean> {
    const domain = emailDomain(email);
    if (!domain) return false;
    const row = await scope.trx.selectFrom('sso_domains').select('id').where('org_id', '=', orgId).where('domain', '=', domain).where('verified_at', 'is not', null).executeTakeFirst();
    return row !== undefined;
  }

  return {
    async linkInScope(scope: CommandScope, conn: SsoConnectionRow, fid: FederatedIdentity): Promise<LinkedAccount> {
      const { trx, now, record } = scope;
      const time = now.toISOString();
      const link = await trx.selectFrom('sso_identities').selectAll().where('connection_id', '=', conn.id).where('subject', '=', fid.subject).executeTakeFirst();
      let result: LinkedAccount;
      if (link) {
        const user = await identity.requireUser(link.user_id, trx);
        checkActive(user);
        await ensureMember(scope, conn, user);
        await trx.updateTable('sso_identities').set({ last_login_at: time }).where('id', '=', link.id).execute();
        result = { user, provisioned: false, linkedNow: false };
      } else {
        if (!fid.email) throw new KeyledgerError('sso.identity_incomplete', 'the identity provider sent no email address for this person');
        if (!(await isVerifiedDomain(scope, conn.org_id, fid.email))) throw new KeyledgerError('sso.identity_outside_domains', `${fid.email} is not in a verified domain of the organization`);
        let user = await identity.findUserByEmail(fid.email, trx);
        let provisioned = false;
        if (user) {
          const other = await trx.selectFrom('sso_identities').select('id').where('connection_id', '=', conn.id).where('user_id', '=', user.id).executeTakeFirst();
          if (other) throw new KeyledgerError('sso.account_conflict', 'the account with this address is linked to another subject of this identity provider');
          const orgs = await identity.listOrganizationIdsOf(user.id, trx);
          if (orgs.some((o) => o !== conn.org_id)) throw new KeyledgerError('sso.account_conflict', 'an account with this address belongs to another organization; it is not taken over');
          checkActive(user);
          await ensureMember(scope, conn, user);
        } else {
          if (conn.jit_provisioning !== 1) throw new KeyledgerError('sso.jit_disabled', 'nobody has an account with this address and the connection does not provision accounts');
          const org = await identity.requireOrg(conn.org_id, trx);
          const name = fid.name ?? ([fid.givenName, fid.familyName].filter(Boolean).join(' ') || null);
          user = await identity.createUserInScope(scope, { email: fid.email, name }, { org, emailVerified: true });
          provisioned = true;
        }
        await trx.insertInto('sso_identities').values({ id: newId(), connection_id: conn.id, org_id: conn.org_id, subject: fid.subject, user_id: user.id, created_at: time, last_login_at: time }).execute();
        record({ action: 'sso.identity.linked', org: conn.org_id, targets: [{ type: 'user', id: user.id, display: user.email }, { type: 'sso_connection', id: conn.id, display: conn.name }], data: { connectionId: conn.id, subject: fid.subject, userId: user.id, email: fid.email, provisioned } });
        result = { user, provisioned, linkedNow: true };
      }
      const name = fid.name ?? ([fid.givenName, fid.familyName].filter(Boolean).join(' ') || null);
      if (name && name !== result.user.name && !result.provisioned) result.user = await identity.updateUserInScope(scope, result.user.id, { name });
      return result;
    },
  };
}

export type AccountLinker = ReturnType<typeof createAccountLinker>;
