import { Type } from 'typebox';
import { Nullable, Timestamp, Uuid } from '../http/schemas.ts';
import { MAX_TOKEN_OVERLAP_SECONDS } from './directories.ts';

const Name = Type.String({ minLength: 1, maxLength: 200 });

export const DirectoryParams = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }), id: Uuid }, { additionalProperties: false });
export const TokenParams = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }), id: Uuid, tokenId: Uuid }, { additionalProperties: false });
export const MappingParams = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }), id: Uuid, mappingId: Uuid }, { additionalProperties: false });

export const DirectorySchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  name: Type.String(),
  status: Type.String({ enum: ['active', 'disabled'] }),
  baseUrl: Type.String({ description: 'The SCIM base URL to give the identity provider' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lastRequestAt: Nullable(Timestamp),
});

export const CreateDirectoryBody = Type.Object({ name: Name }, { additionalProperties: false });
export const UpdateDirectoryBody = Type.Object({ status: Type.String({ enum: ['active', 'disabled'] }) }, { additionalProperties: false });

export const TokenSchema = Type.Object({
  id: Uuid,
  directoryId: Uuid,
  prefix: Type.String({ description: 'The first characters of the token, to recognise it' }),
  createdAt: Timestamp,
  createdBy: Type.Object({ type: Type.String(), id: Type.String() }),
  expiresAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
  lastUsedAt: Nullable(Timestamp),
  lastUsedIp: Nullable(Type.String()),
  state: Type.String({ enum: ['active', 'expiring', 'expired', 'revoked'] }),
});

export const IssuedTokenSchema = Type.Object({
  token: Type.String({ description: 'The bearer token (kl_scim_…), shown this once' }),
  baseUrl: Type.String(),
  tokenInfo: TokenSchema,
});

export const RotateTokenBody = Type.Object(
  { overlapSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_TOKEN_OVERLAP_SECONDS, description: 'How long the current tokens keep working (default 86400)' })) },
  { additionalProperties: false },
);

export const MappingSchema = Type.Object({
  id: Uuid,
  directoryId: Uuid,
  groupId: Uuid,
  groupDisplayName: Type.String(),
  roleId: Uuid,
  roleKey: Type.String(),
  privileged: Type.Boolean({ description: 'A privileged role is requested (pending approval), never granted by the group' }),
  createdAt: Timestamp,
  createdBy: Type.Object({ type: Type.String(), id: Type.String() }),
});

export const CreateMappingBody = Type.Object(
  { group: Type.String({ minLength: 1, maxLength: 256, description: 'The directory group: its id or displayName' }), role: Type.String({ minLength: 1, maxLength: 128, description: 'The role: its id or key' }) },
  { additionalProperties: false },
);
