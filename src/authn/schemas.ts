import { Type } from 'typebox';
import { Nullable, Timestamp, Uuid } from '../http/schemas.ts';
import { MFA_POLICIES } from '../identity/organization-settings.ts';

const MfaPolicy = Type.String({ enum: [...MFA_POLICIES] });
const Count = Type.Integer({ minimum: 0 });

export const UserParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const TotpFactorParams = Type.Object({ id: Uuid, factorId: Uuid }, { additionalProperties: false });
export const SessionParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const TotpFactorSchema = Type.Object({
  id: Uuid,
  status: Type.Union([Type.Literal('pending'), Type.Literal('active')]),
  algorithm: Type.String(),
  digits: Type.Integer(),
  period: Type.Integer(),
  createdAt: Timestamp,
  expiresAt: Nullable(Timestamp),
  activatedAt: Nullable(Timestamp),
});
export const FactorSummarySchema = Type.Object({
  password: Type.Object({ set: Type.Boolean(), updatedAt: Nullable(Timestamp) }),
  totp: Type.Array(TotpFactorSchema),
  recoveryCodes: Type.Object({ remaining: Count, generatedAt: Nullable(Timestamp) }),
});

const Reason = Type.String({ minLength: 1, maxLength: 1000, description: 'why, recorded in the ledger' });
export const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
export const OptionalReasonBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });

export const FactorResetSchema = Type.Object({ totpRemoved: Count, recoveryCodesInvalidated: Count, sessionsRevoked: Count });

/** A session as administrators see it: never the token or its hash. */
export const SessionSchema = Type.Object({
  id: Uuid,
  userId: Uuid,
  orgId: Nullable(Uuid),
  amr: Type.Array(Type.String(), { description: 'RFC 8176 authentication methods proven in this session' }),
  acr: Type.String({ description: 'authentication context class reached' }),
  authTime: Timestamp,
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  idleTimeoutSeconds: Type.Integer(),
  idleExpiresAt: Timestamp,
  absoluteExpiresAt: Timestamp,
  revokedAt: Nullable(Timestamp),
  revokeReason: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  stepUpAt: Nullable(Timestamp),
  state: Type.Union([Type.Literal('active'), Type.Literal('revoked'), Type.Literal('idle_expired'), Type.Literal('absolute_expired')]),
});
export const SessionListQuery = Type.Object({ includeEnded: Type.Optional(Type.Boolean({ description: 'also list revoked and expired sessions (history)' })) }, { additionalProperties: false });
export const SessionList = Type.Object({ items: Type.Array(SessionSchema) });
export const RevokedCount = Type.Object({ revoked: Count });

export const AuthnPolicySchema = Type.Object({
  passwordPolicy: Type.Object({ minLength: Type.Integer(), maxLength: Type.Integer(), mfaRequired: Type.Boolean() }),
  sessionPolicy: Type.Object({ idleTimeoutMinutes: Type.Integer(), absoluteTimeoutHours: Type.Integer() }),
  mfaPolicy: MfaPolicy,
  mfaGracePeriodDays: Type.Integer(),
  stepUpFreshnessMinutes: Type.Integer(),
  roleMfaPolicies: Type.Array(Type.Object({ roleKey: Type.String(), mfaPolicy: MfaPolicy })),
});

export const MfaStatusQuery = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64, description: 'organization id or slug' }) }, { additionalProperties: false });
export const MfaStatusSchema = Type.Object({
  requirement: Type.Object({
    level: MfaPolicy,
    source: Type.String({ description: 'organization, role:<key> or default' }),
    graceEndsAt: Nullable(Timestamp),
    inGrace: Type.Boolean(),
  }),
  enrolled: Type.Object({ password: Type.Boolean(), totp: Type.Boolean(), recoveryCodes: Count }),
  compliant: Type.Boolean(),
});
