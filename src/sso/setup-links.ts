import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { generateToken, hashToken } from '../platform/ids.ts';
import type { SsoSetupLinkRow } from '../platform/schema-sso.ts';
import type { CommandRunner } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import { runUnlessUnchanged, Unchanged } from './unchanged.ts';

export const SETUP_TOKEN_KIND = 'ssosetup';
const SETUP_TOKEN_RE = /^kl_ssosetup_[A-Za-z0-9_-]{43}$/;
export const DEFAULT_SETUP_LINK_DAYS = 7;
export const MAX_SETUP_LINK_DAYS = 30;
const PREFIX_LENGTH = 20;

export interface SetupLink {
  id: string;
  orgId: string;
  prefix: string;
  email: string | null;
  /** The connection this link configures (it may not exist yet). */
  connectionId: string;
  createdAt: string;
  createdBy: { type: string; id: string };
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  state: 'active' | 'expired' | 'revoked';
}

function toLink(row: SsoSetupLinkRow, now: Date): SetupLink {
  return {
    id: row.id,
    orgId: row.org_id,
    prefix: row.prefix,
    email: row.email,
    connectionId: row.connection_id,
    createdAt: row.created_at,
    createdBy: { type: row.created_by_type, id: row.created_by_id },
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    state: row.revoked_at ? 'revoked' : row.expires_at <= now.toISOString() ? 'expired' : 'active',
  };
}

/**
 * One-time setup links: an administrator of Keyledger sends one to the
 * customer's own IT administrator, who configures the organization's SSO
 * connection and domains through it and runs "test connection", without an
 * account or an API key. The link is a bearer secret (stored as SHA-256
 * only), scoped to one organization, valid for a few days, revocable; what
 * is done through it is recorded with the link as the actor.
 */
export function createSetupLinks(deps: { db: Db; runner: CommandRunner; clock: Clock; newId: () => string; identity: IdentityService; publicUrl: string }) {
  const { db, runner, clock, newId, identity, publicUrl } = deps;

  return {
    /** Issues a link; its URL comes back once. Throws `organization.not_found`, `request.invalid` (days). */
    async create(ctx: CommandContext, orgRef: string, input: { email?: string | null; expiresInDays?: number }): Promise<{ link: SetupLink; url: string }> {
      const days = input.expiresInDays ?? DEFAULT_SETUP_LINK_DAYS;
      if (!Number.isInteger(days) || days < 1 || days > MAX_SETUP_LINK_DAYS) throw new KeyledgerError('request.invalid', `expiresInDays must be an integer from 1 to ${MAX_SETUP_LINK_DAYS}`);
      const token = generateToken(SETUP_TOKEN_KIND);
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        const row: SsoSetupLinkRow = {
          id: newId(),
          org_id: org.id,
          token_hash: hashToken(token),
          prefix: token.slice(0, PREFIX_LENGTH),
          email: input.email?.trim().toLowerCase() || null,
          connection_id: newId(),
          created_by_type: ctx.actor.type,
          created_by_id: ctx.actor.id,
          created_at: now.toISOString(),
          expires_at: new Date(now.getTime() + days * 86_400_000).toISOString(),
          revoked_at: null,
          last_used_at: null,
        };
        await trx.insertInto('sso_setup_links').values(row).execute();
        record({ action: 'sso.setup_link.created', org: org.id, targets: [{ type: 'sso_setup_link', id: row.id, display: row.prefix }], data: { email: row.email, prefix: row.prefix, expiresAt: row.expires_at } });
        return toLink(row, now);
      });
      return { link: result, url: `${publicUrl.replace(/\/$/, '')}/sso/setup/${token}` };
    },

    async list(orgRef: string): Promise<SetupLink[]> {
      const org = await identity.requireOrg(orgRef);
      const rows = await db.selectFrom('sso_setup_links').selectAll().where('org_id', '=', org.id).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map((r) => toLink(r, clock.now()));
    },

    /** Revokes a link; it is refused from the next request on (revoking it again records nothing). Throws `sso.setup_link_invalid` for an unknown id. */
    async revoke(ctx: CommandContext, orgRef: string, id: string): Promise<SetupLink> {
      return runUnlessUnchanged(runner, ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        const row = await trx.selectFrom('sso_setup_links').selectAll().where('org_id', '=', org.id).where('id', '=', id).executeTakeFirst();
        if (!row) throw new KeyledgerError('sso.setup_link_invalid', `no setup link "${id}" in "${org.slug}"`);
        if (row.revoked_at) throw new Unchanged(toLink(row, now));
        const time = now.toISOString();
        await trx.updateTable('sso_setup_links').set({ revoked_at: time }).where('id', '=', id).execute();
        record({ action: 'sso.setup_link.revoked', org: org.id, targets: [{ type: 'sso_setup_link', id, display: row.prefix }], data: { prefix: row.prefix } });
        return toLink({ ...row, revoked_at: time }, now);
      });
    },

    /** The live link a token names, touched as used; else `sso.setup_link_invalid` (unknown, expired or revoked alike). */
    async authenticate(token: string): Promise<SsoSetupLinkRow> {
      const row = SETUP_TOKEN_RE.test(token) ? await db.selectFrom('sso_setup_links').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst() : undefined;
      const now = clock.now().toISOString();
      if (!row || row.revoked_at || row.expires_at <= now) throw new KeyledgerError('sso.setup_link_invalid', 'this setup link is unknown, expired or revoked; ask your administrator for a new one');
      await db.updateTable('sso_setup_links').set({ last_used_at: now }).where('id', '=', row.id).execute();
      return row;
    },
  };
}

export type SetupLinks = ReturnType<typeof createSetupLinks>;
