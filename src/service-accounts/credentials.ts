import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { generateToken, hashToken } from '../platform/ids.ts';
import type { ServiceAccountCredentialRow, ServiceAccountRow } from '../platform/schema.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import type { Organization } from '../identity/views.ts';
import * as repo from './repository.ts';
import { checkNotDeleted, requireServiceAccount, type PrincipalRevocationHook } from './accounts.ts';
import { credentialState, effectiveExpiry, maxAgeEnd, readCredentialPolicy, type CredentialPolicy } from './credential-policy.ts';
import { checkPublicKey, type CheckedPublicKey } from './public-key.ts';
import { toCredential, type Credential } from './views.ts';

/** The most credentials an account may hold at once: one in use and its replacement during a rotation. */
export const MAX_ACTIVE_CREDENTIALS = 2;
export const DEFAULT_OVERLAP_SECONDS = 86_400;
export const MAX_OVERLAP_SECONDS = 7 * 86_400;
/** Secrets are `kl_sa_` and 43 base64url characters (256 random bits). */
export const SECRET_KIND = 'sa';
const SECRET_PREFIX_LENGTH = 14;

export type NewCredentialInput = { kind: 'secret' | 'public_key'; jwk?: Record<string, unknown>; pem?: string };
export type RotationInput = { overlapSeconds?: number; jwk?: Record<string, unknown>; pem?: string };

/** What creating (or rotating to) a credential answers: the credential, and a secret's plaintext, shown this once. */
export interface IssuedCredential {
  credential: Credential;
  secret?: string;
}

export interface CredentialDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  identity: IdentityService;
  revocationHooks: PrincipalRevocationHook[];
}

/** Credentials of service accounts: client secrets and public keys, created, listed, revoked and rotated with an overlap. */
export function createCredentialCommands(deps: CredentialDeps) {
  const { db, runner, clock, newId, identity, revocationHooks } = deps;

  /** The account, loaded and locked for a credential change: it must exist, not be deleted, and be active. */
  async function loadActiveAccount(scope: CommandScope, org: Organization, id: string): Promise<ServiceAccountRow> {
    const row = await requireServiceAccount(scope.trx, org, id);
    checkNotDeleted(row);
    if (row.status !== 'active') throw new KeyledgerError('service_account.not_active', `service account "${id}" is ${row.status}; enable it before changing its credentials`);
    await repo.lockServiceAccount(scope.trx, id);
    return row;
  }

  async function countWorking(scope: CommandScope, accountId: string, policy: CredentialPolicy, except?: string): Promise<number> {
    const rows = await repo.listUnrevokedCredentials(scope.trx, accountId);
    return rows.filter((c) => c.id !== except && credentialState(c, policy, scope.now) === 'active').length;
  }

  function checkLimit(working: number, accountId: string): void {
    if (working >= MAX_ACTIVE_CREDENTIALS) {
      throw new KeyledgerError('service_account.credential_limit', `service account "${accountId}" already has ${working} active credentials, the most it may hold; revoke one first`);
    }
  }

  /** Inserts a credential inside a running command, recording `identity.service_account.credential_created`. */
  async function insertCredential(scope: CommandScope, ctx: CommandContext, account: ServiceAccountRow, policy: CredentialPolicy, key: CheckedPublicKey | null, rotatedFromId: string | null): Promise<IssuedCredential> {
    const { trx, now, record } = scope;
    const id = newId();
    if (key && (await repo.findCredentialByThumbprint(trx, key.thumbprint))) {
      throw new KeyledgerError('service_account.public_key_in_use', `the key with thumbprint ${key.thumbprint} is already registered; generate a new key pair`);
    }
    const secret = key ? undefined : generateToken(SECRET_KIND);
    const time = now.toISOString();
    const row: ServiceAccountCredentialRow = {
      id,
      service_account_id: account.id,
      org_id: account.org_id,
      kind: key ? 'public_key' : 'secret',
      secret_hash: secret ? hashToken(secret) : null,
      secret_prefix: secret ? secret.slice(0, SECRET_PREFIX_LENGTH) : null,
      public_jwk: key ? JSON.stringify({ ...key.jwk, kid: id, alg: key.alg, use: 'sig' }) : null,
      thumbprint: key?.thumbprint ?? null,
      alg: key?.alg ?? null,
      created_at: time,
      created_by_type: ctx.actor.type,
      created_by_id: ctx.actor.id,
      expires_at: maxAgeEnd(time, policy).toISOString(),
      revoked_at: null,
      revoke_reason: null,
      rotated_from_id: rotatedFromId,
      replaced_by_id: null,
      last_used_at: null,
      last_used_ip: null,
    };
    await trx.insertInto('service_account_credentials').values(row).execute();
    record({
      action: 'identity.service_account.credential_created',
      org: account.org_id,
      targets: [{ type: 'service_account', id: account.id, display: account.name }, { type: 'service_account_credential', id }],
      data: { credentialId: id, kind: row.kind, secretPrefix: row.secret_prefix, thumbprint: row.thumbprint, alg: row.alg, expiresAt: row.expires_at, rotatedFromId },
    });
    return { credential: toCredential(row, policy, now), ...(secret ? { secret } : {}) };
  }

  async function requireCredential(reader: Db | CommandScope['trx'], accountId: string, credentialId: string): Promise<ServiceAccountCredentialRow> {
    const row = await repo.findCredential(reader, accountId, credentialId);
    if (!row) throw new KeyledgerError('service_account.credential_not_found', `no credential "${credentialId}" on service account "${accountId}"`);
    return row;
  }

  return {
    /**
     * Creates a secret (returned once, stored as SHA-256) or registers a public key. Throws
     * `service_account.not_found`, `.deleted`, `.not_active`, `.credential_limit`, `.public_key_invalid`, `.public_key_in_use`.
     */
    async createCredential(ctx: CommandContext, orgRef: string, accountId: string, input: NewCredentialInput): Promise<IssuedCredential> {
      if (input.kind === 'secret' && (input.jwk !== undefined || input.pem !== undefined)) throw new KeyledgerError('request.invalid', 'a secret is generated by Keyledger; send no "jwk" or "pem" with kind "secret"');
      if (input.kind !== 'secret' && input.kind !== 'public_key') throw new KeyledgerError('request.invalid', `kind must be "secret" or "public_key", got ${JSON.stringify(input.kind)}`);
      // Checked before the command: a refused key costs no transaction.
      const key = input.kind === 'public_key' ? checkPublicKey({ jwk: input.jwk, pem: input.pem }) : null;
      const { result } = await runner.run(ctx, async (scope) => {
        const org = await identity.requireOrg(orgRef, scope.trx);
        const account = await loadActiveAccount(scope, org, accountId);
        const policy = readCredentialPolicy(org.settings);
        checkLimit(await countWorking(scope, accountId, policy), accountId);
        return insertCredential(scope, ctx, account, policy, key, null);
      });
      return result;
    },

    /** Every credential of an account, newest first, with its state now; never a secret or a hash. */
    async listCredentials(orgRef: string, accountId: string): Promise<Credential[]> {
      const org = await identity.requireOrg(orgRef);
      await requireServiceAccount(db, org, accountId);
      const policy = readCredentialPolicy(org.settings);
      const now = clock.now();
      return (await repo.listCredentials(db, accountId)).map((c) => toCredential(c, policy, now));
    },

    /**
     * Revokes a credential at once; revoking a revoked one answers it as it is and records nothing.
     * Throws `service_account.not_found`, `service_account.credential_not_found`.
     */
    async revokeCredential(ctx: CommandContext, orgRef: string, accountId: string, credentialId: string, reason: string | null): Promise<Credential> {
      const org = await identity.requireOrg(orgRef);
      const policy = readCredentialPolicy(org.settings);
      await requireServiceAccount(db, org, accountId);
      const current = await requireCredential(db, accountId, credentialId);
      if (current.revoked_at) return toCredential(current, policy, clock.now());
      const { result } = await runner.run(ctx, async (scope) => {
        const { trx, now, record } = scope;
        const account = await requireServiceAccount(trx, org, accountId);
        const row = await requireCredential(trx, accountId, credentialId);
        if (row.revoked_at) return toCredential(row, policy, now);
        const time = now.toISOString();
        await repo.revokeCredentialRow(trx, row.id, time, reason);
        record({
          action: 'identity.service_account.credential_revoked',
          org: org.id,
          targets: [{ type: 'service_account', id: accountId, display: account.name }, { type: 'service_account_credential', id: row.id }],
          data: { credentialId: row.id, kind: row.kind, reason },
        });
        for (const hook of revocationHooks) await hook(scope, { serviceAccountId: accountId, credentialId: row.id, reason: 'credential_revoked', effectiveAt: time });
        return toCredential({ ...row, revoked_at: time, revoke_reason: reason }, policy, now);
      });
      return result;
    },

    /**
     * Replaces a working credential with a new one of the same kind; the old one keeps
     * working for `overlapSeconds` (default a day, at most 7 days, never past its own expiry).
     * Throws as createCredential, and `service_account.credential_ended`, `service_account.rotation_invalid`.
     */
    async rotateCredential(ctx: CommandContext, orgRef: string, accountId: string, credentialId: string, input: RotationInput): Promise<IssuedCredential & { rotated: Credential }> {
      const overlapSeconds = input.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
      if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_OVERLAP_SECONDS) {
        throw new KeyledgerError('request.invalid', `overlapSeconds must be an integer from 0 to ${MAX_OVERLAP_SECONDS}, got ${JSON.stringify(input.overlapSeconds)}`);
      }
      const newKey = input.jwk !== undefined || input.pem !== undefined ? checkPublicKey({ jwk: input.jwk, pem: input.pem }) : null;
      const { result } = await runner.run(ctx, async (scope) => {
        const { trx, now, record } = scope;
        const org = await identity.requireOrg(orgRef, scope.trx);
        const account = await loadActiveAccount(scope, org, accountId);
        const policy = readCredentialPolicy(org.settings);
        const old = await requireCredential(trx, accountId, credentialId);
        const state = credentialState(old, policy, now);
        if (state !== 'active') throw new KeyledgerError('service_account.credential_ended', `credential "${credentialId}" is ${state}; create a new credential instead`);
        if (old.replaced_by_id) throw new KeyledgerError('service_account.credential_ended', `credential "${credentialId}" was already rotated to "${old.replaced_by_id}"`);
        if (old.kind === 'public_key' && !newKey) throw new KeyledgerError('service_account.rotation_invalid', 'rotating a public key needs the new public key (jwk or pem)');
        if (old.kind === 'secret' && newKey) throw new KeyledgerError('service_account.rotation_invalid', 'rotating a secret generates the new secret; send no key');
        const oldEnds = new Date(Math.min(effectiveExpiry(old, policy).getTime(), now.getTime() + overlapSeconds * 1000));
        const oldStillWorks = oldEnds.getTime() > now.getTime();
        // The old credential (while it overlaps) and the new one both count toward the limit.
        checkLimit((await countWorking(scope, accountId, policy, old.id)) + (oldStillWorks ? 1 : 0), accountId);
        const issued = await insertCredential(scope, ctx, account, policy, newKey, old.id);
        const oldAfter = { ...old, expires_at: oldEnds.toISOString(), replaced_by_id: issued.credential.id };
        await trx.updateTable('service_account_credentials').set({ expires_at: oldAfter.expires_at, replaced_by_id: oldAfter.replaced_by_id }).where('id', '=', old.id).execute();
        record({
          action: 'identity.service_account.credential_rotated',
          org: org.id,
          targets: [{ type: 'service_account', id: accountId, display: account.name }, { type: 'service_account_credential', id: old.id }, { type: 'service_account_credential', id: issued.credential.id }],
          data: { fromCredentialId: old.id, toCredentialId: issued.credential.id, kind: old.kind, overlapSeconds, previousExpiresAt: effectiveExpiry(old, policy).toISOString(), oldExpiresAt: oldAfter.expires_at },
        });
        for (const hook of revocationHooks) await hook(scope, { serviceAccountId: accountId, credentialId: old.id, reason: 'credential_rotated', effectiveAt: oldAfter.expires_at });
        return { ...issued, rotated: toCredential(oldAfter, policy, now) };
      });
      return result;
    },
  };
}
