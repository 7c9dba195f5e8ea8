import { Type } from 'typebox';
import { Nullable, PageQuery, Timestamp, Uuid } from '../http/schemas.ts';
import { MFA_POLICIES } from '../identity/organization-settings.ts';
import { APPROVER_KINDS, GOVERNANCE_BOUNDS } from './role-governance.ts';

const RoleKey = Type.String({ pattern: '^[a-z][a-z0-9_.:-]{0,63}$', description: 'lowercase key, e.g. billing-admin' });
const Permission = Type.String({ pattern: '^[A-Za-z0-9_.:*/-]{1,128}$' });
const ApproverKind = Type.String({ enum: [...APPROVER_KINDS], description: "manager: the requester's manager; owner: the role's owner; named: one of the role's named approvers" });
const b = GOVERNANCE_BOUNDS;
const GovernanceFields = {
  ownerId: Type.Optional(Nullable(Uuid)),
  approval: Type.Optional(
    Type.Object(
      {
        approvers: Type.Optional(Type.Array(ApproverKind, { minItems: 1, maxItems: 3, uniqueItems: true })),
        namedApprovers: Type.Optional(Type.Array(Uuid, { maxItems: b.namedApprovers.max, uniqueItems: true })),
        approvalsRequired: Type.Optional(Nullable(Type.Integer({ minimum: b.approvalsRequired.min, maximum: b.approvalsRequired.max, description: 'null: the default (2 for a privileged role, 1 otherwise)' }))),
      },
      { additionalProperties: false },
    ),
  ),
  elevation: Type.Optional(
    Type.Object(
      {
        maxActivationMinutes: Type.Optional(Type.Integer({ minimum: b.maxActivationMinutes.min, maximum: b.maxActivationMinutes.max })),
        activationRequiresApproval: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
  ),
  allowStanding: Type.Optional(Type.Boolean({ description: 'accept standing (non-JIT) assignments of this privileged role instead of reporting them' })),
};
const RoleMfaPolicy = Nullable(Type.String({ enum: [...MFA_POLICIES], description: 'MFA the role demands of its holders; null: the organization policy applies (the strictest of the two wins)' }));

export const RoleSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  key: Type.String(),
  name: Type.String(),
  description: Type.String(),
  permissions: Type.Array(Type.String()),
  privileged: Type.Boolean(),
  mfaPolicy: RoleMfaPolicy,
  ownerId: Nullable(Uuid),
  approval: Type.Object({
    approvers: Type.Array(ApproverKind),
    namedApprovers: Type.Array(Uuid),
    approvalsRequired: Type.Integer(),
    approvalsRequiredDefault: Type.Boolean({ description: 'true when approvalsRequired is the default (2 for a privileged role, 1 otherwise)' }),
  }),
  elevation: Type.Object({ maxActivationMinutes: Type.Integer(), activationRequiresApproval: Type.Boolean() }),
  allowStanding: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const CreateRoleBody = Type.Object(
  {
    key: RoleKey,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.String({ minLength: 1, maxLength: 4000, description: 'The documented role definition an auditor reads' }),
    permissions: Type.Array(Permission, { maxItems: 500 }),
    privileged: Type.Optional(Type.Boolean()),
    mfaPolicy: Type.Optional(RoleMfaPolicy),
    ...GovernanceFields,
  },
  { additionalProperties: false },
);
export const UpdateRoleBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
    permissions: Type.Optional(Type.Array(Permission, { maxItems: 500 })),
    privileged: Type.Optional(Type.Boolean()),
    mfaPolicy: Type.Optional(RoleMfaPolicy),
    ...GovernanceFields,
  },
  { additionalProperties: false, minProperties: 1 },
);
export const RoleParams = Type.Object({ org: Type.String({ maxLength: 64 }), role: Type.String({ minLength: 1, maxLength: 64 }) });

const PrincipalType = Type.Union([Type.Literal('user'), Type.Literal('service_account')]);
export const AssignmentSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  roleId: Uuid,
  principal: Type.Object({ type: PrincipalType, id: Type.String() }),
  grantedBy: Type.Object({ type: Type.String(), id: Type.String() }),
  approvalRef: Nullable(Type.String()),
  requestId: Nullable(Uuid),
  reason: Nullable(Type.String()),
  kind: Type.String({ enum: ['standing', 'activation'], description: 'standing: granted outright; activation: a just-in-time elevation from an eligibility' }),
  eligibilityId: Nullable(Uuid),
  justification: Nullable(Type.String()),
  expiresAt: Nullable(Timestamp),
  createdAt: Timestamp,
  endedAt: Nullable(Timestamp),
  endReason: Nullable(Type.String()),
  active: Type.Boolean(),
});
export const GrantBody = Type.Object(
  {
    role: Type.String({ minLength: 1, maxLength: 64, description: 'role id or key' }),
    principalType: PrincipalType,
    principalId: Uuid,
    reason: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
    approvalRef: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    expiresAt: Type.Optional(Nullable(Timestamp)),
  },
  { additionalProperties: false },
);
export const RevokeBody = Type.Object({ reason: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))) }, { additionalProperties: false });
export const AssignmentListQuery = Type.Object(
  { role: Type.Optional(Type.String({ maxLength: 64 })), principalId: Type.Optional(Uuid), active: Type.Optional(Type.Boolean()), ...PageQuery },
  { additionalProperties: false },
);
export const AssignmentParams = Type.Object({ org: Type.String({ maxLength: 64 }), id: Uuid });

export const RoleDefinitionsQuery = Type.Object({ format: Type.Optional(Type.String({ enum: ['json', 'csv', 'markdown'] })) }, { additionalProperties: false });
const RoleChangeSchema = Type.Object({
  eventId: Uuid,
  seq: Type.Integer(),
  time: Timestamp,
  action: Type.String(),
  actor: Type.Object({ type: Type.String(), id: Type.String(), display: Type.Optional(Type.String()) }),
  data: Type.Record(Type.String(), Type.Unknown()),
});
export const RoleDefinitionsSchema = Type.Object({
  org: Type.Object({ id: Uuid, slug: Type.String(), name: Type.String() }),
  generatedAt: Timestamp,
  ledgerSeq: Nullable(Type.Integer()),
  roles: Type.Array(
    Type.Object({
      role: RoleSchema,
      owner: Nullable(Type.Object({ id: Uuid, email: Type.String() })),
      holders: Type.Integer(),
      history: Type.Array(RoleChangeSchema),
    }),
  ),
  deletedRoles: Type.Array(Type.Object({ roleId: Uuid, key: Type.String(), history: Type.Array(RoleChangeSchema) })),
});
