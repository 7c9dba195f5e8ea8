import type { OrganizationRow, UserRow } from '../platform/schema.ts';

export interface Organization {
  id: string;
  slug: string;
  name: string;
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface User {
  id: string;
  email: string;
  name: string | null;
  status: UserRow['status'];
  managerId: string | null;
  employeeNumber: string | null;
  department: string | null;
  title: string | null;
  createdAt: string;
  updatedAt: string;
  /** When the email address was verified (a link, an invitation, or creation by an administrator); null until then. */
  emailVerifiedAt: string | null;
}

export interface Membership {
  id: string;
  orgId: string;
  userId: string;
  createdAt: string;
}

/** An organization a user belongs to, as the user's page lists them. */
export interface UserMembership {
  /** The organization's id. */
  id: string;
  slug: string;
  name: string;
  joinedAt: string;
  /** The user's account status, which holds in every organization (a membership has none of its own; an ended one is not listed). */
  status: UserRow['status'];
}

export function toOrganization(row: OrganizationRow): Organization {
  return { id: row.id, slug: row.slug, name: row.name, settings: JSON.parse(row.settings), createdAt: row.created_at, updatedAt: row.updated_at };
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    managerId: row.manager_id,
    employeeNumber: row.employee_number,
    department: row.department,
    title: row.title,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    emailVerifiedAt: row.email_verified_at,
  };
}

/** The fields that differ between two records, as `{ before, after }` for a ledger event. */
export function diffFields<T extends object>(before: T, after: T): { before: Partial<T>; after: Partial<T> } {
  const b: Partial<T> = {};
  const a: Partial<T> = {};
  for (const key of Object.keys(after) as Array<keyof T>) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return { before: b, after: a };
}
