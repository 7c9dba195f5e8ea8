import { Type } from 'typebox';
import { Nullable, Timestamp, Uuid } from '../http/schemas.ts';

export const DestinationParams = Type.Object({ id: Uuid }, { additionalProperties: false });

const Kind = Type.String({ enum: ['webhook', 'splunk_hec', 'syslog_tls', 'jsonl_file'] });

/** The settings of every kind in one flat object; which fields a kind takes is checked by the service (stream.destination_invalid). */
const ConfigBody = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'webhook, splunk_hec: https (plain http only to a loopback host); Splunk: the HEC base URL' })),
    caCertificate: Type.Optional(Type.String({ minLength: 1, maxLength: 20000, description: 'PEM of a private CA the receiver certificate chains to' })),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, description: 'events per batch (default 500)' })),
    token: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'splunk_hec: the HEC token (stored encrypted, never shown again)' })),
    index: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,80}$' })),
    sourcetype: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_:.-]{1,80}$' })),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'syslog_tls: the receiver host' })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    serverName: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'syslog_tls: the name its certificate must carry' })),
    format: Type.Optional(Type.String({ enum: ['ocsf', 'cef'] })),
    directory: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'jsonl_file: an absolute folder' })),
    maxBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 17_179_869_184 })),
    maxAgeSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604_800 })),
  },
  { additionalProperties: false },
);

const FilterBody = Type.Object(
  {
    actionPrefixes: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_.]{0,99}$' }), { maxItems: 50, description: 'only actions starting with one of these (e.g. "authn.", "access.assignment.")' })),
    orgIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100, description: 'deployment destinations: only these organizations (ids or slugs)' })),
  },
  { additionalProperties: false },
);

export const CreateDestinationBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    kind: Kind,
    orgId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64, description: 'an organization id or slug: only its events; null or absent: the whole deployment' }))),
    config: ConfigBody,
    filter: Type.Optional(FilterBody),
  },
  { additionalProperties: false },
);

export const UpdateDestinationBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), config: Type.Optional(ConfigBody), filter: Type.Optional(FilterBody) },
  { additionalProperties: false, minProperties: 1 },
);

export const RewindBody = Type.Object({ fromSeq: Type.Integer({ minimum: 0, description: 'the first seq to deliver again' }) }, { additionalProperties: false });

export const HealthSchema = Type.Object({
  status: Type.String({ enum: ['healthy', 'failing', 'paused'] }),
  cursorSeq: Type.Integer(),
  headSeq: Type.Integer(),
  lagEvents: Type.Integer({ minimum: 0 }),
  lagSeconds: Type.Number({ minimum: 0 }),
  lastDeliveredAt: Nullable(Timestamp),
  lastDeliveredSeq: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  lastErrorAt: Nullable(Timestamp),
  consecutiveFailures: Type.Integer({ minimum: 0 }),
  nextAttemptAt: Nullable(Timestamp),
});

export const DestinationSchema = Type.Object({
  id: Uuid,
  orgId: Nullable(Uuid),
  name: Type.String(),
  kind: Kind,
  config: Type.Record(Type.String(), Type.Unknown(), { description: 'settings without secrets; a URL without its query, a CA certificate as its SHA-256 fingerprint' }),
  filter: Type.Object({ actionPrefixes: Type.Array(Type.String()), orgIds: Type.Array(Type.String()) }),
  status: Type.String({ enum: ['active', 'paused'] }),
  secretPrefix: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  health: HealthSchema,
});

export const DestinationWithSecretSchema = Type.Object({
  destination: DestinationSchema,
  secret: Nullable(Type.String({ description: 'webhook: the signing secret (kl_whsec_…), shown this once; null for other kinds' })),
});
