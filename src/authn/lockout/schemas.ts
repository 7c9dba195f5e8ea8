import { Type } from 'typebox';
import { Nullable, Timestamp, Uuid } from '../../http/schemas.ts';

export const LockRecordSchema = Type.Object({
  id: Uuid,
  lockedAt: Timestamp,
  lockedUntil: Timestamp,
  failures: Type.Integer(),
  endedAt: Nullable(Timestamp),
  endedBy: Nullable(Type.String({ enum: ['time', 'admin', 'email'] })),
});

export const LockoutStateSchema = Type.Object({
  userId: Uuid,
  locked: Type.Boolean(),
  lockedUntil: Nullable(Timestamp),
  failuresInWindow: Type.Integer(),
  threshold: Type.Integer(),
  windowMinutes: Type.Integer(),
  durationMinutes: Type.Integer(),
  history: Type.Array(LockRecordSchema),
});

export const LockedAccountSchema = Type.Object({ id: Uuid, userId: Uuid, email: Type.String(), failures: Type.Integer(), lockedAt: Timestamp, lockedUntil: Timestamp });

export const UnlockBody = Type.Object({ reason: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))) }, { additionalProperties: false });
