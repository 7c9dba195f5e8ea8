import type { User } from '../../identity/views.ts';
import type { HeldRole } from '../../access/service.ts';
import type { RoleAssignment } from '../../access/views.ts';
import type { Campaign } from '../../access/reviews/views.ts';
import type { Leaver } from '../../lifecycle/views.ts';
import type { EnrolledFactors } from '../../authn/factor-inventory.ts';

/** The datasets the compliance API serves and `keyledger evidence push` sends, by their URL name. */
export const COMPLIANCE_DATASETS = ['users', 'role-assignments', 'access-reviews', 'deprovisioning', 'findings'] as const;
export type ComplianceDataset = (typeof COMPLIANCE_DATASETS)[number];

export type PermissionLevel = 'ADMIN' | 'USER';
export type AccountStatus = 'ACTIVE' | 'SUSPENDED' | 'DEPROVISIONED';
export type MfaMethod = 'totp' | 'passkey';
export type AuthMethod = 'sso' | 'password' | 'passkey-only' | 'none';

/** One member of an organization in the shape GRC platforms ingest as a user account. */
export interface ComplianceUser {
  id: string;
  displayName: string;
  email: string;
  permissionLevel: PermissionLevel;
  roles: string[];
  status: AccountStatus;
  mfaEnabled: boolean;
  mfaMethods: MfaMethod[];
  authMethod: AuthMethod;
  createdAt: string;
  deactivatedAt: string | null;
  lastSignInAt: string | null;
}

/** What the compliance user record is computed from, each read through its capability's service. */
export interface UserFacts {
  user: User;
  /** Roles held now in the organization, with their display names. */
  held: Array<HeldRole & { roleName: string }>;
  factors: EnrolledFactors;
  /** Linked to an identity provider through one of the organization's SSO connections. */
  federated: boolean;
  /** The newest `identity.user.status_changed` event's time, if any. */
  statusChangedAt: string | null;
  lastSignInAt: string | null;
}

const STATUS: Record<User['status'], AccountStatus> = { active: 'ACTIVE', suspended: 'SUSPENDED', deprovisioned: 'DEPROVISIONED' };

/**
 * The compliance user record (pure). `permissionLevel` is ADMIN when the user holds, now, in
 * this organization, at least one role marked privileged (standing or an active just-in-time
 * activation), else USER. `authMethod` is the first that applies: `sso` (linked to the
 * organization's identity provider), `password`, `passkey-only`, `none` (nothing to sign in
 * with yet). `deactivatedAt` is the last status change of a user who is not active.
 */
export function toComplianceUser(f: UserFacts): ComplianceUser {
  const mfaMethods: MfaMethod[] = [...(f.factors.totp ? (['totp'] as const) : []), ...(f.factors.passkeys > 0 ? (['passkey'] as const) : [])];
  const authMethod: AuthMethod = f.federated ? 'sso' : f.factors.password ? 'password' : f.factors.passkeys > 0 ? 'passkey-only' : 'none';
  return {
    id: f.user.id,
    displayName: f.user.name ?? f.user.email,
    email: f.user.email,
    permissionLevel: f.held.some((h) => h.privileged) ? 'ADMIN' : 'USER',
    roles: [...new Set(f.held.map((h) => h.roleName))].sort(),
    status: STATUS[f.user.status],
    mfaEnabled: mfaMethods.length > 0,
    mfaMethods,
    authMethod,
    createdAt: f.user.createdAt,
    deactivatedAt: f.user.status === 'active' ? null : (f.statusChangedAt ?? f.user.updatedAt),
    lastSignInAt: f.lastSignInAt,
  };
}

/** One role assignment, current or ended, with its grant and approval. */
export interface ComplianceRoleAssignment {
  id: string;
  principal: { type: string; id: string };
  role: { id: string; key: string; name: string };
  privileged: boolean;
  kind: RoleAssignment['kind'];
  grantedAt: string;
  grantedBy: { type: string; id: string };
  approval: { requestId: string | null; approvalRef: string | null } | null;
  expiresAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  active: boolean;
}

export function toComplianceAssignment(a: RoleAssignment, role: { key: string; name: string; privileged: boolean }): ComplianceRoleAssignment {
  return {
    id: a.id,
    principal: { type: a.principal.type, id: a.principal.id },
    role: { id: a.roleId, key: role.key, name: role.name },
    privileged: role.privileged,
    kind: a.kind,
    grantedAt: a.createdAt,
    grantedBy: a.grantedBy,
    approval: a.requestId || a.approvalRef ? { requestId: a.requestId, approvalRef: a.approvalRef } : null,
    expiresAt: a.expiresAt,
    endedAt: a.endedAt,
    endReason: a.endReason,
    active: a.active,
  };
}

/** An access review campaign with its counts and sign-off times. */
export interface ComplianceAccessReview {
  id: string;
  name: string;
  kind: Campaign['kind'];
  status: Campaign['status'];
  ownerId: string | null;
  startsAt: string;
  dueAt: string;
  ownerSignedOffAt: string | null;
  closedAt: string | null;
  overdueAt: string | null;
  counts: Campaign['counts'];
}

export function toComplianceAccessReview(c: Campaign): ComplianceAccessReview {
  return { id: c.id, name: c.name, kind: c.kind, status: c.status, ownerId: c.ownerId, startsAt: c.startsAt, dueAt: c.dueAt, ownerSignedOffAt: c.ownerSignedOffAt, closedAt: c.closedAt, overdueAt: c.overdueAt, counts: c.counts };
}

/** One leaver: when they were terminated, when their access was removed, and the SLA verdict. */
export interface ComplianceDeprovisioning {
  id: string;
  userId: string;
  email: string;
  source: Leaver['source'];
  terminatedAt: string;
  accessRemovedAt: string;
  latencySeconds: number;
  slaHours: number;
  withinSla: boolean;
  reactivatedAt: string | null;
}

export function toComplianceDeprovisioning(l: Leaver): ComplianceDeprovisioning {
  return {
    id: l.id,
    userId: l.userId,
    email: l.email,
    source: l.source,
    terminatedAt: l.terminatedAt,
    accessRemovedAt: l.accessRemovedAt,
    latencySeconds: l.elapsedSeconds,
    slaHours: l.slaHours,
    withinSla: l.verdict === 'within_sla',
    reactivatedAt: l.reactivatedAt,
  };
}
