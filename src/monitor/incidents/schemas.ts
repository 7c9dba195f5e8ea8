import { Type } from 'typebox';
import { Nullable, PageQuery, Timestamp, Uuid } from '../../http/schemas.ts';
import { EventSchema } from '../../audit/routes.ts';
import { AlertSchema } from '../detections/schemas.ts';

const Severity = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]);
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
const Actor = Type.Object({ type: Type.String(), id: Type.String() });

export const IncidentSchema = Type.Object({
  id: Uuid,
  title: Type.String(),
  severity: Severity,
  orgId: Nullable(Type.String()),
  ownerId: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('investigating'), Type.Literal('contained'), Type.Literal('resolved')]),
  summary: Type.String(),
  resolution: Nullable(Type.String()),
  rootCause: Nullable(Type.String()),
  openedAt: Timestamp,
  openedBy: Actor,
  updatedAt: Timestamp,
  resolvedAt: Nullable(Timestamp),
});

export const NoteSchema = Type.Object({ id: Uuid, text: Type.String(), author: Actor, createdAt: Timestamp });

const TimelineEntrySchema = Type.Object({
  type: Type.Union([Type.Literal('event'), Type.Literal('alert'), Type.Literal('note'), Type.Literal('change')]),
  time: Timestamp,
  summary: Type.String(),
  eventId: Type.Optional(Type.String()),
  alertId: Type.Optional(Type.String()),
  noteId: Type.Optional(Type.String()),
  action: Type.Optional(Type.String()),
  rule: Type.Optional(Type.String()),
});

export const IncidentDetailSchema = Type.Intersect([
  IncidentSchema,
  Type.Object({ alerts: Type.Array(AlertSchema), events: Type.Array(EventSchema), notes: Type.Array(NoteSchema), timeline: Type.Array(TimelineEntrySchema) }),
]);

export const OpenIncidentBody = Type.Object(
  {
    title: Text(200),
    severity: Severity,
    orgId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
    ownerId: Uuid,
    alertIds: Type.Optional(Type.Array(Uuid, { maxItems: 100 })),
    summary: Text(5000),
  },
  { additionalProperties: false },
);

export const IncidentQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('investigating'), Type.Literal('contained'), Type.Literal('resolved')])),
    org: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const IncidentParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const PatchIncidentBody = Type.Object(
  { ownerId: Type.Optional(Uuid), severity: Type.Optional(Severity), status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('investigating'), Type.Literal('contained')])) },
  { additionalProperties: false, minProperties: 1 },
);
export const LinkEventsBody = Type.Object({ eventIds: Type.Array(Uuid, { minItems: 1, maxItems: 200 }) }, { additionalProperties: false });
export const LinkAlertsBody = Type.Object({ alertIds: Type.Array(Uuid, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false });
export const NoteBody = Type.Object({ text: Text(5000) }, { additionalProperties: false });
export const ResolveBody = Type.Object({ resolution: Text(5000), rootCause: Text(5000) }, { additionalProperties: false });
