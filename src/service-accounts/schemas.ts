import { Type } from 'typebox';
import { Nullable, Timestamp, Uuid } from '../http/schemas.ts';
import { MAX_OVERLAP_SECONDS } from './credentials.ts';

export const SaParams = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }), id: Uuid }, { additionalProperties: false });
export const CredentialParams = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }), id: Uuid, credentialId: Uuid }, { additionalProperties: false });

const Status = Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('deleted')]);
export const ServiceAccountSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  name: Type.String(),
  description: Type.String(),
  ownerUserId: Nullable(Type.String()),
  status: Status,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Nullable(Timestamp),
  ownerMissingSince: Nullable(Timestamp),
});
export const CreateServiceAccountBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), description: Type.String({ minLength: 1, maxLength: 1000 }), ownerUserId: Uuid },
  { additionalProperties: false },
);
export const UpdateServiceAccountBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    ownerUserId: Type.Optional(Uuid),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** A JWK as sent: members checked by the key check, not by the schema (its size is bounded here). */
const Jwk = Type.Record(Type.String({ maxLength: 16 }), Type.Unknown(), { maxProperties: 20 });
const Pem = Type.String({ minLength: 1, maxLength: 10_000 });
/** `{ kind: 'secret' }`, or `{ kind: 'public_key' }` with exactly one of `jwk` and `pem` (checked by the service). */
export const CreateCredentialBody = Type.Object(
  { kind: Type.Union([Type.Literal('secret'), Type.Literal('public_key')]), jwk: Type.Optional(Jwk), pem: Type.Optional(Pem) },
  { additionalProperties: false },
);
export const RotateCredentialBody = Type.Object(
  { overlapSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OVERLAP_SECONDS })), jwk: Type.Optional(Jwk), pem: Type.Optional(Pem) },
  { additionalProperties: false },
);
export const RevokeCredentialQuery = Type.Object({ reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }, { additionalProperties: false });

export const CredentialSchema = Type.Object({
  id: Uuid,
  serviceAccountId: Uuid,
  kind: Type.Union([Type.Literal('secret'), Type.Literal('public_key')]),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
  createdAt: Timestamp,
  createdBy: Type.Object({ type: Type.String(), id: Type.String() }),
  expiresAt: Timestamp,
  revokedAt: Nullable(Timestamp),
  revokeReason: Nullable(Type.String()),
  rotatedFromId: Nullable(Uuid),
  replacedById: Nullable(Uuid),
  lastUsedAt: Nullable(Timestamp),
  lastUsedIp: Nullable(Type.String()),
  secretPrefix: Nullable(Type.String()),
  jwk: Nullable(Type.Record(Type.String(), Type.String())),
  alg: Nullable(Type.String()),
  thumbprint: Nullable(Type.String()),
});
export const IssuedCredentialSchema = Type.Object({
  credential: CredentialSchema,
  secret: Type.Optional(Type.String({ description: 'The client secret (secrets only), shown this once and never again.' })),
});
export const RotatedCredentialSchema = Type.Object({ ...IssuedCredentialSchema.properties, rotated: CredentialSchema });
export const CredentialList = Type.Object({ items: Type.Array(CredentialSchema) });

export const FindingSchema = Type.Object({
  kind: Type.Union([Type.Literal('credential_too_old'), Type.Literal('credential_unused'), Type.Literal('owner_missing')]),
  serviceAccountId: Uuid,
  credentialId: Type.Optional(Uuid),
  since: Timestamp,
  detail: Type.String(),
});
export const FindingList = Type.Object({ items: Type.Array(FindingSchema) });
