import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { generateToken, hashToken } from '../platform/ids.ts';
import type { SsoTestLinkRow } from '../platform/schema-sso.ts';
import type { CommandRunner } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import { requireConnection } from './connections.ts';

export const TEST_TOKEN_KIND = 'ssotest';
const TEST_TOKEN_RE = /^kl_ssotest_[A-Za-z0-9_-]{43}$/;
/** How long a test link may wait before it is opened. */
export const TEST_LINK_TTL_MS = 10 * 60 * 1000;

/** A started test: the link comes back once, in the create response. */
export interface IssuedTestLink {
  testId: string;
  url: string;
  expiresAt: string;
}

/**
 * "Test connection" started by an administrator (the admin API, the
 * console): a one-time link, valid for minutes, whose opening runs the real
 * SP-initiated sign-in at the IdP with the `test` purpose — checked exactly
 * like a sign-in, but no session is opened and nobody is provisioned; the
 * federated sign-in records the result. The link is a bearer secret, stored
 * as SHA-256 only, scoped to one connection of one organization.
 */
export function createTestLinks(deps: { db: Db; runner: CommandRunner; clock: Clock; newId: () => string; identity: IdentityService; publicUrl: string }) {
  const { db, runner, clock, newId, identity, publicUrl } = deps;

  return {
    /**
     * Starts a test of a connection of the organization. Throws `organization.not_found`,
     * `sso.connection_not_found` (also for another organization's connection), `sso.connection_disabled`.
     */
    async issue(ctx: CommandContext, orgRef: string, connectionId: string): Promise<IssuedTestLink> {
      const token = generateToken(TEST_TOKEN_KIND);
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        const conn = await requireConnection(trx, org, connectionId);
        // A disabled connection would refuse the sign-in at the IdP's return; say so now.
        if (conn.status !== 'active') throw new KeyledgerError('sso.connection_disabled', `the SSO connection "${conn.name}" is disabled; enable it before testing it`);
        const row: SsoTestLinkRow = {
          id: newId(),
          org_id: org.id,
          connection_id: conn.id,
          token_hash: hashToken(token),
          created_by_type: ctx.actor.type,
          created_by_id: ctx.actor.id,
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + TEST_LINK_TTL_MS).toISOString(),
          used_at: null,
        };
        await trx.insertInto('sso_test_links').values(row).execute();
        record({ action: 'sso.connection.test_started', org: org.id, targets: [{ type: 'sso_connection', id: conn.id, display: conn.name }], data: { connectionId: conn.id, testId: row.id, expiresAt: row.expires_at } });
        return { testId: row.id, expiresAt: row.expires_at };
      });
      return { ...result, url: `${publicUrl.replace(/\/$/, '')}/sso/test/${token}` };
    },

    /**
     * Marks the link a token names used and returns it; once only, and only before it expires.
     * Throws `sso.test_link_invalid` for a malformed, unknown, used or expired token alike.
     */
    async redeem(token: string): Promise<SsoTestLinkRow> {
      const refused = () => new KeyledgerError('sso.test_link_invalid', 'this test link is unknown, expired or already used; start the test again from the console');
      if (!TEST_TOKEN_RE.test(token)) throw refused();
      const now = clock.now().toISOString();
      // One conditional update: two tabs opening the same link cannot both win.
      const r = await db.updateTable('sso_test_links').set({ used_at: now }).where('token_hash', '=', hashToken(token)).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw refused();
      return db.selectFrom('sso_test_links').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
    },

    /** The link a used token names (for the result page), or null when unknown or never opened. */
    async findUsed(token: string): Promise<SsoTestLinkRow | null> {
      if (!TEST_TOKEN_RE.test(token)) return null;
      const row = await db.selectFrom('sso_test_links').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
      return row?.used_at ? row : null;
    },
  };
}

export type TestLinks = ReturnType<typeof createTestLinks>;
