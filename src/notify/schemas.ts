import { Type } from 'typebox';
import { Nullable, Timestamp, Uuid } from '../http/schemas.ts';

export const WebhookParams = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }), id: Uuid }, { additionalProperties: false });

/** A type prefix ending in "." (`access.`), an exact type (`access.request.pending`) or "*". */
const EventFilter = Type.String({ pattern: '^(\\*|[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*\\.?)$', maxLength: 100 });

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'https (plain http only to 127.0.0.1, ::1 or localhost), no user name or password' }),
    events: Type.Array(EventFilter, { minItems: 1, maxItems: 20, description: 'type prefixes ending in "." (e.g. "access."), exact types, or "*"' }),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const WebhookSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  status: Type.String({ enum: ['active', 'deleted'] }),
  secretPrefix: Type.String({ description: 'the first characters of the signing secret, to tell secrets apart' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Nullable(Timestamp),
});

export const WebhookWithSecretSchema = Type.Object({ webhook: WebhookSchema, secret: Type.String({ description: 'the signing secret (kl_whsec_…), shown this once' }) });

export const DeliverySchema = Type.Object({
  id: Uuid,
  notificationId: Uuid,
  type: Type.String(),
  status: Type.String({ enum: ['pending', 'sending', 'delivered', 'failed'] }),
  attempts: Type.Integer({ minimum: 0 }),
  lastError: Nullable(Type.String()),
  lastStatusCode: Nullable(Type.Integer()),
  nextAttemptAt: Nullable(Timestamp),
  deliveredAt: Nullable(Timestamp),
  createdAt: Timestamp,
});
