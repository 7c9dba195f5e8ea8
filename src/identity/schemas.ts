import { Type } from 'typebox';
import { Nullable, PageQuery, Timestamp, Uuid } from '../http/schemas.ts';

export const Slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$', description: 'lowercase letters, digits and dashes' });
const Settings = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 100 });
const Email = Type.String({ format: 'email', maxLength: 254 });
const ShortText = (max = 200) => Nullable(Type.String({ maxLength: max }));

export const OrganizationSchema = Type.Object({ id: Uuid, slug: Type.String(), name: Type.String(), settings: Type.Record(Type.String(), Type.Unknown()), createdAt: Timestamp, updatedAt: Timestamp });
export const CreateOrganizationBody = Type.Object({ slug: Slug, name: Type.String({ minLength: 1, maxLength: 200 }), settings: Type.Optional(Settings) }, { additionalProperties: false });
export const UpdateOrganizationBody = Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), settings: Type.Optional(Settings) }, { additionalProperties: false, minProperties: 1 });

export const UserStatus = Type.Union([Type.Literal('active'), Type.Literal('suspended'), Type.Literal('deprovisioned')]);
export const UserSchema = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Nullable(Type.String()),
  status: UserStatus,
  managerId: Nullable(Type.String()),
  employeeNumber: Nullable(Type.String()),
  department: Nullable(Type.String()),
  title: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  emailVerifiedAt: Nullable(Timestamp),
});
const userFields = {
  name: Type.Optional(ShortText()),
  managerId: Type.Optional(Nullable(Uuid)),
  employeeNumber: Type.Optional(ShortText(64)),
  department: Type.Optional(ShortText()),
  title: Type.Optional(ShortText()),
};
export const CreateUserBody = Type.Object({ email: Email, org: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), ...userFields }, { additionalProperties: false });
export const UpdateUserBody = Type.Object(
  { email: Type.Optional(Email), ...userFields, status: Type.Optional(UserStatus), statusReason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false, minProperties: 1 },
);
export const UserListQuery = Type.Object(
  {
    org: Type.Optional(Type.String({ maxLength: 64 })),
    status: Type.Optional(UserStatus),
    email: Type.Optional(Type.String({ maxLength: 254 })),
    department: Type.Optional(Type.String({ maxLength: 200 })),
    managerId: Type.Optional(Uuid),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'case-insensitive substring of the email address or the name (% and _ match themselves)' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const MembershipSchema = Type.Object({ id: Uuid, orgId: Uuid, userId: Uuid, createdAt: Timestamp });
export const AddMemberBody = Type.Object({ userId: Uuid }, { additionalProperties: false });
export const UserMembershipSchema = Type.Object({
  id: Uuid,
  slug: Type.String(),
  name: Type.String(),
  joinedAt: Timestamp,
  status: UserStatus,
});
