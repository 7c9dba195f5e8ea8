import { sql } from 'kysely';
import { dialectOf, type Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import type { RoleEligibilityRow } from '../platform/schema-elevation.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';
import type { AccessService } from './service.ts';

/** Who may activate which role just in time, as the APIs show it. */
export interface Eligibility {
  id: string;
  orgId: string;
  roleId: string;
  principal: { type: 'user'; id: string };
  grantedBy: { type: string; id: string };
  approvalRef: string | null;
  reason: string | null;
  createdAt: string;
  expiresAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  /** Not ended and not past its expiry at the time of reading: the user may activate the role. */
  active: boolean;
}

export interface EligibilityInput {
  /** Role id or key. */
  role: string;
  /** The user who may activate it. */
  principalId: string;
  reason?: string | null;
  approvalRef?: string | null;
  expiresAt?: string | null;
}

type Page = { limit: number; cursor?: string };

export function toEligibility(row: RoleEligibilityRow, now: Date): Eligibility {
  return {
    id: row.id,
    orgId: row.org_id,
    roleId: row.role_id,
    principal: { type: row.principal_type, id: row.principal_id },
    grantedBy: { type: row.granted_by_type, id: row.granted_by_id },
    approvalRef: row.approval_ref,
    reason: row.reason,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
    endReason: row.end_reason,
    active: isOpen(row, now),
  };
}

/** An eligibility the user may activate at `now`: not ended, not past its expiry. */
export function isOpen(row: Pick<RoleEligibilityRow, 'ended_at' | 'expires_at'>, now: Date): boolean {
  return row.ended_at === null && (row.expires_at === null || row.expires_at > now.toISOString());
}

/**
 * Role eligibilities: an administrator (or an approved request) makes a user
 * eligible for a role; the user then activates it for a bounded time
 * (`elevation.ts`). An eligibility ends when revoked, at its expiry (the expiry
 * job closes it), or when its user leaves the organization or is deprovisioned.
 */
export function createEligibilityService(deps: { db: Db; runner: CommandRunner; clock: Clock; newId: () => string; identity: IdentityService; access: AccessService }) {
  const { db, runner, clock, newId, identity, access } = deps;

  /** Takes the eligibility's row lock on PostgreSQL, so two commands on one eligibility (activate twice, activate and revoke) run one after the other. */
  async function lockEligibility(scope: CommandScope, id: string): Promise<void> {
    if (dialectOf(scope.trx as unknown as Db) === 'postgres') await sql`select id from role_eligibilities where id = ${id} for update`.execute(scope.trx);
  }

  /** Ends open eligibilities now, recording `access.eligibility.revoked` for each; any activation running from one ends with it. */
  async function endRows(scope: CommandScope, rows: RoleEligibilityRow[], reason: string): Promise<string[]> {
    const ended: string[] = [];
    for (const row of rows) {
      await lockEligibility(scope, row.id);
      // Only a still-open eligibility is ended; one closed meanwhile keeps its end.
      const r = await scope.trx.updateTable('role_eligibilities').set({ ended_at: scope.now.toISOString(), end_reason: reason }).where('id', '=', row.id).where('ended_at', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) continue;
      const role = await scope.trx.selectFrom('roles').select('key').where('id', '=', row.role_id).executeTakeFirstOrThrow();
      scope.record({
        action: 'access.eligibility.revoked',
        org: row.org_id,
        targets: [{ type: 'user', id: row.principal_id }, { type: 'role_eligibility', id: row.id }, { type: 'role', id: row.role_id, display: role.key }],
        data: { eligibilityId: row.id, roleId: row.role_id, roleKey: role.key, principalId: row.principal_id, reason },
      });
      const running = await scope.trx
        .selectFrom('role_assignments')
        .select('id')
        .where('eligibility_id', '=', row.id)
        .where('ended_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', scope.now.toISOString())]))
        .execute();
      for (const a of running) await access.endAssignmentInScope(scope, a.id, `eligibility ended: ${reason}`);
      ended.push(row.id);
    }
    return ended;
  }

  async function requireEligibility(reader: Db | CommandScope['trx'], orgId: string, id: string): Promise<RoleEligibilityRow> {
    const row = await reader.selectFrom('role_eligibilities').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new KeyledgerError('eligibility.not_found', `no role eligibility "${id}" in this organization`);
    return row;
  }

  /**
   * Makes a user eligible for a role inside a running command, recording `access.eligibility.granted`
   * with `grantedBy` as the granter (an administrator, or the approver of an access request of kind
   * `eligibility`). Throws `role.not_found`, `eligibility.principal_invalid`, `eligibility.expiry_invalid`,
   * `eligibility.exists`.
   */
  async function grantEligibilityInScope(scope: CommandScope, grantedBy: { type: string; id: string }, orgId: string, input: EligibilityInput): Promise<Eligibility> {
    const { trx, now, record } = scope;
    const role = await access.requireRoleInScope(trx, orgId, input.role);
    const user = await trx.selectFrom('users').select(['email', 'status']).where('id', '=', input.principalId).executeTakeFirst();
    if (!user || user.status !== 'active' || !(await identity.isMember(orgId, input.principalId, trx))) {
      throw new KeyledgerError('eligibility.principal_invalid', `user "${input.principalId}" is not an active member of this organization`);
    }
    if (input.expiresAt && Date.parse(input.expiresAt) <= now.getTime()) {
      throw new KeyledgerError('eligibility.expiry_invalid', `expiresAt ${input.expiresAt} is not after ${now.toISOString()}`);
    }
    const open = (await trx.selectFrom('role_eligibilities').selectAll().where('role_id', '=', role.id).where('principal_id', '=', input.principalId).where('ended_at', 'is', null).execute()).filter((r) => isOpen(r, now));
    if (open.length > 0) throw new KeyledgerError('eligibility.exists', `the user is already eligible for role "${role.key}" (eligibility ${open[0].id})`);
    const row: RoleEligibilityRow = {
      id: newId(),
      org_id: orgId,
      role_id: role.id,
      principal_type: 'user',
      principal_id: input.principalId,
      granted_by_type: grantedBy.type,
      granted_by_id: grantedBy.id,
      approval_ref: input.approvalRef ?? null,
      reason: input.reason ?? null,
      created_at: now.toISOString(),
      expires_at: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
      ended_at: null,
      end_reason: null,
    };
    await trx.insertInto('role_eligibilities').values(row).execute();
    record({
      action: 'access.eligibility.granted',
      org: orgId,
      targets: [{ type: 'user', id: row.principal_id, display: user.email }, { type: 'role_eligibility', id: row.id }, { type: 'role', id: role.id, display: role.key }],
      data: { eligibilityId: row.id, roleId: role.id, roleKey: role.key, privileged: role.privileged === 1, principalType: 'user', principalId: row.principal_id, approvalRef: row.approval_ref, reason: row.reason, expiresAt: row.expires_at },
    });
    return toEligibility(row, now);
  }

  return {
    grantEligibilityInScope,
    lockEligibility,

    async grant(ctx: CommandContext, orgRef: string, input: EligibilityInput): Promise<Eligibility> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, (scope) => grantEligibilityInScope(scope, ctx.actor, org.id, input));
      return result;
    },

    async get(orgRef: string, id: string): Promise<Eligibility> {
      const org = await identity.requireOrg(orgRef);
      return toEligibility(await requireEligibility(db, org.id, id), clock.now());
    },

    async list(orgRef: string, f: { role?: string; principalId?: string; active?: boolean }, p: Page): Promise<{ items: Eligibility[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      const now = clock.now();
      const at = now.toISOString();
      let q = db.selectFrom('role_eligibilities').selectAll().where('org_id', '=', org.id);
      if (f.role) q = q.where('role_id', '=', (await access.requireRoleInScope(db, org.id, f.role)).id);
      if (f.principalId) q = q.where('principal_id', '=', f.principalId);
      if (f.active === true) q = q.where('ended_at', 'is', null).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]));
      if (f.active === false) q = q.where((eb) => eb.or([eb('ended_at', 'is not', null), eb('expires_at', '<=', at)]));
      if (p.cursor) q = q.where('id', '>', decodeCursor(p.cursor, 'role_eligibility'));
      const rows = await q.orderBy('id').limit(p.limit + 1).execute();
      const items = rows.slice(0, p.limit).map((r) => toEligibility(r, now));
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('role_eligibility', items[items.length - 1].id) : null };
    },

    /** Ends an eligibility now (and any activation running from it), recording `access.eligibility.revoked`. Throws `eligibility.not_found`, `eligibility.already_ended`. */
    async revoke(ctx: CommandContext, orgRef: string, id: string, reason: string | null): Promise<Eligibility> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, async (scope) => {
        await lockEligibility(scope, id);
        const row = await requireEligibility(scope.trx, org.id, id);
        if (!isOpen(row, scope.now)) throw new KeyledgerError('eligibility.already_ended', `role eligibility "${id}" already ended`);
        await endRows(scope, [row], reason ?? 'revoked');
        return toEligibility({ ...row, ended_at: scope.now.toISOString(), end_reason: reason ?? 'revoked' }, scope.now);
      });
      return result;
    },

    /** Ends every open eligibility of a user in one organization (membership ended) or in all (`orgId` null: deprovisioning), each recorded. */
    async endEligibilitiesOfInScope(scope: CommandScope, orgId: string | null, userId: string, reason: string): Promise<string[]> {
      let q = scope.trx.selectFrom('role_eligibilities').selectAll().where('principal_id', '=', userId).where('ended_at', 'is', null);
      if (orgId) q = q.where('org_id', '=', orgId);
      return endRows(scope, await q.orderBy('id').execute(), reason);
    },

    /** A user's eligibilities (open ones, and those ended in the last day so a page can say why a button went away), across organizations. */
    async listForUser(userId: string): Promise<RoleEligibilityRow[]> {
      const since = new Date(clock.now().getTime() - 86_400_000).toISOString();
      return db
        .selectFrom('role_eligibilities')
        .selectAll()
        .where('principal_id', '=', userId)
        .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', since)]))
        .orderBy('id')
        .execute();
    },
  };
}

export type EligibilityService = ReturnType<typeof createEligibilityService>;
