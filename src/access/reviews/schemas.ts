import { Type } from 'typebox';
import { Nullable, PageQuery, Timestamp, Uuid } from '../../http/schemas.ts';

const KINDS = ['scheduled', 'ad_hoc', 'mover'];
const STATUSES = ['open', 'closed', 'cancelled'];
const APPLY_MODES = ['on_close', 'on_decision'];
const DECISIONS = ['keep', 'revoke'];

const Counts = Type.Object({ items: Type.Integer(), kept: Type.Integer(), revoked: Type.Integer(), undecided: Type.Integer() });

export const CampaignSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  name: Type.String(),
  kind: Type.String({ enum: KINDS }),
  status: Type.String({ enum: STATUSES }),
  ownerId: Nullable(Uuid),
  applyMode: Type.String({ enum: APPLY_MODES }),
  subjectUserId: Nullable(Uuid),
  startsAt: Timestamp,
  dueAt: Timestamp,
  closedAt: Nullable(Timestamp),
  ownerSignedOffAt: Nullable(Timestamp),
  overdueAt: Nullable(Timestamp),
  createdBy: Type.Object({ type: Type.String(), id: Type.String() }),
  createdAt: Timestamp,
  counts: Counts,
});

const itemFields = {
  id: Uuid,
  campaignId: Uuid,
  orgId: Uuid,
  assignmentId: Uuid,
  principal: Type.Object({ type: Type.String({ enum: ['user', 'service_account'] }), id: Type.String(), display: Nullable(Type.String()) }),
  roleId: Uuid,
  roleKey: Type.String(),
  privileged: Type.Boolean(),
  reviewerId: Nullable(Uuid),
  delegatedFrom: Nullable(Uuid),
  decision: Nullable(Type.String({ enum: DECISIONS })),
  comment: Nullable(Type.String()),
  decidedBy: Nullable(Uuid),
  decidedAt: Nullable(Timestamp),
  appliedAt: Nullable(Timestamp),
};
export const ItemSchema = Type.Object(itemFields);
export const MyItemSchema = Type.Object({ ...itemFields, campaign: Type.Object({ id: Uuid, name: Type.String(), kind: Type.String({ enum: KINDS }), dueAt: Timestamp }) });
export const ReportSchema = Type.Object({ campaign: CampaignSchema, items: Type.Array(Type.Object({ ...itemFields, reviewerEmail: Nullable(Type.String()), decidedByEmail: Nullable(Type.String()) })) });

export const CreateCampaignBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    ownerId: Uuid,
    dueAt: Timestamp,
    applyMode: Type.Optional(Type.String({ enum: APPLY_MODES })),
  },
  { additionalProperties: false },
);
export const CampaignParams = Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }), id: Uuid }, { additionalProperties: false });
export const CampaignListQuery = Type.Object({ status: Type.Optional(Type.String({ enum: STATUSES })), kind: Type.Optional(Type.String({ enum: KINDS })), ...PageQuery }, { additionalProperties: false });
export const ItemListQuery = Type.Object({ reviewerId: Type.Optional(Uuid), decision: Type.Optional(Type.String({ enum: [...DECISIONS, 'undecided'] })), ...PageQuery }, { additionalProperties: false });
export const ReportQuery = Type.Object({ format: Type.Optional(Type.String({ enum: ['json', 'csv'] })) }, { additionalProperties: false });

export const DecisionsBody = Type.Object(
  {
    decisions: Type.Array(
      Type.Object({ itemId: Uuid, decision: Type.String({ enum: DECISIONS }), comment: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 500 },
    ),
  },
  { additionalProperties: false },
);
export const DelegateBody = Type.Object({ to: Uuid, comment: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const SignOffSchema = Type.Object({ signedOffAs: Type.String({ enum: ['reviewer', 'owner'] }), campaign: CampaignSchema });
