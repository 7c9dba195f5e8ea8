/** What the directory pages read from the admin API (the shapes of src/identity, src/service-accounts, src/access, src/authn). */

export type UserStatus = 'active' | 'suspended' | 'deprovisioned';

export interface User {
  id: string;
  email: string;
  name: string | null;
  status: UserStatus;
  managerId: string | null;
  employeeNumber: string | null;
  department: string | null;
  title: string | null;
  createdAt: string;
  updatedAt: string;
  emailVerifiedAt: string | null;
}

/** An organization a user belongs to (GET /users/{id}/memberships). */
export interface UserMembership {
  id: string;
  slug: string;
  name: string;
  joinedAt: string;
  status: UserStatus;
}

export interface ServiceAccount {
  id: string;
  orgId: string;
  name: string;
  description: string;
  ownerUserId: string | null;
  status: 'active' | 'disabled' | 'deleted';
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  ownerMissingSince: string | null;
}

export interface Credential {
  id: string;
  serviceAccountId: string;
  kind: 'secret' | 'public_key';
  status: 'active' | 'expired' | 'revoked';
  createdAt: string;
  createdBy: { type: string; id: string };
  expiresAt: string;
  revokedAt: string | null;
  revokeReason: string | null;
  rotatedFromId: string | null;
  replacedById: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  secretPrefix: string | null;
  alg: string | null;
  thumbprint: string | null;
}

export interface SaFinding {
  kind: 'credential_too_old' | 'credential_unused' | 'owner_missing';
  serviceAccountId: string;
  credentialId?: string;
  since: string;
  detail: string;
}

export interface Role {
  id: string;
  orgId: string;
  key: string;
  name: string;
  description: string;
  permissions: string[];
  privileged: boolean;
  mfaPolicy: string | null;
  ownerId: string | null;
  approval: { approvers: string[]; namedApprovers: string[]; approvalsRequired: number; approvalsRequiredDefault: boolean };
  elevation: { maxActivationMinutes: number; activationRequiresApproval: boolean };
  allowStanding: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Assignment {
  id: string;
  orgId: string;
  roleId: string;
  principal: { type: 'user' | 'service_account'; id: string };
  grantedBy: { type: string; id: string };
  approvalRef: string | null;
  requestId: string | null;
  reason: string | null;
  kind: 'standing' | 'activation';
  eligibilityId: string | null;
  justification: string | null;
  expiresAt: string | null;
  createdAt: string;
  endedAt: string | null;
  endReason: string | null;
  active: boolean;
}

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
  active: boolean;
}

export interface LedgerEvent {
  id: string;
  seq: number;
  time: string;
  action: string;
  outcome: string;
  actor: { type: string; id: string; display: string };
  org: string | null;
  targets: Array<{ type: string; id: string; display?: string }>;
  data: Record<string, unknown>;
}
