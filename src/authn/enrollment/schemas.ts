import { Type } from 'typebox';
import { Nullable, PageQuery, Timestamp, Uuid } from '../../http/schemas.ts';
import { INVITATION_MAX_HOURS } from './links.ts';

const InvitationStatus = Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('revoked'), Type.Literal('expired')]);

export const InvitationSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  email: Type.String(),
  status: InvitationStatus,
  invitedBy: Type.Object({ type: Type.String(), id: Type.String() }),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  acceptedAt: Nullable(Timestamp),
  acceptedUserId: Nullable(Uuid),
  revokedAt: Nullable(Timestamp),
});

export const CreateInvitationBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    expiresInHours: Type.Optional(Type.Integer({ minimum: 1, maximum: INVITATION_MAX_HOURS, description: 'how long the link works (default 72)' })),
  },
  { additionalProperties: false },
);

export const CreatedInvitation = Type.Object({
  invitation: InvitationSchema,
  link: Type.String({ description: 'the one-time sign-up link, also mailed to the invitee; shown only here' }),
});

export const InvitationListQuery = Type.Object({ status: Type.Optional(InvitationStatus), ...PageQuery }, { additionalProperties: false });
export const InvitationParams = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }), id: Uuid }, { additionalProperties: false });
export const UserParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const LinkSentSchema = Type.Object({ userId: Uuid, email: Type.String(), expiresAt: Timestamp });
