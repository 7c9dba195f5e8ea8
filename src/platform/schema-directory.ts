import type { Selectable } from 'kysely';

/** SCIM directory tables (migration 0013); see `src/scim`. */
export interface DirectoryTables {
  scim_directories: ScimDirectoriesTable;
  scim_tokens: ScimTokensTable;
  scim_users: ScimUsersTable;
  scim_user_values: ScimUserValuesTable;
  scim_groups: ScimGroupsTable;
  scim_group_members: ScimGroupMembersTable;
  scim_group_role_mappings: ScimGroupRoleMappingsTable;
}

export interface ScimDirectoriesTable {
  id: string;
  org_id: string;
  name: string;
  status: 'active' | 'disabled';
  created_at: string;
  updated_at: string;
  last_request_at: string | null;
}

/** A directory's bearer token; only its SHA-256 (hex) is kept. A rotated-out token works until `expires_at`. */
export interface ScimTokensTable {
  id: string;
  directory_id: string;
  org_id: string;
  prefix: string;
  token_hash: string;
  created_at: string;
  created_by_type: string;
  created_by_id: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
}

/** The directory's record of a person (core + enterprise User schema); `user_id` is the Keyledger account it provisions. */
export interface ScimUsersTable {
  id: string;
  directory_id: string;
  org_id: string;
  user_id: string | null;
  user_name: string;
  external_id: string | null;
  name_formatted: string | null;
  family_name: string | null;
  given_name: string | null;
  middle_name: string | null;
  honorific_prefix: string | null;
  honorific_suffix: string | null;
  display_name: string | null;
  nick_name: string | null;
  profile_url: string | null;
  title: string | null;
  user_type: string | null;
  preferred_language: string | null;
  locale: string | null;
  timezone: string | null;
  active: number;
  employee_number: string | null;
  cost_center: string | null;
  organization: string | null;
  division: string | null;
  department: string | null;
  manager_value: string | null;
  manager_display_name: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

/** One item of a multi-valued User attribute (`emails`, `phoneNumbers`, `ims`, `photos`, `addresses`, `entitlements`, `roles`, `x509Certificates`). */
export interface ScimUserValuesTable {
  scim_user_id: string;
  directory_id: string;
  attribute: string;
  ordinal: number;
  value: string | null;
  display: string | null;
  type: string | null;
  primary: number;
  formatted: string | null;
  street_address: string | null;
  locality: string | null;
  region: string | null;
  postal_code: string | null;
  country: string | null;
}

export interface ScimGroupsTable {
  id: string;
  directory_id: string;
  org_id: string;
  display_name: string;
  external_id: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ScimGroupMembersTable {
  group_id: string;
  scim_user_id: string;
  directory_id: string;
  /** The member's display name as the directory sent it, if it did. */
  display: string | null;
  created_at: string;
}

/** A directory group that grants a role to its (linked) members. */
export interface ScimGroupRoleMappingsTable {
  id: string;
  org_id: string;
  directory_id: string;
  group_id: string;
  role_id: string;
  created_at: string;
  created_by_type: string;
  created_by_id: string;
}

export type ScimDirectoryRow = Selectable<ScimDirectoriesTable>;
export type ScimTokenRow = Selectable<ScimTokensTable>;
export type ScimUserRow = Selectable<ScimUsersTable>;
export type ScimUserValueRow = Selectable<ScimUserValuesTable>;
export type ScimGroupRow = Selectable<ScimGroupsTable>;
export type ScimGroupRoleMappingRow = Selectable<ScimGroupRoleMappingsTable>;
