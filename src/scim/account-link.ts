import type { CommandScope } from '../audit/command-runner.ts';
import type { IdentityService, UserPatch } from '../identity/service.ts';
import { checkEmailAddress } from '../identity/service.ts';
import type { User } from '../identity/views.ts';
import type { ScimDirectoryRow, ScimUserRow } from '../platform/schema-directory.ts';
import type { UserRecord } from './user-record.ts';
import type { LifecycleService } from '../lifecycle/service.ts';

/** The part of `src/lifecycle` the SCIM server drives: deprovisioning and reactivation inside its request's transaction. */
export type ScimLifecycle = Pick<LifecycleService, 'deprovisionInScope' | 'reactivateInScope'>;

/** The facts of a directory record that the Keyledger account mirrors. */
export interface AccountFacts {
  email: string | null;
  name: string | null;
  title: string | null;
  department: string | null;
  employeeNumber: string | null;
  /** The directory id of the manager's record (enterprise `manager.value`). */
  managerRef: string | null;
  active: boolean;
}

function asEmail(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    return checkEmailAddress(value.trim());
  } catch {
    return null;
  }
}

/**
 * The sign-in address of a directory record: the primary email, else the
 * work email, else `userName` when it is an address, else the first email.
 */
export function accountFacts(record: UserRecord): AccountFacts {
  const emails = record.emails ?? [];
  const email =
    asEmail(emails.find((e) => e.primary)?.value) ??
    asEmail(emails.find((e) => e.type?.toLowerCase() === 'work')?.value) ??
    asEmail(record.userName) ??
    emails.map((e) => asEmail(e.value)).find((e) => e !== null) ??
    null;
  const given = [record.name?.givenName, record.name?.familyName].filter(Boolean).join(' ');
  const name = record.displayName || record.name?.formatted || given || null;
  const ent = record.enterprise;
  return {
    email,
    name,
    title: record.title ?? null,
    department: ent?.department ?? null,
    employeeNumber: ent?.employeeNumber ?? null,
    managerRef: ent?.manager?.value ?? null,
    active: record.active,
  };
}

export type LinkOutcome = { userId: string | null; conflict: null | 'no_email' | 'email_in_use_by_directory_user' | 'account_outside_organization' };

/**
 * Keeps a directory record's Keyledger account in step with it, inside the
 * SCIM request's command:
 * - an active record without an account gets one: the existing account with
 *   its address when that account is no other directory record's and belongs
 *   to no other organization, else a new one (the identity provider vouches
 *   for the address); when neither is possible the record stays unlinked
 *   (`scim.user.link_conflict`) and grants nothing;
 * - a linked account follows the record's name, title, department, employee
 *   number and manager (a department, title or manager change is also
 *   `lifecycle.user.moved`, recorded by the identity service), and its address when the new one is free;
 * - `active` turning false deprovisions the account (`src/lifecycle`), and
 *   turning true again reactivates it.
 */
export function createAccountLink(deps: { identity: IdentityService; lifecycle: ScimLifecycle }) {
  const { identity, lifecycle } = deps;

  async function managerUserId(scope: CommandScope, dir: ScimDirectoryRow, ref: string | null): Promise<string | null> {
    if (!ref) return null;
    const row = await scope.trx.selectFrom('scim_users').select('user_id').where('directory_id', '=', dir.id).where('id', '=', ref).executeTakeFirst();
    return row?.user_id ?? null;
  }

  async function findLinkable(scope: CommandScope, dir: ScimDirectoryRow, recordId: string, email: string): Promise<{ user?: User; conflict: LinkOutcome['conflict'] }> {
    const user = await identity.findUserByEmail(email, scope.trx);
    if (!user) return { conflict: null };
    const other = await scope.trx.selectFrom('scim_users').select('id').where('user_id', '=', user.id).where('id', '!=', recordId).executeTakeFirst();
    if (other) return { conflict: 'email_in_use_by_directory_user' };
    // Only an account this organization already holds, and no other, may be taken over: linking an account
    // by its address alone would hand another organization's (or an unattached) account to this directory.
    const orgs = await scope.trx.selectFrom('memberships').select('org_id').where('user_id', '=', user.id).execute();
    if (orgs.length !== 1 || orgs[0].org_id !== dir.org_id) return { conflict: 'account_outside_organization' };
    return { user, conflict: null };
  }

  async function link(scope: CommandScope, dir: ScimDirectoryRow, row: ScimUserRow, facts: AccountFacts): Promise<LinkOutcome> {
    const target = [{ type: 'scim_user', id: row.id, display: row.user_name }];
    const conflictOf = async (conflict: Exclude<LinkOutcome['conflict'], null>): Promise<LinkOutcome> => {
      scope.record({ action: 'scim.user.link_conflict', org: dir.org_id, targets: target, data: { directoryId: dir.id, userName: row.user_name, email: facts.email, conflict } });
      return { userId: null, conflict };
    };
    if (!facts.email) return conflictOf('no_email');
    const found = await findLinkable(scope, dir, row.id, facts.email);
    if (found.conflict) return conflictOf(found.conflict);
    const org = await identity.requireOrg(dir.org_id, scope.trx);
    const managerId = await managerUserId(scope, dir, facts.managerRef);
    let user = found.user;
    if (!user) {
      user = await identity.createUserInScope(scope, { email: facts.email, name: facts.name, title: facts.title, department: facts.department, employeeNumber: facts.employeeNumber, managerId }, { org, emailVerified: true });
    } else {
      if (user.status === 'deprovisioned') await lifecycle.reactivateInScope(scope, { orgId: org.id, userId: user.id, source: 'scim', reason: `provisioned again by directory ${dir.name}` });
    }
    await scope.trx.updateTable('scim_users').set({ user_id: user.id }).where('id', '=', row.id).execute();
    scope.record({ action: 'scim.user.linked', org: dir.org_id, targets: [...target, { type: 'user', id: user.id, display: user.email }], data: { directoryId: dir.id, userId: user.id, email: user.email, existing: found.user !== undefined } });
    return { userId: user.id, conflict: null };
  }

  /**
   * The linked account left the organization (an administrator removed the membership, which ended its access
   * there): the record lets go of it rather than change or deprovision an account that may now serve elsewhere.
   */
  async function unlinkOutsider(scope: CommandScope, dir: ScimDirectoryRow, row: ScimUserRow, facts: AccountFacts): Promise<LinkOutcome> {
    await scope.trx.updateTable('scim_users').set({ user_id: null }).where('id', '=', row.id).execute();
    scope.record({
      action: 'scim.user.link_conflict',
      org: dir.org_id,
      targets: [{ type: 'scim_user', id: row.id, display: row.user_name }, { type: 'user', id: row.user_id! }],
      data: { directoryId: dir.id, userName: row.user_name, email: facts.email, conflict: 'account_outside_organization' },
    });
    return { userId: null, conflict: 'account_outside_organization' };
  }

  async function sync(scope: CommandScope, dir: ScimDirectoryRow, row: ScimUserRow, facts: AccountFacts): Promise<void> {
    const user = await identity.requireUser(row.user_id!, scope.trx);
    const managerId = await managerUserId(scope, dir, facts.managerRef);
    const patch: UserPatch = {};
    if (facts.name !== user.name) patch.name = facts.name;
    if (facts.title !== user.title) patch.title = facts.title;
    if (facts.department !== user.department) patch.department = facts.department;
    if (facts.employeeNumber !== user.employeeNumber) patch.employeeNumber = facts.employeeNumber;
    if (managerId !== user.managerId && managerId !== user.id) patch.managerId = managerId;
    if (facts.email && facts.email !== user.email && !(await identity.findUserByEmail(facts.email, scope.trx))) patch.email = facts.email;
    if (Object.keys(patch).length > 0) {
      // A change of department, title or manager is recorded as `lifecycle.user.moved` by the identity service.
      await identity.updateUserInScope(scope, user.id, patch, { source: 'scim', orgId: dir.org_id });
    }
  }

  return {
    /**
     * Brings the account in line with the record after a create or change;
     * `wasActive` is the record's `active` before the request (null for a new record).
     */
    async reconcile(scope: CommandScope, dir: ScimDirectoryRow, row: ScimUserRow, record: UserRecord, wasActive: boolean | null): Promise<LinkOutcome> {
      const facts = accountFacts(record);
      if (!row.user_id) {
        // An inactive record gets no account: nothing to sign in with, nothing to grant.
        if (!facts.active) return { userId: null, conflict: null };
        return link(scope, dir, row, facts);
      }
      if (!(await identity.isMember(dir.org_id, row.user_id, scope.trx))) return unlinkOutsider(scope, dir, row, facts);
      await sync(scope, dir, row, facts);
      const user = await identity.requireUser(row.user_id, scope.trx);
      if (!facts.active) {
        if (user.status !== 'deprovisioned') await lifecycle.deprovisionInScope(scope, { orgId: dir.org_id, userId: user.id, source: 'scim', sourceRef: row.id, terminatedAt: null, reason: `deactivated by directory ${dir.name}` });
      } else if (wasActive === false && user.status === 'deprovisioned') {
        // Only the record turning active again reactivates: an unrelated update from a directory that has not
        // yet heard of an HR termination must not undo it.
        await lifecycle.reactivateInScope(scope, { orgId: dir.org_id, userId: user.id, source: 'scim', reason: `reactivated by directory ${dir.name}` });
      }
      return { userId: row.user_id, conflict: null };
    },

    /** A record deleted from the directory: its account is deprovisioned (and stays, for the audit trail). */
    async removed(scope: CommandScope, dir: ScimDirectoryRow, row: ScimUserRow): Promise<void> {
      // An account an administrator took out of the organization is no longer the directory's to deprovision.
      if (!row.user_id || !(await identity.isMember(dir.org_id, row.user_id, scope.trx))) return;
      const user = await identity.requireUser(row.user_id, scope.trx);
      if (user.status !== 'deprovisioned') await lifecycle.deprovisionInScope(scope, { orgId: dir.org_id, userId: user.id, source: 'scim', sourceRef: row.id, terminatedAt: null, reason: `deleted from directory ${dir.name}` });
    },
  };
}

export type AccountLink = ReturnType<typeof createAccountLink>;
