import { Type } from 'typebox';
import { EventSchema } from '../../audit/routes.ts';
import { Nullable, PageQuery, Timestamp, Uuid } from '../../http/schemas.ts';

const Actor = Type.Object({ type: Type.String(), id: Type.String() });
const STATUSES = ['open', 'acknowledged', 'resolved', 'closed'];
const RESOLUTIONS = ['fixed', 'risk_accepted', 'false_positive'];
const SEVERITIES = ['low', 'medium', 'high'];

export const FindingSchema = Type.Object({
  id: Uuid,
  orgId: Nullable(Uuid),
  type: Type.String({ description: 'the rule: member_without_required_mfa, privileged_without_phishing_resistant_mfa, stale_account, service_account_credential_stale, service_account_owner_missing, standing_privileged_assignment, grant_without_approval, review_campaign_overdue, review_items_undecided, review_missing, deprovisioning_sla_breach, api_key_without_expiry' }),
  subject: Type.Object({ type: Type.String(), id: Type.String(), display: Type.Optional(Type.String()) }),
  severity: Type.String({ enum: SEVERITIES }),
  summary: Type.String(),
  since: Timestamp,
  eventIds: Type.Array(Type.String(), { description: 'the ledger events the condition was computed from' }),
  historical: Type.Boolean({ description: 'a past fact that cannot clear by itself; a resolution ends it for good' }),
  status: Type.String({ enum: STATUSES }),
  openedAt: Timestamp,
  updatedAt: Timestamp,
  acknowledgement: Nullable(Type.Object({ at: Timestamp, by: Actor, note: Type.String() })),
  resolution: Nullable(Type.Object({ resolution: Type.String({ enum: RESOLUTIONS }), note: Type.String(), acceptedUntil: Nullable(Timestamp), at: Timestamp, by: Actor })),
  reopenCount: Type.Integer(),
  reopenedAt: Nullable(Timestamp),
  closedAt: Nullable(Timestamp),
  closeReason: Nullable(Type.String()),
});

/** A transition of the finding as the ledger recorded it. */
const TimelineEvent = EventSchema;

export const FindingWithTimelineSchema = Type.Object({ ...FindingSchema.properties, timeline: Type.Array(TimelineEvent, { description: 'the ledger events of its transitions, in ledger order' }) });

export const FindingQuery = Type.Object(
  {
    org: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'organization id or slug; omitted: every organization and the deployment-level findings' })),
    status: Type.Optional(Type.String({ enum: STATUSES })),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    severity: Type.Optional(Type.String({ enum: SEVERITIES, description: 'only findings of this severity' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);

const Note = Type.String({ minLength: 1, maxLength: 2000 });
export const AcknowledgeBody = Type.Object({ note: Note }, { additionalProperties: false });
export const ResolveBody = Type.Object(
  {
    resolution: Type.String({ enum: RESOLUTIONS }),
    note: Note,
    acceptedUntil: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
