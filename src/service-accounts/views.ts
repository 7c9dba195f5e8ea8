import type { ServiceAccountCredentialRow, ServiceAccountRow } from '../platform/schema.ts';
import { credentialState, effectiveExpiry, type CredentialPolicy, type CredentialState } from './credential-policy.ts';

export interface ServiceAccount {
  id: string;
  orgId: string;
  name: string;
  description: string;
  /** The one user answerable for the account; null only after the owner left or was deactivated (a finding). */
  ownerUserId: string | null;
  status: ServiceAccountRow['status'];
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  /** Since when the account has had no owner; null while it has one. */
  ownerMissingSince: string | null;
}

/** A credential as the admin API shows it: never the secret nor its hash. */
export interface Credential {
  id: string;
  serviceAccountId: string;
  kind: ServiceAccountCredentialRow['kind'];
  status: CredentialState;
  createdAt: string;
  createdBy: { type: string; id: string };
  /** When it stops working: its own expiry or the organization's current maximum age, whichever is first. */
  expiresAt: string;
  revokedAt: string | null;
  revokeReason: string | null;
  rotatedFromId: string | null;
  replacedById: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  /** Secrets: the first characters, to recognise one; null for keys. */
  secretPrefix: string | null;
  /** Keys: the public JWK (kid = the credential id), its alg and RFC 7638 thumbprint; null for secrets. */
  jwk: Record<string, string> | null;
  alg: string | null;
  thumbprint: string | null;
}

/**
 * Runs inside the command that ends what a service account could use (the
 * account disabled or deleted, a credential revoked or rotated out), so that
 * token stores can purge what was issued on it. `credentialId` is absent when
 * the whole account ends; `effectiveAt` is when the credential stops working
 * (now, or the end of a rotation's overlap).
 */
export interface PrincipalRevocation {
  serviceAccountId: string;
  credentialId?: string;
  reason: 'account_disabled' | 'account_deleted' | 'credential_revoked' | 'credential_rotated';
  effectiveAt: string;
}

export function toServiceAccount(row: ServiceAccountRow): ServiceAccount {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    ownerUserId: row.owner_user_id,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
    ownerMissingSince: row.owner_missing_since,
  };
}

export function toCredential(row: ServiceAccountCredentialRow, policy: CredentialPolicy, now: Date): Credential {
  return {
    id: row.id,
    serviceAccountId: row.service_account_id,
    kind: row.kind,
    status: credentialState(row, policy, now),
    createdAt: row.created_at,
    createdBy: { type: row.created_by_type, id: row.created_by_id },
    expiresAt: effectiveExpiry(row, policy).toISOString(),
    revokedAt: row.revoked_at,
    revokeReason: row.revoke_reason,
    rotatedFromId: row.rotated_from_id,
    replacedById: row.replaced_by_id,
    lastUsedAt: row.last_used_at,
    lastUsedIp: row.last_used_ip,
    secretPrefix: row.secret_prefix,
    jwk: row.public_jwk ? (JSON.parse(row.public_jwk) as Record<string, string>) : null,
    alg: row.alg,
    thumbprint: row.thumbprint,
  };
}
