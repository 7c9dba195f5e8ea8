import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import type { ServiceAccountRow, UserRow } from '../platform/schema.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import type { AccessService } from '../access/service.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';
import { diffFields } from '../identity/views.ts';
import * as repo from './repository.ts';
import { credentialState, readCredentialPolicy } from './credential-policy.ts';
import { toServiceAccount, type PrincipalRevocation, type ServiceAccount } from './views.ts';

export type PrincipalRevocationHook = (scope: CommandScope, revocation: PrincipalRevocation) => Promise<void>;

export interface AccountDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  identity: IdentityService;
  access: AccessService;
  revocationHooks: PrincipalRevocationHook[];
}

export interface ServiceAccountPatch {
  name?: string;
  description?: string;
  ownerUserId?: string;
  status?: 'active' | 'disabled';
}

type Page = { limit: number; cursor?: string };

/** Loads an account of an organization; throws `service_account.not_found`. */
export async function requireServiceAccount(reader: Db | CommandScope['trx'], org: { id: string; slug: string }, id: string): Promise<ServiceAccountRow> {
  const row = await repo.findServiceAccountInOrg(reader, org.id, id);
  if (!row) throw new KeyledgerError('service_account.not_found', `no service account "${id}" in "${org.slug}"`);
  return row;
}

/** A deleted account is kept for the record only: nothing about it changes again. */
export function checkNotDeleted(row: ServiceAccountRow): void {
  if (row.status === 'deleted') throw new KeyledgerError('service_account.deleted', `service account "${row.id}" was deleted at ${row.deleted_at}; it cannot be changed`);
}

/**
 * Service accounts as principals: each with exactly one owner (an active
 * member of its organization), disabled and enabled through PATCH, deleted
 * for good (the row stays, its credentials are revoked, its roles end).
 */
export function createAccountCommands(deps: AccountDeps) {
  const { db, runner, newId, identity, access, revocationHooks } = deps;

  async function checkOwner(trx: CommandScope['trx'], orgId: string, ownerUserId: string | null | undefined): Promise<void> {
    // Exactly one owner: an account nobody answers for is what this control exists to prevent.
    if (!ownerUserId) throw new KeyledgerError('service_account.owner_invalid', 'a service account needs an owner (ownerUserId), an active member of the organization');
    let owner: { status: UserRow['status'] } | undefined;
    try {
      owner = await identity.requireUser(ownerUserId, trx);
    } catch {
      owner = undefined;
    }
    if (!owner || owner.status !== 'active' || !(await identity.isMember(orgId, ownerUserId, trx))) {
      throw new KeyledgerError('service_account.owner_invalid', `owner "${ownerUserId}" is not an active member of the organization`);
    }
  }

  async function runRevocationHooks(scope: CommandScope, revocation: PrincipalRevocation): Promise<void> {
    for (const hook of revocationHooks) await hook(scope, revocation);
  }

  /** Ids of the account's credentials that work at the command's time (the account's status aside). */
  async function workingCredentialIds(scope: CommandScope, row: ServiceAccountRow, settings: Record<string, unknown>): Promise<string[]> {
    const policy = readCredentialPolicy(settings);
    return (await repo.listUnrevokedCredentials(scope.trx, row.id)).filter((c) => credentialState(c, policy, scope.now) === 'active').map((c) => c.id);
  }

  /** Takes the owner away from accounts (the owner left or was deactivated), recording each; the accounts keep working. */
  async function removeOwner(scope: CommandScope, rows: ServiceAccountRow[], reason: string): Promise<void> {
    const time = scope.now.toISOString();
    for (const row of rows) {
      await scope.trx.updateTable('service_accounts').set({ owner_user_id: null, owner_missing_since: time, updated_at: time }).where('id', '=', row.id).execute();
      scope.record({
        action: 'identity.service_account.owner_removed',
        org: row.org_id,
        targets: [{ type: 'service_account', id: row.id, display: row.name }, { type: 'user', id: row.owner_user_id! }],
        data: { ownerUserId: row.owner_user_id, reason },
      });
    }
  }

  return {
    /** Creates an account owned by `ownerUserId`. Throws `organization.not_found`, `service_account.owner_invalid`. */
    async createServiceAccount(ctx: CommandContext, orgRef: string, input: { name: string; description: string; ownerUserId: string }): Promise<ServiceAccount> {
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        await checkOwner(trx, org.id, input.ownerUserId);
        const time = now.toISOString();
        const row: ServiceAccountRow = { id: newId(), org_id: org.id, name: input.name, description: input.description, owner_user_id: input.ownerUserId, status: 'active', created_at: time, updated_at: time, deleted_at: null, owner_missing_since: null };
        await trx.insertInto('service_accounts').values(row).execute();
        record({ action: 'identity.service_account.created', org: org.id, targets: [{ type: 'service_account', id: row.id, display: row.name }], data: { name: row.name, description: row.description, ownerUserId: row.owner_user_id } });
        return toServiceAccount(row);
      });
      return result;
    },

    /**
     * Renames, describes, reassigns or disables/enables an account, one ledger event per
     * kind of change. Throws `service_account.not_found`, `service_account.deleted`, `service_account.owner_invalid`.
     */
    async updateServiceAccount(ctx: CommandContext, orgRef: string, id: string, patch: ServiceAccountPatch): Promise<ServiceAccount> {
      const { result } = await runner.run(ctx, async (scope) => {
        const { trx, now, record } = scope;
        const org = await identity.requireOrg(orgRef, trx);
        const row = await requireServiceAccount(trx, org, id);
        checkNotDeleted(row);
        const ownerChanges = patch.ownerUserId !== undefined && patch.ownerUserId !== row.owner_user_id;
        if (patch.ownerUserId !== undefined && (ownerChanges || !patch.ownerUserId)) await checkOwner(trx, org.id, patch.ownerUserId);
        const time = now.toISOString();
        const after: ServiceAccountRow = {
          ...row,
          name: patch.name ?? row.name,
          description: patch.description ?? row.description,
          owner_user_id: ownerChanges ? patch.ownerUserId! : row.owner_user_id,
          owner_missing_since: ownerChanges ? null : row.owner_missing_since,
          status: patch.status ?? row.status,
          updated_at: time,
        };
        await trx
          .updateTable('service_accounts')
          .set({ name: after.name, description: after.description, owner_user_id: after.owner_user_id, owner_missing_since: after.owner_missing_since, status: after.status, updated_at: time })
          .where('id', '=', id)
          .execute();
        const target = { type: 'service_account', id, display: after.name };
        const described = diffFields({ name: row.name, description: row.description }, { name: after.name, description: after.description });
        let recorded = false;
        if (Object.keys(described.after).length > 0) {
          record({ action: 'identity.service_account.updated', org: org.id, targets: [target], data: described });
          recorded = true;
        }
        if (ownerChanges) {
          record({ action: 'identity.service_account.owner_changed', org: org.id, targets: [target, { type: 'user', id: after.owner_user_id! }], data: { fromUserId: row.owner_user_id, toUserId: after.owner_user_id } });
          recorded = true;
        }
        if (after.status !== row.status) {
          const credentials = await workingCredentialIds(scope, row, org.settings);
          record({ action: after.status === 'disabled' ? 'identity.service_account.disabled' : 'identity.service_account.enabled', org: org.id, targets: [target], data: { credentials } });
          if (after.status === 'disabled') await runRevocationHooks(scope, { serviceAccountId: id, reason: 'account_disabled', effectiveAt: time });
          recorded = true;
        }
        // A PATCH that changes nothing still leaves its trace (as user and role updates do).
        if (!recorded) record({ action: 'identity.service_account.updated', org: org.id, targets: [target], data: described });
        return toServiceAccount(after);
      });
      return result;
    },

    /**
     * Deletes an account for good in one command: its credentials are revoked, its role
     * assignments end, and the row stays with status `deleted` for the audit trail.
     * Throws `service_account.not_found`, `service_account.deleted`.
     */
    async deleteServiceAccount(ctx: CommandContext, orgRef: string, id: string): Promise<ServiceAccount> {
      const { result } = await runner.run(ctx, async (scope) => {
        const { trx, now, record } = scope;
        const org = await identity.requireOrg(orgRef, trx);
        const row = await requireServiceAccount(trx, org, id);
        checkNotDeleted(row);
        await repo.lockServiceAccount(trx, id);
        const time = now.toISOString();
        const target = { type: 'service_account', id, display: row.name };
        const revoked = await repo.listUnrevokedCredentials(trx, id);
        for (const c of revoked) {
          await repo.revokeCredentialRow(trx, c.id, time, 'service account deleted');
          record({ action: 'identity.service_account.credential_revoked', org: org.id, targets: [target, { type: 'service_account_credential', id: c.id }], data: { credentialId: c.id, kind: c.kind, reason: 'service account deleted' } });
        }
        const ended = await access.endAssignmentsOf(scope, org.id, 'service_account', id, 'service account deleted');
        const after: ServiceAccountRow = { ...row, status: 'deleted', deleted_at: time, updated_at: time };
        await trx.updateTable('service_accounts').set({ status: 'deleted', deleted_at: time, updated_at: time }).where('id', '=', id).execute();
        record({ action: 'identity.service_account.deleted', org: org.id, targets: [target], data: { name: row.name, revokedCredentials: revoked.map((c) => c.id), endedAssignments: ended } });
        await runRevocationHooks(scope, { serviceAccountId: id, reason: 'account_deleted', effectiveAt: time });
        return toServiceAccount(after);
      });
      return result;
    },

    async getServiceAccount(orgRef: string, id: string): Promise<ServiceAccount> {
      const org = await identity.requireOrg(orgRef);
      return toServiceAccount(await requireServiceAccount(db, org, id));
    },

    /** Every account of an organization, deleted ones included (they stay for the record), by id. */
    async listServiceAccounts(orgRef: string, p: Page): Promise<{ items: ServiceAccount[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      let q = db.selectFrom('service_accounts').selectAll().where('org_id', '=', org.id).orderBy('id').limit(p.limit + 1);
      if (p.cursor) q = q.where('id', '>', decodeCursor(p.cursor, 'service_account'));
      const rows = await q.execute();
      const items = rows.slice(0, p.limit).map(toServiceAccount);
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('service_account', items[items.length - 1].id) : null };
    },

    /** Membership-removal hook: the leaver's accounts in that organization lose their owner (a finding), and keep working. */
    async onMembershipRemoved(scope: CommandScope, orgId: string, userId: string): Promise<string[]> {
      await removeOwner(scope, await repo.findOwnedServiceAccounts(scope.trx, userId, orgId), 'membership ended');
      return [];
    },

    /** User-deactivation hook: the user's accounts in every organization lose their owner. */
    async onUserDeactivated(scope: CommandScope, userId: string, status: Exclude<UserRow['status'], 'active'>): Promise<void> {
      await removeOwner(scope, await repo.findOwnedServiceAccounts(scope.trx, userId), `user ${status}`);
    },
  };
}
