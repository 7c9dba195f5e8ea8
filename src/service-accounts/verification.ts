import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { digestsEqual, hashToken } from '../platform/ids.ts';
import type { ServiceAccountRow } from '../platform/schema.ts';
import { credentialPolicyOf, credentialState, effectiveExpiry } from './credential-policy.ts';

/** A credential the OAuth provider may accept for a client right now. */
export interface ActiveCredential {
  id: string;
  kind: 'secret' | 'public_key';
  /** Public keys only: the public JWK, with kid (= id), alg and use. */
  jwk?: Record<string, string>;
  /** When it stops working (its expiry or the organization's current maximum age). */
  expiresAt: string;
}

/** A service account as an OAuth client: its id is the client id. */
export interface ServiceAccountClient {
  serviceAccountId: string;
  orgId: string;
  name: string;
  status: ServiceAccountRow['status'];
  /** Empty unless the account is active. */
  credentials: ActiveCredential[];
}

/** last_used_at is written at most this often per credential (per process), so verification stays a read. */
export const RECORD_USE_INTERVAL_MS = 60_000;
const SECRET_PATTERN = /^kl_sa_[A-Za-z0-9_-]{43}$/;

/**
 * What the OAuth provider asks of service accounts on every token request:
 * each question is a single indexed query, and nothing is written except
 * recordUse's throttled last-use time.
 */
export function createCredentialVerification(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;
  const lastRecorded = new Map<string, number>();

  function credentialColumns() {
    return db
      .selectFrom('service_account_credentials as c')
      .innerJoin('service_accounts as sa', 'sa.id', 'c.service_account_id')
      .innerJoin('organizations as o', 'o.id', 'sa.org_id')
      .select(['c.id', 'c.kind', 'c.secret_hash', 'c.created_at', 'c.expires_at', 'c.revoked_at', 'sa.status', 'o.settings']);
  }

  return {
    /** The account whose OAuth client id is `clientId`, with its working credentials; undefined when there is none. */
    async findClient(clientId: string): Promise<ServiceAccountClient | undefined> {
      const now = clock.now();
      const rows = await db
        .selectFrom('service_accounts as sa')
        .innerJoin('organizations as o', 'o.id', 'sa.org_id')
        .leftJoin('service_account_credentials as c', (join) => join.onRef('c.service_account_id', '=', 'sa.id').on('c.revoked_at', 'is', null).on('c.expires_at', '>', now.toISOString()))
        .select(['sa.id as account_id', 'sa.org_id', 'sa.name', 'sa.status', 'o.settings', 'c.id', 'c.kind', 'c.public_jwk', 'c.created_at', 'c.expires_at', 'c.revoked_at'])
        .where('sa.id', '=', clientId)
        .orderBy('c.id')
        .execute();
      if (rows.length === 0) return undefined;
      const first = rows[0];
      const policy = credentialPolicyOf(first.settings);
      const credentials: ActiveCredential[] = [];
      if (first.status === 'active') {
        for (const r of rows) {
          if (!r.id || !r.kind || !r.created_at || !r.expires_at) continue;
          const c = { created_at: r.created_at, expires_at: r.expires_at, revoked_at: r.revoked_at };
          if (credentialState(c, policy, now) !== 'active') continue;
          credentials.push({ id: r.id, kind: r.kind, ...(r.public_jwk ? { jwk: JSON.parse(r.public_jwk) as Record<string, string> } : {}), expiresAt: effectiveExpiry(c, policy).toISOString() });
        }
      }
      return { serviceAccountId: first.account_id, orgId: first.org_id, name: first.name, status: first.status, credentials };
    },

    /**
     * The secret credential of `clientId` that `presented` is, or null: unknown, of another
     * account, revoked, expired, older than the policy, or the account not active.
     * Looked up by SHA-256 and compared in constant time.
     */
    async verifySecret(clientId: string, presented: string): Promise<{ credentialId: string } | null> {
      if (typeof presented !== 'string' || !SECRET_PATTERN.test(presented)) return null;
      const digest = hashToken(presented);
      const row = await credentialColumns().where('c.secret_hash', '=', digest).where('c.service_account_id', '=', clientId).where('c.kind', '=', 'secret').executeTakeFirst();
      if (!row || !row.secret_hash || !digestsEqual(row.secret_hash, digest)) return null;
      if (row.status !== 'active' || credentialState(row, credentialPolicyOf(row.settings), clock.now()) !== 'active') return null;
      return { credentialId: row.id };
    },

    /** Whether a credential works now: not revoked, not expired or too old, and its account active. */
    async isCredentialActive(credentialId: string): Promise<boolean> {
      const row = await credentialColumns().where('c.id', '=', credentialId).executeTakeFirst();
      return row !== undefined && row.status === 'active' && credentialState(row, credentialPolicyOf(row.settings), clock.now()) === 'active';
    },

    /**
     * Notes that a credential was used (for the unused-credential finding): writes
     * last_used_at/last_used_ip at most once a minute per credential; not a ledger event.
     */
    async recordUse(credentialId: string, ip: string): Promise<void> {
      const now = clock.now().getTime();
      const last = lastRecorded.get(credentialId);
      if (last !== undefined && now - last < RECORD_USE_INTERVAL_MS && now >= last) return;
      lastRecorded.set(credentialId, now);
      // Keep the throttle's memory bounded: entries older than the interval no longer throttle anything.
      if (lastRecorded.size > 10_000) for (const [id, t] of lastRecorded) if (now - t >= RECORD_USE_INTERVAL_MS) lastRecorded.delete(id);
      await db.updateTable('service_account_credentials').set({ last_used_at: new Date(now).toISOString(), last_used_ip: ip.slice(0, 64) }).where('id', '=', credentialId).execute();
    },
  };
}
