import type { RoleAssignmentRow, RoleRow } from '../platform/schema.ts';
import { approvalPolicyOf, elevationPolicyOf, type ApprovalPolicy, type ElevationPolicy } from './role-governance.ts';

export interface Role {
  id: string;
  orgId: string;
  key: string;
  name: string;
  description: string;
  permissions: string[];
  privileged: boolean;
  /** The MFA the role demands of its holders, or null (the organization's policy applies). */
  mfaPolicy: RoleRow['mfa_policy'];
  /** The user who owns the role: approves requests for it and reviews its holders. */
  ownerId: string | null;
  approval: ApprovalPolicy;
  elevation: ElevationPolicy;
  /** A privileged role whose standing (non-JIT) assignments are accepted rather than reported. */
  allowStanding: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface RoleAssignment {
  id: string;
  orgId: string;
  roleId: string;
  principal: { type: RoleAssignmentRow['principal_type']; id: string };
  grantedBy: { type: string; id: string };
  approvalRef: string | null;
  /** The approved access request that granted it, or null. */
  requestId: string | null;
  reason: string | null;
  /** `standing` (granted outright) or `activation` (just-in-time, from an eligibility). */
  kind: RoleAssignmentRow['kind'];
  /** The eligibility an activation came from; null for a standing assignment. */
  eligibilityId: string | null;
  /** The user's reason for an activation; null for a standing assignment. */
  justification: string | null;
  expiresAt: string | null;
  createdAt: string;
  endedAt: string | null;
  endReason: string | null;
  /** Not ended and not past its expiry at the time of reading. */
  active: boolean;
}

export function toRole(row: RoleRow): Role {
  return {
    id: row.id,
    orgId: row.org_id,
    key: row.key,
    name: row.name,
    description: row.description,
    permissions: JSON.parse(row.permissions) as string[],
    privileged: row.privileged === 1,
    mfaPolicy: row.mfa_policy ?? null,
    ownerId: row.owner_id,
    approval: approvalPolicyOf(row),
    elevation: elevationPolicyOf(row),
    allowStanding: row.allow_standing === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toAssignment(row: RoleAssignmentRow, now: Date): RoleAssignment {
  return {
    id: row.id,
    orgId: row.org_id,
    roleId: row.role_id,
    principal: { type: row.principal_type, id: row.principal_id },
    grantedBy: { type: row.granted_by_type, id: row.granted_by_id },
    approvalRef: row.approval_ref,
    requestId: row.request_id,
    reason: row.reason,
    kind: row.kind,
    eligibilityId: row.eligibility_id,
    justification: row.justification,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    endReason: row.end_reason,
    active: row.ended_at === null && (row.expires_at === null || row.expires_at > now.toISOString()),
  };
}
