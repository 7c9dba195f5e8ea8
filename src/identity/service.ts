import { sql } from 'kysely';
import { dialectOf, type Db } from '../platform/database.ts';
import { KeyledgerError } from '../platform/errors.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { OrganizationRow, UserRow } from '../platform/schema.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';
import * as repo from './repository.ts';
import { checkOrganizationSettings } from './organization-settings.ts';
import { diffFields, toOrganization, toUser, type Membership, type Organization, type User, type UserMembership } from './views.ts';

export interface UserInput {
  email: string;
  name?: string | null;
  managerId?: string | null;
  employeeNumber?: string | null;
  department?: string | null;
  title?: string | null;
}

export type UserPatch = Partial<Omit<UserInput, 'email'>> & { email?: string };

/**
 * Runs inside the membership-removal command (same transaction), so that what
 * other capabilities hold for the member in that organization ends with it.
 * Returns the ids of what it ended, for the ledger event.
 */
export type MembershipRemovalHook = (scope: CommandScope, orgId: string, userId: string) => Promise<string[]>;

/**
 * Runs inside the command that takes a user out of `active` (suspended or
 * deprovisioned), so that what the user could still use ends with it: their
 * sessions are refused from the next request on.
 */
export type UserDeactivationHook = (scope: CommandScope, userId: string, status: Exclude<UserRow['status'], 'active'>, reason: string | null, detail: StatusChangeDetail) => Promise<void>;

/**
 * What a deprovisioning knows beyond the new status, handed to the deactivation
 * hooks: where it came from and when the person left (lifecycle writes its
 * leaver record from it). Empty for an administrator's plain status change.
 */
export interface StatusChangeDetail {
  /** The organization the removal is counted against. */
  orgId?: string | null;
  source?: 'scim' | 'hr' | 'admin';
  sourceRef?: string | null;
  /** When the HR system or IdP says the person left (RFC 3339); absent: now. */
  terminatedAt?: string | null;
}

/** Where a profile change came from, for `lifecycle.user.moved` (default: an administrator, no organization). */
export interface UpdateOrigin {
  source?: 'admin' | 'scim' | 'hr' | 'sso';
  orgId?: string | null;
}

/** The fields whose change makes a user a mover (their access is reviewed again). */
export interface MoverFields {
  department: string | null;
  title: string | null;
  managerId: string | null;
}

/**
 * Runs inside the command that changed a user's department, title or manager,
 * after `lifecycle.user.moved` is recorded (same transaction): access reviews
 * open a mover review of the user's access there.
 */
export type UserMoveHook = (scope: CommandScope, user: User, before: MoverFields, after: MoverFields) => Promise<void>;

export interface IdentityDeps {
  db: Db;
  runner: CommandRunner;
  newId: () => string;
  membershipRemovalHooks?: MembershipRemovalHook[];
  userDeactivationHooks?: UserDeactivationHook[];
  userMoveHooks?: UserMoveHook[];
}

const moverFields = (u: User): MoverFields => ({ department: u.department, title: u.title, managerId: u.managerId });

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** An email address in the one form Keyledger stores and compares (lower case). Throws `request.invalid` for anything that is not one. */
export function checkEmailAddress(email: unknown): string {
  if (typeof email !== 'string' || !EMAIL.test(email) || email.length > 254) throw new KeyledgerError('request.invalid', `${JSON.stringify(String(email).slice(0, 300))} is not an email address`);
  return email.toLowerCase();
}

/** How a user proved their email address after creation (`identity.user.email_verified` data.via). */
export type EmailVerificationMethod = 'verification_link' | 'password_reset' | 'invitation';

type Page = { limit: number; cursor?: string };
type Paged<T> = { items: T[]; nextCursor: string | null };

function page<T extends { id: string }>(rows: T[], limit: number, kind: string): { rows: T[]; nextCursor: string | null } {
  const kept = rows.slice(0, limit);
  return { rows: kept, nextCursor: rows.length > limit ? encodeCursor(kind, kept[kept.length - 1].id) : null };
}

/** Organizations, users and memberships: the principals everything else refers to (service accounts: src/service-accounts). */
export function createIdentityService(deps: IdentityDeps) {
  const { db, runner, newId } = deps;
  const hooks = deps.membershipRemovalHooks ?? [];
  const deactivationHooks = deps.userDeactivationHooks ?? [];
  const moveHooks = deps.userMoveHooks ?? [];

  async function requireOrg(reader: Db | CommandScope['trx'], ref: string): Promise<OrganizationRow> {
    const org = await repo.findOrganizationByRef(reader, ref);
    if (!org) throw new KeyledgerError('organization.not_found', `no organization with id or slug "${ref}"`);
    return org;
  }

  async function requireUser(reader: Db | CommandScope['trx'], id: string): Promise<UserRow> {
    const user = await repo.findUserById(reader, id);
    if (!user) throw new KeyledgerError('user.not_found', `no user with id "${id}"`);
    return user;
  }

  async function checkManager(trx: CommandScope['trx'], managerId: string | null | undefined, userId: string): Promise<void> {
    if (!managerId) return;
    if (!(await repo.findUserById(trx, managerId))) throw new KeyledgerError('user.manager_invalid', `manager "${managerId}" does not exist`);
    if (await repo.managerChainContains(trx, managerId, userId)) {
      throw new KeyledgerError('user.manager_invalid', `making "${managerId}" the manager of "${userId}" would create a management cycle`);
    }
  }

  async function checkEmailFree(trx: CommandScope['trx'], email: string): Promise<void> {
    // The HTTP schema checks the format; the CLI and other callers come through here too.
    checkEmailAddress(email);
    if (await repo.findUserByEmail(trx, email)) throw new KeyledgerError('user.email_taken', `a user with email "${email}" already exists`);
  }

  /**
   * Creates a user inside a running command, with their membership of `org` when given; records
   * `identity.user.created` (and `identity.membership.created`). `emailVerified` says whether the
   * address counts as proven (an administrator's word, an invitation link) or awaits a link (self sign-up).
   */
  async function createUserInScope(scope: CommandScope, input: UserInput, options: { org?: Organization | null; emailVerified: boolean }): Promise<User> {
    const { trx, now, record } = scope;
    const email = input.email.toLowerCase();
    await checkEmailFree(trx, email);
    const id = newId();
    await checkManager(trx, input.managerId, id);
    const org = options.org ?? null;
    const time = now.toISOString();
    const row: UserRow = {
      id,
      email,
      name: input.name ?? null,
      status: 'active',
      manager_id: input.managerId ?? null,
      employee_number: input.employeeNumber ?? null,
      department: input.department ?? null,
      title: input.title ?? null,
      created_at: time,
      updated_at: time,
      email_verified_at: options.emailVerified ? time : null,
    };
    await trx.insertInto('users').values(row).execute();
    const user = toUser(row);
    record({
      action: 'identity.user.created',
      org: org?.id ?? null,
      targets: [{ type: 'user', id, display: email }],
      data: { email, name: user.name, status: user.status, managerId: user.managerId, employeeNumber: user.employeeNumber, department: user.department, title: user.title },
    });
    if (org) await addMemberInScope(scope, org, user);
    return user;
  }

  /** Adds a user to an organization inside a running command, recording `identity.membership.created`. Throws `membership.exists`. */
  async function addMemberInScope(scope: CommandScope, org: Pick<Organization, 'id' | 'slug'>, user: Pick<User, 'id' | 'email'>): Promise<Membership> {
    const { trx, now, record } = scope;
    if (await repo.findMembership(trx, org.id, user.id)) throw new KeyledgerError('membership.exists', `user "${user.id}" is already a member of "${org.slug}"`);
    const m: Membership = { id: newId(), orgId: org.id, userId: user.id, createdAt: now.toISOString() };
    await trx.insertInto('memberships').values({ id: m.id, org_id: org.id, user_id: user.id, created_at: m.createdAt }).execute();
    record({ action: 'identity.membership.created', org: org.id, targets: [{ type: 'user', id: user.id, display: user.email }, { type: 'organization', id: org.id, display: org.slug }], data: { userId: user.id, email: user.email } });
    return m;
  }

  /**
   * Changes a user's profile inside a running command, recording `identity.user.updated` with the
   * changed fields, and `lifecycle.user.moved` when the department, title or manager changed
   * (`origin` says where the change came from and the organization it concerns). Throws `user.not_found`, `user.email_taken`, `user.manager_invalid`.
   */
  async function updateUserInScope(scope: CommandScope, id: string, patch: UserPatch, origin: UpdateOrigin = {}): Promise<User> {
    const { trx, now, record } = scope;
    const before = toUser(await requireUser(trx, id));
    const email = patch.email?.toLowerCase() ?? before.email;
    if (email !== before.email) await checkEmailFree(trx, email);
    if (patch.managerId !== undefined && patch.managerId !== before.managerId) await checkManager(trx, patch.managerId, id);
    const after: User = {
      ...before,
      email,
      name: patch.name !== undefined ? patch.name : before.name,
      managerId: patch.managerId !== undefined ? patch.managerId : before.managerId,
      employeeNumber: patch.employeeNumber !== undefined ? patch.employeeNumber : before.employeeNumber,
      department: patch.department !== undefined ? patch.department : before.department,
      title: patch.title !== undefined ? patch.title : before.title,
      updatedAt: now.toISOString(),
    };
    const { updatedAt: _b, ...b } = before;
    const { updatedAt: _a, ...a } = after;
    await trx
      .updateTable('users')
      .set({ email, name: after.name, manager_id: after.managerId, employee_number: after.employeeNumber, department: after.department, title: after.title, updated_at: after.updatedAt })
      .where('id', '=', id)
      .execute();
    record({ action: 'identity.user.updated', targets: [{ type: 'user', id, display: email }], data: diffFields(b, a) });
    await recordMove(scope, after, moverFields(before), moverFields(after), origin);
    return after;
  }

  /**
   * A change of department, title or manager (whoever made it: an administrator, SCIM, HR) makes
   * the user a mover: records `lifecycle.user.moved` with those fields before and after, then runs
   * the move hooks in the same transaction.
   */
  async function recordMove(scope: CommandScope, user: User, before: MoverFields, after: MoverFields, origin: UpdateOrigin): Promise<void> {
    const changed = (Object.keys(before) as Array<keyof MoverFields>).filter((k) => before[k] !== after[k]);
    if (changed.length === 0) return;
    scope.record({ action: 'lifecycle.user.moved', org: origin.orgId ?? null, targets: [{ type: 'user', id: user.id, display: user.email }], data: { userId: user.id, source: origin.source ?? 'admin', before, after } });
    for (const hook of moveHooks) await hook(scope, user, before, after);
  }

  /**
   * Reads a user and holds their row until the transaction ends, so that two commands changing
   * the same user's status run one after the other (PostgreSQL; SQLite writes one at a time).
   * Throws `user.not_found`.
   */
  async function lockUserInScope(scope: CommandScope, id: string): Promise<User> {
    if (dialectOf(scope.trx as unknown as Db) === 'postgres') await sql`select id from users where id = ${id} for update`.execute(scope.trx);
    return toUser(await requireUser(scope.trx, id));
  }

  /**
   * Changes a user's status inside a running command, recording `identity.user.status_changed`.
   * Leaving `active` runs the deactivation hooks in the same transaction (sessions, OIDC grants
   * and tokens, owned service accounts; for `deprovisioned` also role assignments, pending
   * requests and the leaver record), each given `detail`. Throws `user.not_found`.
   */
  async function setUserStatusInScope(scope: CommandScope, id: string, status: User['status'], reason: string | null, detail: StatusChangeDetail = {}): Promise<User> {
    const before = await lockUserInScope(scope, id);
    const after = { ...before, status, updatedAt: scope.now.toISOString() };
    await scope.trx.updateTable('users').set({ status, updated_at: after.updatedAt }).where('id', '=', id).execute();
    scope.record({ action: 'identity.user.status_changed', targets: [{ type: 'user', id, display: before.email }], data: { before: before.status, after: status, reason } });
    if (status !== 'active') for (const hook of deactivationHooks) await hook(scope, id, status, reason, detail);
    return after;
  }

  return {
    /** An organization by id or slug (read in `reader`, default the database). Throws `organization.not_found`. */
    requireOrg: (ref: string, reader: Db | CommandScope['trx'] = db) => requireOrg(reader, ref).then(toOrganization),
    /** A user by id (read in `reader`, default the database). Throws `user.not_found`. */
    requireUser: (id: string, reader: Db | CommandScope['trx'] = db) => requireUser(reader, id).then(toUser),

    async createOrganization(ctx: CommandContext, input: { slug: string; name: string; settings?: Record<string, unknown> }): Promise<Organization> {
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        if (await repo.findOrganizationByRef(trx, input.slug)) throw new KeyledgerError('organization.slug_taken', `an organization with slug "${input.slug}" already exists`);
        checkOrganizationSettings(input.settings ?? {});
        const time = now.toISOString();
        const row: OrganizationRow = { id: newId(), slug: input.slug, name: input.name, settings: JSON.stringify(input.settings ?? {}), created_at: time, updated_at: time };
        await trx.insertInto('organizations').values(row).execute();
        record({ action: 'identity.organization.created', org: row.id, targets: [{ type: 'organization', id: row.id, display: row.slug }], data: { slug: row.slug, name: row.name } });
        return toOrganization(row);
      });
      return result;
    },

    async updateOrganization(ctx: CommandContext, ref: string, patch: { name?: string; settings?: Record<string, unknown> }): Promise<Organization> {
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const row = await requireOrg(trx, ref);
        const before = toOrganization(row);
        const after: Organization = { ...before, name: patch.name ?? before.name, settings: patch.settings ?? before.settings, updatedAt: now.toISOString() };
        checkOrganizationSettings(after.settings);
        await trx.updateTable('organizations').set({ name: after.name, settings: JSON.stringify(after.settings), updated_at: after.updatedAt }).where('id', '=', row.id).execute();
        const { updatedAt: _b, ...b } = before;
        const { updatedAt: _a, ...a } = after;
        record({ action: 'identity.organization.updated', org: row.id, targets: [{ type: 'organization', id: row.id, display: row.slug }], data: diffFields(b, a) });
        return after;
      });
      return result;
    },

    async listOrganizations(p: Page): Promise<Paged<Organization>> {
      let q = db.selectFrom('organizations').selectAll().orderBy('id').limit(p.limit + 1);
      if (p.cursor) q = q.where('id', '>', decodeCursor(p.cursor, 'organization'));
      const { rows, nextCursor } = page(await q.execute(), p.limit, 'organization');
      return { items: rows.map(toOrganization), nextCursor };
    },

    /**
     * Creates a user (and, with `orgRef`, their membership) on an administrator's word: the email
     * counts as verified. Throws `request.invalid`, `user.email_taken`, `user.manager_invalid`, `organization.not_found`.
     */
    async createUser(ctx: CommandContext, input: UserInput, options: { orgRef?: string } = {}): Promise<User> {
      const { result } = await runner.run(ctx, async (scope) => {
        const org = options.orgRef ? toOrganization(await requireOrg(scope.trx, options.orgRef)) : null;
        return createUserInScope(scope, input, { org, emailVerified: true });
      });
      return result;
    },

    createUserInScope,

    async updateUser(ctx: CommandContext, id: string, patch: UserPatch): Promise<User> {
      const { result } = await runner.run(ctx, (scope) => updateUserInScope(scope, id, patch));
      return result;
    },

    updateUserInScope,

    /** Changes a user's status in its own command (see setUserStatusInScope). Throws `user.not_found`. */
    async setUserStatus(ctx: CommandContext, id: string, status: User['status'], reason: string | null): Promise<User> {
      const { result } = await runner.run(ctx, (scope) => setUserStatusInScope(scope, id, status, reason));
      return result;
    },

    setUserStatusInScope,
    lockUserInScope,

    /** Ids of the organizations a user is a member of, oldest membership first. */
    async listOrganizationIdsOf(userId: string, reader: Db | CommandScope['trx'] = db): Promise<string[]> {
      const rows = await reader.selectFrom('memberships').select('org_id').where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map((r) => r.org_id);
    },

    /** The members of an organization whose HR employee number is exactly `employeeNumber` (normally none or one). */
    async findMembersByEmployeeNumber(orgId: string, employeeNumber: string, reader: Db | CommandScope['trx'] = db): Promise<User[]> {
      const rows = await reader
        .selectFrom('users')
        .selectAll('users')
        .innerJoin('memberships', 'memberships.user_id', 'users.id')
        .where('memberships.org_id', '=', orgId)
        .where('users.employee_number', '=', employeeNumber)
        .orderBy('users.id')
        .limit(10)
        .execute();
      return rows.map(toUser);
    },

    async listUsers(filter: Omit<repo.UserFilter, 'afterId'> & { orgRef?: string }, p: Page): Promise<Paged<User>> {
      const orgId = filter.orgRef ? (await requireOrg(db, filter.orgRef)).id : undefined;
      const afterId = p.cursor ? decodeCursor(p.cursor, 'user') : undefined;
      const { rows, nextCursor } = page(await repo.listUsers(db, { ...filter, orgId, afterId }, p.limit + 1), p.limit, 'user');
      return { items: rows.map(toUser), nextCursor };
    },

    /** The organizations a user is a member of (by organization id), one page at a time. Throws `user.not_found`. */
    async listMembershipsOfUser(userId: string, p: Page): Promise<Paged<UserMembership>> {
      const user = await requireUser(db, userId);
      const afterOrgId = p.cursor ? decodeCursor(p.cursor, 'membership') : undefined;
      const { rows, nextCursor } = page(await repo.findMembershipsByUserId(db, userId, afterOrgId, p.limit + 1), p.limit, 'membership');
      return { items: rows.map((r) => ({ id: r.id, slug: r.slug, name: r.name, joinedAt: r.joined_at, status: user.status })), nextCursor };
    },

    async addMember(ctx: CommandContext, orgRef: string, userId: string): Promise<Membership> {
      const { result } = await runner.run(ctx, async (scope) => {
        const org = toOrganization(await requireOrg(scope.trx, orgRef));
        const user = toUser(await requireUser(scope.trx, userId));
        return addMemberInScope(scope, org, user);
      });
      return result;
    },

    addMemberInScope,

    /**
     * Marks a user's email verified inside a running command (a link was followed, a reset completed),
     * recording `identity.user.email_verified`; false, and nothing recorded, when it already was.
     */
    async markEmailVerifiedInScope(scope: CommandScope, user: Pick<User, 'id' | 'email'>, via: EmailVerificationMethod): Promise<boolean> {
      const time = scope.now.toISOString();
      const r = await scope.trx.updateTable('users').set({ email_verified_at: time }).where('id', '=', user.id).where('email_verified_at', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      scope.record({ action: 'identity.user.email_verified', targets: [{ type: 'user', id: user.id, display: user.email }], data: { userId: user.id, email: user.email, via } });
      return true;
    },

    /** The user with this email address (any case), if any. */
    async findUserByEmail(email: string, reader: Db | CommandScope['trx'] = db): Promise<User | undefined> {
      const row = await repo.findUserByEmail(reader, email.trim().toLowerCase());
      return row ? toUser(row) : undefined;
    },

    async removeMember(ctx: CommandContext, orgRef: string, userId: string): Promise<void> {
      await runner.run(ctx, async (scope) => {
        const org = await requireOrg(scope.trx, orgRef);
        const membership = await repo.findMembership(scope.trx, org.id, userId);
        if (!membership) throw new KeyledgerError('membership.not_found', `user "${userId}" is not a member of "${org.slug}"`);
        const ended: string[] = [];
        for (const hook of hooks) ended.push(...(await hook(scope, org.id, userId)));
        await scope.trx.deleteFrom('memberships').where('id', '=', membership.id).execute();
        scope.record({ action: 'identity.membership.deleted', org: org.id, targets: [{ type: 'user', id: userId }, { type: 'organization', id: org.id, display: org.slug }], data: { userId, endedAssignments: ended } });
      });
    },

    async listMembers(orgRef: string, p: Page): Promise<Paged<User>> {
      return this.listUsers({ orgRef }, p);
    },

    async isMember(orgId: string, userId: string, reader: Db | CommandScope['trx'] = db): Promise<boolean> {
      return (await repo.findMembership(reader, orgId, userId)) !== undefined;
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
