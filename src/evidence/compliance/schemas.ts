import { Type } from 'typebox';
import { Nullable, PageQuery, Timestamp, Uuid } from '../../http/schemas.ts';
import { CRITERIA } from '../model.ts';
import { Moment } from '../exports/schemas.ts';

const Org = Type.String({ minLength: 1, maxLength: 64, description: 'organization id or slug (required)' });
const Principal = Type.Object({ type: Type.String(), id: Type.String() });

export const UsersQuery = Type.Object({ org: Org, ...PageQuery }, { additionalProperties: false });
export const RoleAssignmentsQuery = Type.Object(
  { org: Org, active: Type.Optional(Type.Boolean({ description: 'true: only assignments in force now; false: only ended or expired ones; omitted: both' })), ...PageQuery },
  { additionalProperties: false },
);
export const AccessReviewsQuery = UsersQuery;
export const DeprovisioningQuery = Type.Object(
  { org: Org, from: Type.Optional(Timestamp), to: Type.Optional(Timestamp), ...PageQuery },
  { additionalProperties: false, description: 'from/to: terminations at or after `from` and before `to`' },
);
export const FindingsQuery = Type.Object(
  { org: Org, since: Type.Optional(Type.String({ format: 'date-time', description: 'resolved or closed findings changed at or after this time (default: 90 days ago); open and acknowledged ones are always listed' })), ...PageQuery },
  { additionalProperties: false },
);

export const ComplianceUserSchema = Type.Object({
  id: Uuid,
  displayName: Type.String({ description: 'the name, or the email when no name is set' }),
  email: Type.String(),
  permissionLevel: Type.String({ enum: ['ADMIN', 'USER'], description: 'ADMIN when the user holds a privileged role in the organization now (standing or an active just-in-time activation)' }),
  roles: Type.Array(Type.String(), { description: 'names of the roles held now in the organization' }),
  status: Type.String({ enum: ['ACTIVE', 'SUSPENDED', 'DEPROVISIONED'] }),
  mfaEnabled: Type.Boolean({ description: 'an active TOTP factor or a passkey is enrolled' }),
  mfaMethods: Type.Array(Type.String({ enum: ['totp', 'passkey'] })),
  authMethod: Type.String({ enum: ['sso', 'password', 'passkey-only', 'none'], description: 'the first that applies: linked to the organization’s identity provider, a password, passkeys only, nothing yet' }),
  createdAt: Timestamp,
  deactivatedAt: Nullable(Timestamp),
  lastSignInAt: Nullable(Timestamp),
});

export const ComplianceRoleAssignmentSchema = Type.Object({
  id: Uuid,
  principal: Principal,
  role: Type.Object({ id: Uuid, key: Type.String(), name: Type.String() }),
  privileged: Type.Boolean(),
  kind: Type.String({ enum: ['standing', 'activation'] }),
  grantedAt: Timestamp,
  grantedBy: Principal,
  approval: Nullable(Type.Object({ requestId: Nullable(Uuid), approvalRef: Nullable(Type.String()) })),
  expiresAt: Nullable(Timestamp),
  endedAt: Nullable(Timestamp),
  endReason: Nullable(Type.String()),
  active: Type.Boolean(),
});

export const ComplianceAccessReviewSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  kind: Type.String(),
  status: Type.String(),
  ownerId: Nullable(Uuid),
  startsAt: Timestamp,
  dueAt: Timestamp,
  ownerSignedOffAt: Nullable(Timestamp),
  closedAt: Nullable(Timestamp),
  overdueAt: Nullable(Timestamp),
  counts: Type.Object({ items: Type.Integer(), kept: Type.Integer(), revoked: Type.Integer(), undecided: Type.Integer() }),
});

export const ComplianceDeprovisioningSchema = Type.Object({
  id: Uuid,
  userId: Uuid,
  email: Type.String(),
  source: Type.String({ enum: ['scim', 'hr', 'admin'] }),
  terminatedAt: Timestamp,
  accessRemovedAt: Timestamp,
  latencySeconds: Type.Integer({ minimum: 0 }),
  slaHours: Type.Integer({ minimum: 1 }),
  withinSla: Type.Boolean(),
  reactivatedAt: Nullable(Timestamp),
});

export const SummaryQuery = Type.Object(
  {
    org: Org,
    from: Type.Optional(Moment),
    to: Type.Optional(Moment),
  },
  { additionalProperties: false, description: 'from/to: the window [from, to); default: the 90 days ending now (or ending at `to`); `to` may not be in the future' },
);

const Count = Type.Integer({ minimum: 0 });
const closed = { additionalProperties: false } as const;
const ReviewDue = Type.Object({ id: Uuid, name: Type.String(), dueAt: Timestamp, itemsTotal: Count, itemsDecided: Count }, closed);

export const ComplianceSummarySchema = Type.Object(
  {
    org: Type.Object({ id: Uuid, slug: Type.String(), name: Type.String() }, closed),
    window: Type.Object({ from: Timestamp, to: Timestamp }, closed),
    generatedAt: Timestamp,
    criteria: Type.Array(
      Type.Object(
        {
          id: Type.String({ enum: [...CRITERIA], description: 'the criterion folder of the evidence package' }),
          title: Type.String(),
          status: Type.String({ enum: ['pass', 'attention', 'info'] }),
          headline: Type.String({ description: 'the result in one sentence, as the package report states it' }),
        },
        closed,
      ),
      { description: 'one per criterion of the evidence package, computed by the same collectors for the same window' },
    ),
    findings: Type.Object(
      {
        open: Type.Integer({ minimum: 0, description: 'unresolved findings (open or acknowledged) now' }),
        bySeverity: Type.Object({ high: Count, medium: Count, low: Count }, closed),
        byRule: Type.Array(Type.Object({ rule: Type.String(), open: Count }, closed), { description: 'rules with unresolved findings, the most first' }),
      },
      closed,
    ),
    mfa: Type.Object(
      {
        members: Type.Integer({ minimum: 0, description: 'members active at any time in the window (CC6.6)' }),
        withMfa: Type.Integer({ minimum: 0, description: 'of them, with a TOTP factor or a passkey at the window end' }),
        withPasskey: Type.Integer({ minimum: 0, description: 'of them, with a passkey at the window end' }),
        privilegedMembers: Type.Integer({ minimum: 0, description: 'users holding a privileged role at the window end' }),
        privilegedWithPasskey: Type.Integer({ minimum: 0, description: 'of them, with a passkey' }),
      },
      closed,
    ),
    deprovisioning: Type.Object(
      {
        slaHours: Type.Integer({ minimum: 1 }),
        leavers: Type.Integer({ minimum: 0, description: 'terminations in the window (CC6.5)' }),
        withinSla: Count,
        outsideSla: Count,
        open: Type.Integer({ minimum: 0, description: 'terminated in the window, access not removed by its end' }),
        points: Type.Array(
          Type.Object(
            {
              userId: Uuid,
              displayName: Type.Optional(Type.String()),
              terminatedAt: Timestamp,
              removedAt: Nullable(Timestamp),
              latencySeconds: Nullable(Type.Integer({ minimum: 0 })),
              withinSla: Nullable(Type.Boolean()),
            },
            closed,
          ),
          { description: 'the leavers, newest termination first, at most 200' },
        ),
      },
      closed,
    ),
    reviews: Type.Object(
      {
        overdue: Type.Array(ReviewDue, { description: 'open campaigns past their due time now, soonest due first' }),
        upcoming: Type.Array(ReviewDue, { description: 'open campaigns due in the next 30 days' }),
        lastCompletedAt: Nullable(Timestamp),
        quarterlyCovered: Type.Boolean({ description: 'a scheduled or ad hoc review campaign closed in the last 92 days' }),
      },
      closed,
    ),
  },
  closed,
);
