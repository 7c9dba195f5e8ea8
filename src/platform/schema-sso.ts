import type { Selectable } from 'kysely';

/** Enterprise SSO tables (migration 0016); see `src/sso`. */
export interface SsoTables {
  sso_connections: SsoConnectionsTable;
  sso_domains: SsoDomainsTable;
  sso_group_role_mappings: SsoGroupRoleMappingsTable;
  sso_login_states: SsoLoginStatesTable;
  sso_replays: SsoReplaysTable;
  sso_identities: SsoIdentitiesTable;
  sso_setup_links: SsoSetupLinksTable;
  sso_connection_tests: SsoConnectionTestsTable;
  sso_test_links: SsoTestLinksTable;
}

/** A connection to an organization's identity provider. `settings` is the protocol's JSON; `secret` an envelope (JSON) or null. */
export interface SsoConnectionsTable {
  id: string;
  org_id: string;
  type: 'saml' | 'oidc';
  name: string;
  status: 'active' | 'disabled';
  allow_idp_initiated: number;
  jit_provisioning: number;
  settings: string;
  secret: string | null;
  sp_certificate: string | null;
  attribute_mapping: string;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

/** An email domain an organization claims; it routes sign-ins only once `verified_at` is set. */
export interface SsoDomainsTable {
  id: string;
  org_id: string;
  domain: string;
  verification_token: string;
  verified_at: string | null;
  verified_via: 'dns' | 'attestation' | null;
  created_at: string;
}

export interface SsoGroupRoleMappingsTable {
  id: string;
  connection_id: string;
  org_id: string;
  group_value: string;
  role_id: string;
  created_at: string;
}

/** A sign-in started and not yet completed; only the SHA-256 of its state token is kept. */
export interface SsoLoginStatesTable {
  id: string;
  connection_id: string;
  org_id: string;
  state_hash: string;
  purpose: 'login' | 'test';
  request_id: string | null;
  return_to: string;
  setup_link_id: string | null;
  created_at: string;
  expires_at: string;
  consumed_at: string | null;
}

export interface SsoReplaysTable {
  connection_id: string;
  token_id: string;
  created_at: string;
  expires_at: string;
}

export interface SsoIdentitiesTable {
  id: string;
  connection_id: string;
  org_id: string;
  subject: string;
  user_id: string;
  created_at: string;
  last_login_at: string;
}

export interface SsoSetupLinksTable {
  id: string;
  org_id: string;
  token_hash: string;
  prefix: string;
  email: string | null;
  /** The id the connection configured through this link takes (reserved at issue, so its SP addresses can be shown first). */
  connection_id: string;
  created_by_type: string;
  created_by_id: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface SsoConnectionTestsTable {
  id: string;
  connection_id: string;
  org_id: string;
  outcome: 'succeeded' | 'failed';
  subject: string | null;
  email: string | null;
  attributes: string;
  error_code: string | null;
  created_at: string;
}

export type SsoConnectionRow = Selectable<SsoConnectionsTable>;
export type SsoDomainRow = Selectable<SsoDomainsTable>;
export type SsoGroupRoleMappingRow = Selectable<SsoGroupRoleMappingsTable>;
export type SsoLoginStateRow = Selectable<SsoLoginStatesTable>;
export type SsoIdentityRow = Selectable<SsoIdentitiesTable>;
/** A one-time link that runs a "test connection" sign-in started from the admin API (only the token's SHA-256 is kept). */
export interface SsoTestLinksTable {
  id: string;
  org_id: string;
  connection_id: string;
  token_hash: string;
  created_by_type: string;
  created_by_id: string;
  created_at: string;
  expires_at: string;
  /** When the link was opened; it opens once. */
  used_at: string | null;
}

export type SsoSetupLinkRow = Selectable<SsoSetupLinksTable>;
export type SsoTestLinkRow = Selectable<SsoTestLinksTable>;
export type SsoConnectionTestRow = Selectable<SsoConnectionTestsTable>;
