import type { CommandScope } from '../../audit/command-runner.ts';
import type { IdentityService } from '../../identity/service.ts';
import * as accessRepo from '../repository.ts';

type Trx = CommandScope['trx'];

/** The permissions that make a role holder an organization admin for access reviews. */
export const REVIEW_ADMIN_PERMISSIONS = ['*', 'access_reviews:manage'];

/** What the reviewer chain needs to know about one assignment. */
export interface ReviewSubject {
  principalType: 'user' | 'service_account';
  principalId: string;
  roleOwnerId: string | null;
}

/**
 * Picks reviewers inside a running command. The chain for a user's assignment:
 * the user's manager → the role's owner → the organization admins (holders of a
 * role with permission `*` or `access_reviews:manage`, by id) → the campaign
 * owner. For a service account's: its owner user, then the same chain from the
 * role's owner. A candidate counts only while an active member of the
 * organization, and never the principal itself (no self-review: the next in
 * line is taken). Null when nobody qualifies.
 */
export function createReviewerChain(identity: IdentityService, scope: CommandScope, orgId: string, campaignOwnerId: string | null) {
  const member = new Map<string, boolean>();
  let admins: string[] | null = null;

  async function eligible(userId: string | null): Promise<boolean> {
    if (!userId) return false;
    if (!member.has(userId)) member.set(userId, await isActiveMember(identity, scope.trx, orgId, userId));
    return member.get(userId)!;
  }

  return {
    async reviewerFor(subject: ReviewSubject): Promise<string | null> {
      const first = subject.principalType === 'user' ? await managerOf(scope.trx, subject.principalId) : await ownerOf(scope.trx, subject.principalId);
      admins ??= await findOrgAdmins(scope.trx, orgId, scope.now.toISOString());
      for (const candidate of [first, subject.roleOwnerId, ...admins, campaignOwnerId]) {
        if (!candidate || (subject.principalType === 'user' && candidate === subject.principalId)) continue;
        if (await eligible(candidate)) return candidate;
      }
      return null;
    },
    /** The first organization admin who is an active member, other than `except`, or null. */
    async firstAdmin(except: string | null = null): Promise<string | null> {
      admins ??= await findOrgAdmins(scope.trx, orgId, scope.now.toISOString());
      for (const a of admins) if (a !== except && (await eligible(a))) return a;
      return null;
    },
    eligible,
  };
}

export async function isActiveMember(identity: IdentityService, trx: Trx, orgId: string, userId: string): Promise<boolean> {
  const user = await trx.selectFrom('users').select('status').where('id', '=', userId).executeTakeFirst();
  return !!user && user.status === 'active' && (await identity.isMember(orgId, userId, trx));
}

async function managerOf(trx: Trx, userId: string): Promise<string | null> {
  return (await trx.selectFrom('users').select('manager_id').where('id', '=', userId).executeTakeFirst())?.manager_id ?? null;
}

async function ownerOf(trx: Trx, serviceAccountId: string): Promise<string | null> {
  return (await trx.selectFrom('service_accounts').select('owner_user_id').where('id', '=', serviceAccountId).executeTakeFirst())?.owner_user_id ?? null;
}

/** Users holding (through an active assignment) a role of the organization with `*` or `access_reviews:manage`, by id. */
export async function findOrgAdmins(trx: Trx, orgId: string, now: string): Promise<string[]> {
  const roles = await trx.selectFrom('roles').select(['id', 'permissions']).where('org_id', '=', orgId).execute();
  const adminRoles = roles.filter((r) => (JSON.parse(r.permissions) as string[]).some((p) => REVIEW_ADMIN_PERMISSIONS.includes(p)));
  const ids = new Set<string>();
  for (const role of adminRoles) {
    for (const a of await accessRepo.findActiveAssignments(trx, now, { roleId: role.id, principalType: 'user' })) ids.add(a.principal_id);
  }
  return [...ids].sort();
}
