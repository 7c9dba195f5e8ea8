import { Type } from 'typebox';
import { Nullable, PageQuery, Timestamp, Uuid } from '../../http/schemas.ts';
import { EventSchema } from '../../audit/routes.ts';

export const RULE_NAMES = ['brute_force', 'credential_stuffing', 'password_spraying', 'mfa_fatigue', 'account_takeover_sequence', 'impossible_travel', 'privilege_outside_approval'] as const;
const Severity = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]);
const Note = Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' });

export const RuleSchema = Type.Object({
  name: Type.String(),
  enabled: Type.Boolean(),
  severity: Severity,
  description: Type.String(),
  events: Type.Array(Type.String()),
  thresholds: Nullable(Type.Object({}, { additionalProperties: true })),
});

export const AlertSchema = Type.Object({
  id: Uuid,
  rule: Type.String(),
  severity: Severity,
  orgId: Nullable(Type.String()),
  subjectType: Type.String(),
  subject: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('closed')]),
  firstSeenAt: Timestamp,
  lastSeenAt: Timestamp,
  eventCount: Type.Integer(),
  details: Type.Object({}, { additionalProperties: true }),
  raisedAt: Timestamp,
  acknowledgedAt: Nullable(Timestamp),
  acknowledgedBy: Nullable(Type.String()),
  closedAt: Nullable(Timestamp),
  closedBy: Nullable(Type.String()),
  disposition: Nullable(Type.String()),
  note: Nullable(Type.String()),
});

export const AlertWithEventsSchema = Type.Intersect([AlertSchema, Type.Object({ events: Type.Array(EventSchema) })]);

export const AlertQuery = Type.Object(
  {
    org: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('closed')])),
    rule: Type.Optional(Type.Union(RULE_NAMES.map((r) => Type.Literal(r)))),
    severity: Type.Optional(Severity),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const AlertParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const AcknowledgeBody = Type.Object({ note: Type.Optional(Note) }, { additionalProperties: false });
export const CloseBody = Type.Object(
  { disposition: Type.Union([Type.Literal('true_positive'), Type.Literal('false_positive'), Type.Literal('benign')]), note: Type.Optional(Note) },
  { additionalProperties: false },
);
