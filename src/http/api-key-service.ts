import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { ApiKeyRow } from '../platform/schema.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { digestsEqual, generateToken, hashToken } from '../platform/ids.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { Actor, CommandContext } from '../audit/event.ts';
import { isScope, type Scope } from './scopes.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdBy: { type: string; id: string };
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** A verified caller: the key's actor and what it may do. */
export interface ApiPrincipal {
  actor: Actor;
  scopes: Set<Scope>;
  /** A person signed in to the console: how and when they last proved a passkey (acr, auth_time in seconds), for the step-up on changes. API keys have none. */
  authentication?: { acr: string | null; authTime: number | null; stepUp: { fresh: boolean; acrValues: string; maxAgeSeconds: number } };
}

/** Another kind of bearer credential the admin API accepts (the console's access tokens). */
export type BearerAuthenticator = (presented: string) => Promise<ApiPrincipal | null>;

/** Writes of last_used_at are spaced out so that reads do not become writes on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function toApiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as Scope[],
    createdBy: { type: row.created_by_type, id: row.created_by_id },
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

/**
 * Admin API keys: `kl_key_…` tokens, stored as SHA-256 digests, shown once at
 * creation. A key can issue keys only within its own scopes.
 */
export function createApiKeyService(deps: { db: Db; runner: CommandRunner; clock: Clock; newId: () => string }) {
  const { db, runner, clock, newId } = deps;
  let otherBearer: BearerAuthenticator | null = null;

  /** Issues a key inside a running command; the plaintext key is returned once and never stored. */
  async function insertKey(scope: CommandScope, ctx: CommandContext, input: { name: string; scopes: Scope[]; expiresAt: string | null }): Promise<{ key: string; apiKey: ApiKeyView }> {
    const key = generateToken('key');
    const row: ApiKeyRow = {
      id: newId(),
      name: input.name,
      prefix: key.slice(0, 14),
      key_hash: hashToken(key),
      scopes: JSON.stringify(input.scopes),
      created_by_type: ctx.actor.type,
      created_by_id: ctx.actor.id,
      created_at: scope.now.toISOString(),
      expires_at: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
      revoked_at: null,
      last_used_at: null,
    };
    await scope.trx.insertInto('api_keys').values(row).execute();
    scope.record({
      action: 'platform.api_key.created',
      targets: [{ type: 'api_key', id: row.id, display: row.name }],
      data: { name: row.name, prefix: row.prefix, scopes: input.scopes, expiresAt: row.expires_at },
    });
    return { key, apiKey: toApiKeyView(row) };
  }

  return {
    insertKey,

    async create(
      ctx: CommandContext,
      input: { name: string; scopes: string[]; expiresAt?: string | null },
      callerScopes?: Set<Scope>,
    ): Promise<{ key: string; apiKey: ApiKeyView }> {
      const unknown = input.scopes.filter((s) => !isScope(s));
      if (unknown.length > 0 || input.scopes.length === 0) {
        throw new KeyledgerError('api_key.scope_invalid', unknown.length > 0 ? `unknown scope "${unknown[0]}"` : 'at least one scope is required');
      }
      const scopes = [...new Set(input.scopes as Scope[])].sort();
      if (callerScopes) {
        const beyond = scopes.filter((s) => !callerScopes.has(s));
        if (beyond.length > 0) throw new KeyledgerError('auth.forbidden', `cannot issue a key with scope "${beyond[0]}", which the calling key does not hold`);
      }
      if (input.expiresAt && Date.parse(input.expiresAt) <= clock.now().getTime()) {
        throw new KeyledgerError('api_key.expiry_invalid', `expiresAt ${input.expiresAt} is not in the future`);
      }
      const { result } = await runner.run(ctx, (scope) => insertKey(scope, ctx, { name: input.name, scopes, expiresAt: input.expiresAt ?? null }));
      return result;
    },

    async revoke(ctx: CommandContext, id: string): Promise<ApiKeyView> {
      // Revoking a revoked key changes nothing, so it answers without running a command (a command must record an event).
      const current = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      if (current?.revoked_at) return toApiKeyView(current);
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const row = await trx.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) throw new KeyledgerError('api_key.not_found', `no API key with id "${id}"`);
        if (row.revoked_at) return toApiKeyView(row);
        await trx.updateTable('api_keys').set({ revoked_at: now.toISOString() }).where('id', '=', id).execute();
        record({ action: 'platform.api_key.revoked', targets: [{ type: 'api_key', id, display: row.name }], data: { name: row.name, prefix: row.prefix } });
        return toApiKeyView({ ...row, revoked_at: now.toISOString() });
      });
      return result;
    },

    async get(id: string): Promise<ApiKeyView> {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new KeyledgerError('api_key.not_found', `no API key with id "${id}"`);
      return toApiKeyView(row);
    },

    async list(page: { limit: number; cursor?: string }): Promise<{ items: ApiKeyView[]; nextCursor: string | null }> {
      let q = db.selectFrom('api_keys').selectAll().orderBy('id').limit(page.limit + 1);
      if (page.cursor) q = q.where('id', '>', decodeCursor(page.cursor, 'api_key'));
      const rows = await q.execute();
      const items = rows.slice(0, page.limit).map(toApiKeyView);
      return { items, nextCursor: rows.length > page.limit ? encodeCursor('api_key', items[items.length - 1].id) : null };
    },

    /** Resolves a presented key, or null when it is unknown, expired or revoked. */
    /** Also accept the tokens `authenticator` recognises (wired once the provider exists: the console's access tokens). */
    acceptBearer(authenticator: BearerAuthenticator): void {
      otherBearer = authenticator;
    },

    async authenticate(presented: string): Promise<ApiPrincipal | null> {
      if (!presented.startsWith('kl_key_')) return otherBearer ? otherBearer(presented) : null;
      if (presented.length > 100) return null;
      const digest = hashToken(presented);
      const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', digest).executeTakeFirst();
      if (!row || !digestsEqual(row.key_hash, digest)) return null;
      const now = clock.now();
      if (row.revoked_at) return null;
      if (row.expires_at && Date.parse(row.expires_at) <= now.getTime()) return null;
      if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) >= LAST_USED_RESOLUTION_MS) {
        await db.updateTable('api_keys').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute();
      }
      return { actor: { type: 'api_key', id: row.id, display: row.name }, scopes: new Set(JSON.parse(row.scopes) as Scope[]) };
    },

    /** True when at least one usable key exists (the bootstrap link is then no longer offered). */
    async anyActive(): Promise<boolean> {
      const row = await db.selectFrom('api_keys').select('id').where('revoked_at', 'is', null).limit(1).executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
