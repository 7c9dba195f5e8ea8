import { Type } from 'typebox';
import { Nullable, PageQuery, Timestamp, Uuid } from '../http/schemas.ts';
import { MAX_SECRET_OVERLAP_SECONDS } from './hr-sources.ts';

const Reason = Type.String({ minLength: 1, maxLength: 500 });
const Source = Type.String({ enum: ['scim', 'hr', 'admin'] });

export const MemberParams = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }), id: Uuid }, { additionalProperties: false });
export const HrSourceParams = MemberParams;

export const DeprovisionBody = Type.Object(
  { terminatedAt: Type.Optional(Timestamp), reason: Reason },
  { additionalProperties: false, description: 'terminatedAt: when the person left (default: now); it may be earlier, never later than now' },
);
export const ReactivateBody = Type.Object({ reason: Reason }, { additionalProperties: false });

export const RemovalSchema = Type.Object({
  userId: Uuid,
  leaverId: Nullable(Uuid),
  terminatedAt: Timestamp,
  accessRemovedAt: Timestamp,
  elapsedSeconds: Type.Integer({ minimum: 0 }),
  slaHours: Type.Integer({ minimum: 1 }),
  withinSla: Type.Boolean(),
  alreadyDeprovisioned: Type.Boolean(),
});
export const ReactivationSchema = Type.Object({ userId: Uuid, leaverId: Nullable(Uuid) });

export const LeaverSchema = Type.Object({
  id: Uuid,
  orgId: Nullable(Uuid),
  userId: Uuid,
  email: Type.String(),
  employeeNumber: Nullable(Type.String()),
  source: Source,
  sourceRef: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  terminatedAt: Timestamp,
  accessRemovedAt: Timestamp,
  elapsedSeconds: Type.Integer({ minimum: 0 }),
  slaHours: Type.Integer({ minimum: 1 }),
  verdict: Type.String({ enum: ['within_sla', 'breached'] }),
  reactivatedAt: Nullable(Timestamp),
});
export const LeaverQuery = Type.Object(
  {
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    format: Type.Optional(Type.String({ enum: ['json', 'csv'], description: 'csv: every leaver of the window as one CSV file (as does Accept: text/csv); limit and cursor then do not apply' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const FindingSchema = Type.Object({
  kind: Type.String({ enum: ['removal_late', 'removal_overdue'] }),
  userId: Uuid,
  leaverId: Nullable(Uuid),
  scheduledTerminationId: Nullable(Uuid),
  terminatedAt: Timestamp,
  accessRemovedAt: Nullable(Timestamp),
  slaHours: Type.Integer({ minimum: 1 }),
  since: Timestamp,
  detail: Type.String(),
});

export const HrSourceSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  name: Type.String(),
  status: Type.String({ enum: ['active', 'deleted'] }),
  secretPrefix: Type.String(),
  previousSecretExpiresAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Nullable(Timestamp),
  lastEventAt: Nullable(Timestamp),
});
export const CreateHrSourceBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const CreatedHrSourceSchema = Type.Object({ source: HrSourceSchema, secret: Type.String({ description: 'the signing secret, shown this once' }), url: Type.String({ description: 'where the HR system posts its events' }) });
export const RotateSecretBody = Type.Object(
  { overlapSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SECRET_OVERLAP_SECONDS, description: 'how long the replaced secret keeps working (default 86400)' })) },
  { additionalProperties: false },
);
export const RotatedSecretSchema = Type.Object({ source: HrSourceSchema, secret: Type.String({ description: 'the new signing secret, shown this once' }) });

export const HrEventOutcomeSchema = Type.Object({
  status: Type.String({ enum: ['deprovisioned', 'already_deprovisioned', 'scheduled', 'reactivated', 'not_deprovisioned', 'unmatched'] }),
  eventId: Type.String(),
  userId: Nullable(Uuid),
  scheduledFor: Nullable(Timestamp),
});
