import { Type } from 'typebox';
import { Nullable, PageQuery, Timestamp, Uuid } from '../../http/schemas.ts';

const Status = Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]);
const Summary = Type.Object({ id: Type.String(), status: Type.String(), headline: Type.String() });

export const ExportSchema = Type.Object({
  id: Uuid,
  orgId: Type.String(),
  from: Timestamp,
  to: Timestamp,
  seed: Nullable(Type.String()),
  samples: Type.Record(Type.String(), Type.Integer()),
  status: Status,
  progress: Type.Object({ phase: Type.String(), done: Type.Integer(), total: Type.Integer(), percent: Type.Integer({ minimum: 0, maximum: 100 }) }),
  requestedBy: Type.Object({ type: Type.String(), id: Type.String(), display: Type.Optional(Type.String()) }),
  requestedAt: Timestamp,
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
  attempts: Type.Integer(),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  package: Nullable(Type.Object({ sha256: Type.String(), bytes: Type.Integer(), manifestSha256: Type.String(), checkpointSize: Type.Integer() })),
  summary: Nullable(Type.Array(Summary)),
});

/** A window as RFC 3339 times or dates; the service checks order and that it has ended. */
export const Moment = Type.String({ minLength: 10, maxLength: 40, description: 'RFC 3339 time, or a date (YYYY-MM-DD) read as midnight UTC' });

export const ExportBody = Type.Object(
  {
    org: Type.String({ minLength: 1, maxLength: 200, description: 'organization id or slug' }),
    from: Moment,
    to: Moment,
    seed: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the auditor’s sampling seed' })),
    samples: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Integer(), { description: 'sample size per population, e.g. {"CC6.5/leavers": 8}', maxProperties: 50 })),
  },
  { additionalProperties: false },
);

export const ExportParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const ExportQuery = Type.Object({ org: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), ...PageQuery }, { additionalProperties: false });
