import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { generateToken, hashToken } from '../platform/ids.ts';
import type { CommandRunner } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import { ALL_SCOPES } from './scopes.ts';
import type { ApiKeyService, ApiKeyView } from './api-key-service.ts';

const LINK_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * The first administrator: while no usable API key exists, each start issues a
 * one-time link (valid 24 hours, earlier links withdrawn). Opening it and
 * confirming creates an administrator key with every scope, shown once.
 */
export function createBootstrapService(deps: { db: Db; runner: CommandRunner; clock: Clock; newId: () => string; apiKeys: ApiKeyService; publicUrl: string }) {
  const { db, runner, clock, newId, apiKeys } = deps;

  async function findUsable(token: string) {
    const row = await db.selectFrom('bootstrap_tokens').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
    if (!row || row.used_at || Date.parse(row.expires_at) <= clock.now().getTime()) return null;
    return row;
  }

  return {
    /** Issues a link when nobody can administer Keyledger yet; null otherwise. */
    async issueLinkIfNeeded(ctx: CommandContext): Promise<{ url: string; expiresAt: string } | null> {
      if (await apiKeys.anyActive()) return null;
      const token = generateToken('boot');
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const time = now.toISOString();
        await trx.updateTable('bootstrap_tokens').set({ expires_at: time }).where('used_at', 'is', null).where('expires_at', '>', time).execute();
        const id = newId();
        const expiresAt = new Date(now.getTime() + LINK_LIFETIME_MS).toISOString();
        await trx.insertInto('bootstrap_tokens').values({ id, token_hash: hashToken(token), created_at: time, expires_at: expiresAt, used_at: null }).execute();
        record({ action: 'platform.bootstrap.link_issued', targets: [{ type: 'bootstrap_token', id }], data: { expiresAt } });
        return { url: `${deps.publicUrl}/bootstrap?token=${encodeURIComponent(token)}`, expiresAt };
      });
      return result;
    },

    async isUsable(token: string): Promise<boolean> {
      return (await findUsable(token)) !== null;
    },

    /** Spends the link and creates the administrator key, in one transaction. */
    async complete(ctx: CommandContext, token: string, name: string): Promise<{ key: string; apiKey: ApiKeyView }> {
      const { result } = await runner.run(ctx, async (scope) => {
        const row = await scope.trx.selectFrom('bootstrap_tokens').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
        if (!row || row.used_at || Date.parse(row.expires_at) <= scope.now.getTime()) {
          throw new KeyledgerError('bootstrap.invalid_token', 'this bootstrap link is unknown, expired or already used');
        }
        const spent = await scope.trx.updateTable('bootstrap_tokens').set({ used_at: scope.now.toISOString() }).where('id', '=', row.id).where('used_at', 'is', null).executeTakeFirst();
        if (Number(spent.numUpdatedRows) !== 1) throw new KeyledgerError('bootstrap.invalid_token', 'this bootstrap link was used already');
        const created = await apiKeys.insertKey(scope, ctx, { name, scopes: [...ALL_SCOPES].sort(), expiresAt: null });
        scope.record({ action: 'platform.bootstrap.completed', targets: [{ type: 'bootstrap_token', id: row.id }, { type: 'api_key', id: created.apiKey.id, display: name }], data: { apiKeyId: created.apiKey.id } });
        return created;
      });
      return result;
    },
  };
}

export type BootstrapService = ReturnType<typeof createBootstrapService>;
