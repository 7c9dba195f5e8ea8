import { Type } from 'typebox';
import { Nullable, PageQuery, Timestamp, Uuid } from '../http/schemas.ts';
import { JUSTIFICATION_BOUNDS } from './elevation.ts';

export const EligibilitySchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  roleId: Uuid,
  principal: Type.Object({ type: Type.String({ enum: ['user'] }), id: Uuid }),
  grantedBy: Type.Object({ type: Type.String(), id: Type.String() }),
  approvalRef: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  createdAt: Timestamp,
  expiresAt: Nullable(Timestamp),
  endedAt: Nullable(Timestamp),
  endReason: Nullable(Type.String()),
  active: Type.Boolean({ description: 'not ended and not expired: the user may activate the role' }),
});
export const GrantEligibilityBody = Type.Object(
  {
    role: Type.String({ minLength: 1, maxLength: 64, description: 'role id or key' }),
    principalId: Uuid,
    reason: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
    approvalRef: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    expiresAt: Type.Optional(Nullable(Timestamp)),
  },
  { additionalProperties: false },
);
export const EligibilityParams = Type.Object({ org: Type.String({ maxLength: 64 }), id: Uuid });
export const EligibilityListQuery = Type.Object(
  { role: Type.Optional(Type.String({ maxLength: 64 })), principalId: Type.Optional(Uuid), active: Type.Optional(Type.Boolean()), ...PageQuery },
  { additionalProperties: false },
);
export const EndBody = Type.Object({ reason: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))) }, { additionalProperties: false });

export const ActivateBody = Type.Object(
  {
    eligibilityId: Uuid,
    justification: Type.String({ minLength: JUSTIFICATION_BOUNDS.min, maxLength: JUSTIFICATION_BOUNDS.max, description: 'why the role is needed now (recorded in the ledger)' }),
    durationMinutes: Type.Integer({ minimum: 1, maximum: 1440, description: "how long, at most the role's elevation.maxActivationMinutes" }),
  },
  { additionalProperties: false },
);
export const ActivationParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const MyEligibilitySchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  role: Type.Object({ id: Uuid, key: Type.String(), name: Type.String(), privileged: Type.Boolean(), maxActivationMinutes: Type.Integer(), activationRequiresApproval: Type.Boolean() }),
  expiresAt: Nullable(Timestamp),
  endedAt: Nullable(Timestamp),
  endReason: Nullable(Type.String()),
  active: Type.Boolean(),
  activation: Nullable(Type.Object({ assignmentId: Uuid, expiresAt: Timestamp, justification: Nullable(Type.String()) }, { description: 'the activation running now, if any' })),
});
