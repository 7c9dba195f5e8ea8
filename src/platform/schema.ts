import type { Selectable } from 'kysely';
import type { DirectoryTables } from './schema-directory.ts';
import type { LifecycleTables } from './schema-lifecycle.ts';
import type { SsoTables } from './schema-sso.ts';
import type { SchedulingTables } from './schema-scheduling.ts';
import type { AssignmentKind, ElevationTables } from './schema-elevation.ts';
import type { ApprovalTables } from './schema-approvals.ts';
import type { ReviewTables } from './schema-reviews.ts';
import type { MonitorFindingsTables } from './schema-monitor-findings.ts';
import type { StreamTables } from './schema-stream.ts';
import type { DetectionTables } from './schema-detections.ts';
import type { EvidenceTables } from './schema-evidence.ts';

/**
 * Table shapes shared by SQLite and PostgreSQL. Times are RFC 3339 UTC text
 * (sortable, identical on both engines), JSON is text, booleans are 0/1
 * integers, hashes and keys are bytes.
 */
export interface Database extends DirectoryTables, LifecycleTables, SsoTables, SchedulingTables, ElevationTables, ApprovalTables, ReviewTables, MonitorFindingsTables, StreamTables, DetectionTables, EvidenceTables {
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  service_accounts: ServiceAccountsTable;
  roles: RolesTable;
  role_assignments: RoleAssignmentsTable;
  api_keys: ApiKeysTable;
  bootstrap_tokens: BootstrapTokensTable;
  ledger_head: LedgerHeadTable;
  audit_events: AuditEventsTable;
  audit_event_targets: AuditEventTargetsTable;
  merkle_nodes: MerkleNodesTable;
  ledger_checkpoints: LedgerCheckpointsTable;
  signing_keys: SigningKeysTable;
  sessions: SessionsTable;
  password_credentials: PasswordCredentialsTable;
  totp_factors: TotpFactorsTable;
  recovery_codes: RecoveryCodesTable;
  login_challenges: LoginChallengesTable;
  mail_outbox: MailOutboxTable;
  oidc_payloads: OidcPayloadsTable;
  oidc_signing_keys: OidcSigningKeysTable;
  passkey_credentials: PasskeyCredentialsTable;
  webauthn_challenges: WebauthnChallengesTable;
  lockout_subjects: LockoutSubjectsTable;
  login_failures: LoginFailuresTable;
  account_lockouts: AccountLockoutsTable;
  invitations: InvitationsTable;
  email_tokens: EmailTokensTable;
  oidc_applications: OidcApplicationsTable;
  service_account_credentials: ServiceAccountCredentialsTable;
}

export interface OrganizationsTable {
  id: string;
  slug: string;
  name: string;
  settings: string;
  created_at: string;
  updated_at: string;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  status: 'active' | 'suspended' | 'deprovisioned';
  manager_id: string | null;
  employee_number: string | null;
  department: string | null;
  title: string | null;
  created_at: string;
  updated_at: string;
  /** When the user proved they read mail at `email` (a link, an invitation), or was created by an administrator; null until then. */
  email_verified_at: string | null;
}

export interface MembershipsTable {
  id: string;
  org_id: string;
  user_id: string;
  created_at: string;
}

export interface ServiceAccountsTable {
  id: string;
  org_id: string;
  name: string;
  description: string;
  owner_user_id: string | null;
  /** `deleted` keeps the row for the audit trail; a deleted account never changes again. */
  status: 'active' | 'disabled' | 'deleted';
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  /** When the account lost its owner (the owner left or was deactivated); null while it has one. */
  owner_missing_since: string | null;
}

export interface RolesTable {
  id: string;
  org_id: string;
  key: string;
  name: string;
  description: string;
  permissions: string;
  privileged: number;
  /** The MFA this role demands of its holders, or null (the organization's policy applies). */
  mfa_policy: 'optional' | 'required' | 'phishing_resistant' | null;
  /** The user who owns the role (approves requests for it, reviews its holders), or null. */
  owner_id: string | null;
  /** JSON list of who may approve a request: `manager`, `owner`, `named`. */
  approvers: string;
  /** JSON list of named approver user ids. */
  named_approvers: string;
  /** Distinct approvals a request needs; null: 2 for a privileged role, 1 otherwise. */
  approvals_required: number | null;
  max_activation_minutes: number;
  /** 0/1: a just-in-time activation needs an approved request too. */
  activation_requires_approval: number;
  /** 0/1: standing (non-JIT) assignments of this privileged role are accepted, not findings. */
  allow_standing: number;
  created_at: string;
  updated_at: string;
}

export interface RoleAssignmentsTable {
  id: string;
  org_id: string;
  role_id: string;
  principal_type: 'user' | 'service_account';
  principal_id: string;
  granted_by_type: string;
  granted_by_id: string;
  approval_ref: string | null;
  reason: string | null;
  /** `standing` (granted outright) or `activation` (just-in-time, from `eligibility_id`). */
  kind: AssignmentKind;
  eligibility_id: string | null;
  /** Why the user activated the role (activations only). */
  justification: string | null;
  expires_at: string | null;
  created_at: string;
  ended_at: string | null;
  end_reason: string | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: string;
  created_by_type: string;
  created_by_id: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface BootstrapTokensTable {
  id: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface LedgerHeadTable {
  id: number;
  next_seq: number;
}

export interface AuditEventsTable {
  seq: number;
  id: string;
  time: string;
  action: string;
  outcome: string;
  actor_type: string;
  actor_id: string;
  org_id: string | null;
  /** The canonical JSON (RFC 8785) of the whole event: exactly the bytes the Merkle leaf hashes. */
  body: string;
  leaf_hash: Buffer;
}

export interface AuditEventTargetsTable {
  seq: number;
  target_type: string;
  target_id: string;
}

export interface MerkleNodesTable {
  level: number;
  idx: number;
  hash: Buffer;
}

export interface LedgerCheckpointsTable {
  size: number;
  root_hash: Buffer;
  note: string;
  key_id: string;
  created_at: string;
}

export interface SigningKeysTable {
  id: string;
  purpose: string;
  key_name: string;
  public_key: Buffer;
  encrypted_private_key: string;
  status: 'active' | 'retired';
  created_at: string;
}

export type OrganizationRow = Selectable<OrganizationsTable>;
export type UserRow = Selectable<UsersTable>;
export type ServiceAccountRow = Selectable<ServiceAccountsTable>;
export type RoleRow = Selectable<RolesTable>;
export type RoleAssignmentRow = Selectable<RoleAssignmentsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;

/** A browser session; the token itself is never stored, only its SHA-256 (hex). */
export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  org_id: string | null;
  /** JSON text array of RFC 8176 authentication method references, e.g. ["pwd","otp"]. */
  amr: string;
  acr: string;
  auth_time: string;
  created_at: string;
  last_seen_at: string;
  /** The idle timeout the session was created under, so sliding it needs no policy lookup. */
  idle_timeout_seconds: number;
  idle_expires_at: string;
  absolute_expires_at: string;
  revoked_at: string | null;
  revoke_reason: string | null;
  ip: string | null;
  user_agent: string | null;
  step_up_at: string | null;
}

export type SessionRow = Selectable<SessionsTable>;

/** A user's password, as an argon2id PHC string. */
export interface PasswordCredentialsTable {
  user_id: string;
  hash: string;
  created_at: string;
  updated_at: string;
}

/** A TOTP authenticator; `secret` is a JSON envelope (platform/crypto, purpose `authn.totp_secret`), never the secret in clear. */
export interface TotpFactorsTable {
  id: string;
  user_id: string;
  status: 'pending' | 'active' | 'removed';
  secret: string;
  algorithm: string;
  digits: number;
  period: number;
  /** The newest time step accepted, so no code is accepted twice. */
  last_used_step: number | null;
  created_at: string;
  /** Until when a pending enrollment may be confirmed. */
  expires_at: string | null;
  activated_at: string | null;
  removed_at: string | null;
}

/** A single-use recovery code, stored only as a keyed HMAC (see hashRecoveryCode). */
export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  batch_id: string;
  code_hash: string;
  created_at: string;
  used_at: string | null;
}

/** A password login waiting for its second factor; the token is stored only as its SHA-256. */
export interface LoginChallengesTable {
  id: string;
  token_hash: string;
  user_id: string;
  org_id: string | null;
  /** JSON text array of the RFC 8176 methods proven so far, e.g. ["pwd"]. */
  methods_done: string;
  created_at: string;
  expires_at: string;
  completed_at: string | null;
  failed_attempts: number;
}

export type PasswordCredentialRow = Selectable<PasswordCredentialsTable>;
export type TotpFactorRow = Selectable<TotpFactorsTable>;
export type RecoveryCodeRow = Selectable<RecoveryCodesTable>;
export type LoginChallengeRow = Selectable<LoginChallengesTable>;

/** Mail kept instead of sent when no SMTP server is configured (development). */
export interface MailOutboxTable {
  id: string;
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  created_at: string;
}
export type MailOutboxRow = Selectable<MailOutboxTable>;

/** A passkey (WebAuthn credential): only its public key is stored; removed ones stay for history. */
export interface PasskeyCredentialsTable {
  id: string;
  user_id: string;
  /** The credential id the authenticator presents, base64url. */
  credential_id: string;
  /** The COSE public key, base64url. */
  public_key: string;
  /** The random WebAuthn user.id (base64url) the authenticator keeps with the credential; one per user. */
  user_handle: string;
  /** The authenticator's signature counter after the newest accepted use (0 for authenticators that keep none). */
  sign_count: number;
  /** JSON text array of transports the browser reported ("internal", "hybrid", "usb", ...). */
  transports: string;
  aaguid: string;
  device_type: 'singleDevice' | 'multiDevice';
  /** 0/1: whether the credential was backed up (synced) at its newest use. */
  backed_up: number;
  name: string;
  created_at: string;
  last_used_at: string | null;
  removed_at: string | null;
}

/** A WebAuthn ceremony's challenge: single use, short-lived, bound to what it was issued for. */
export interface WebauthnChallengesTable {
  id: string;
  /** The challenge sent to the browser, base64url (not a secret: it is signed, not presented). */
  challenge: string;
  purpose: 'registration' | 'authentication' | 'step_up' | 'second_factor';
  user_id: string | null;
  /** Registration only: the WebAuthn user.id the options carried. */
  user_handle: string | null;
  session_id: string | null;
  login_challenge_id: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export type PasskeyCredentialRow = Selectable<PasskeyCredentialsTable>;
export type WebauthnChallengeRow = Selectable<WebauthnChallengesTable>;
/**
 * Someone sign-ins fail for: an account (`user:<id>`) or an email with no
 * account (`email:<HMAC>`, never the email itself). The row is what concurrent
 * failures for one subject serialize on.
 */
export interface LockoutSubjectsTable {
  subject: string;
  user_id: string | null;
  last_failure_at: string;
}

/** One failed sign-in counted toward its subject's lockout window. */
export interface LoginFailuresTable {
  id: string;
  subject: string;
  failed_at: string;
}

/** A lock, current or past; the unlock link's token is stored only as its SHA-256. */
export interface AccountLockoutsTable {
  id: string;
  subject: string;
  user_id: string | null;
  failures: number;
  locked_at: string;
  locked_until: string;
  unlock_token_hash: string | null;
  unlocked_at: string | null;
  unlock_method: 'admin' | 'email' | null;
  unlocked_by_type: string | null;
  unlocked_by_id: string | null;
}
export type AccountLockoutRow = Selectable<AccountLockoutsTable>;

/** An invitation to join an organization; the link's token is stored only as its SHA-256. */
export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  token_hash: string;
  invited_by_type: string;
  invited_by_id: string;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_user_id: string | null;
  revoked_at: string | null;
}
export type InvitationRow = Selectable<InvitationsTable>;

/** A one-time emailed link (email verification or password reset); the token is stored only as its SHA-256. */
export interface EmailTokensTable {
  id: string;
  user_id: string;
  purpose: 'email_verification' | 'password_reset';
  token_hash: string;
  /** The address the link was sent to: the link is void once the user's address changes. */
  email: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}
export type EmailTokenRow = Selectable<EmailTokensTable>;

/** One artifact of the OpenID Connect provider (token, code, grant, session, interaction), keyed by its model and id. */
export interface OidcPayloadsTable {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  uid: string | null;
  /** The user the artifact speaks for (user tokens, grants, provider sessions). */
  account_id: string | null;
  client_id: string | null;
  /** The service-account credential a client-credentials token was issued against. */
  credential_id: string | null;
  /** Epoch seconds. */
  expires_at: number;
  consumed_at: number | null;
}
export type OidcPayloadRow = Selectable<OidcPayloadsTable>;

/** A token-signing key of the provider: published from creation, signs from `activates_at` to `retires_at`, published until `removes_at`. */
export interface OidcSigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  /** The private JWK as an encrypted envelope (JSON). */
  private_jwk: string;
  created_at: string;
  activates_at: string;
  retires_at: string;
  removes_at: string;
}
export type OidcSigningKeyRow = Selectable<OidcSigningKeysTable>;
/**
 * An OIDC application (OAuth 2.0 client) of an organization. The client secret
 * is stored only as its SHA-256 (hex); lists and the JWKS are JSON text.
 */
export interface OidcApplicationsTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  client_id: string;
  type: 'web' | 'spa' | 'native';
  token_endpoint_auth_method: 'client_secret_basic' | 'private_key_jwt' | 'none';
  /** JSON `{ keys: [...] }` of public keys, for private_key_jwt only. */
  jwks: string | null;
  secret_hash: string | null;
  /** The secret's first characters, not secret, so an administrator can tell secrets apart. */
  secret_prefix: string | null;
  /** The secret replaced by the newest rotation, accepted until `previous_secret_expires_at`. */
  previous_secret_hash: string | null;
  previous_secret_expires_at: string | null;
  /** JSON text arrays. */
  redirect_uris: string;
  post_logout_redirect_uris: string;
  grant_types: string;
  scopes: string;
  access_token_ttl_seconds: number;
  refresh_token_ttl_seconds: number;
  id_token_ttl_seconds: number;
  required_acr: 'mfa' | 'phishing_resistant' | null;
  /** 0/1: first-party apps skip the consent screen. */
  first_party: number;
  status: 'active' | 'disabled';
  created_at: string;
  updated_at: string;
}
export type OidcApplicationRow = Selectable<OidcApplicationsTable>;
/**
 * A credential of one service account: a client secret (only its SHA-256 and a
 * display prefix are stored) or a public key (a public JWK whose `kid` is the
 * credential id). Revoked and expired ones stay for the audit trail.
 */
export interface ServiceAccountCredentialsTable {
  id: string;
  service_account_id: string;
  org_id: string;
  kind: 'secret' | 'public_key';
  secret_hash: string | null;
  /** The first characters of the secret (`kl_sa_…`), to recognise it; never enough to use it. */
  secret_prefix: string | null;
  /** JSON text of the public JWK, with kid, alg and use. */
  public_jwk: string | null;
  /** RFC 7638 SHA-256 thumbprint of the key, base64url. */
  thumbprint: string | null;
  alg: string | null;
  created_at: string;
  created_by_type: string;
  created_by_id: string;
  /** created_at plus the organization's maximum age when created, or earlier when rotated out. */
  expires_at: string;
  revoked_at: string | null;
  revoke_reason: string | null;
  /** The credential this one replaced by rotation. */
  rotated_from_id: string | null;
  /** The credential that replaced this one by rotation (this one then expires after the overlap). */
  replaced_by_id: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
}
export type ServiceAccountCredentialRow = Selectable<ServiceAccountCredentialsTable>;
