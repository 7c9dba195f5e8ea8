import { Type } from 'typebox';
import { Nullable, PageQuery, Timestamp, Uuid } from '../../http/schemas.ts';

const Org = Type.String({ minLength: 1, maxLength: 64, description: 'organization id or slug (required)' });
const Principal = Type.Object({ type: Type.String(), id: Type.String() });

export const UsersQuery = Type.Object({ org: Org, ...PageQuery }, { additionalProperties: false });
export const RoleAssignmentsQuery = Type.Object(
  { org: Org, active: Type.Optional(Type.Boolean({ description: 'true: only assignments in force now; false: only ended or expired ones; omitted: both' })), ...PageQuery },
  { additionalProperties: false },
);
export const AccessReviewsQuery = UsersQuery;
export const DeprovisioningQuery = Type.Object(
  { org: Org, from: Type.Optional(Timestamp), to: Type.Optional(Timestamp), ...PageQuery },
  { additionalProperties: false, description: 'from/to: terminations at or after `from` and before `to`' },
);
export const FindingsQuery = Type.Object(
  { org: Org, since: Type.Optional(Type.String({ format: 'date-time', description: 'resolved or closed findings changed at or after this time (default: 90 days ago); open and acknowledged ones are always listed' })), ...PageQuery },
  { additionalProperties: false },
);

export const ComplianceUserSchema = Type.Object({
  id: Uuid,
  displayName: Type.String({ description: 'the name, or the email when no name is set' }),
  email: Type.String(),
  permissionLevel: Type.String({ enum: ['ADMIN', 'USER'], description: 'ADMIN when the user holds a privileged role in the organization now (standing or an active just-in-time activation)' }),
  roles: Type.Array(Type.String(), { description: 'names of the roles held now in the organization' }),
  status: Type.String({ enum: ['ACTIVE', 'SUSPENDED', 'DEPROVISIONED'] }),
  mfaEnabled: Type.Boolean({ description: 'an active TOTP factor or a passkey is enrolled' }),
  mfaMethods: Type.Array(Type.String({ enum: ['totp', 'passkey'] })),
  authMethod: Type.String({ enum: ['sso', 'password', 'passkey-only', 'none'], description: 'the first that applies: linked to the organization’s identity provider, a password, passkeys only, nothing yet' }),
  createdAt: Timestamp,
  deactivatedAt: Nullable(Timestamp),
  lastSignInAt: Nullable(Timestamp),
});

export const ComplianceRoleAssignmentSchema = Type.Object({
  id: Uuid,
  principal: Principal,
  role: Type.Object({ id: Uuid, key: Type.String(), name: Type.String() }),
  privileged: Type.Boolean(),
  kind: Type.String({ enum: ['standing', 'activation'] }),
  grantedAt: Timestamp,
  grantedBy: Principal,
  approval: Nullable(Type.Object({ requestId: Nullable(Uuid), approvalRef: Nullable(Type.String()) })),
  expiresAt: Nullable(Timestamp),
  endedAt: Nullable(Timestamp),
  endReason: Nullable(Type.String()),
  active: Type.Boolean(),
});

export const ComplianceAccessReviewSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  kind: Type.String(),
  status: Type.String(),
  ownerId: Nullable(Uuid),
  startsAt: Timestamp,
  dueAt: Timestamp,
  ownerSignedOffAt: Nullable(Timestamp),
  closedAt: Nullable(Timestamp),
  overdueAt: Nullable(Timestamp),
  counts: Type.Object({ items: Type.Integer(), kept: Type.Integer(), revoked: Type.Integer(), undecided: Type.Integer() }),
});

export const ComplianceDeprovisioningSchema = Type.Object({
  id: Uuid,
  userId: Uuid,
  email: Type.String(),
  source: Type.String({ enum: ['scim', 'hr', 'admin'] }),
  terminatedAt: Timestamp,
  accessRemovedAt: Timestamp,
  latencySeconds: Type.Integer({ minimum: 0 }),
  slaHours: Type.Integer({ minimum: 1 }),
  withinSla: Type.Boolean(),
  reactivatedAt: Nullable(Timestamp),
});
