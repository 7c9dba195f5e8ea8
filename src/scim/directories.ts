import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { generateToken, hashToken } from '../platform/ids.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';
import type { ScimDirectoryRow, ScimTokenRow } from '../platform/schema-directory.ts';
import type { CommandRunner, CommandScope } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import type { Organization } from '../identity/views.ts';

/** Directory tokens are `kl_scim_` and 43 base64url characters (256 random bits). */
export const TOKEN_KIND = 'scim';
const TOKEN_PREFIX_LENGTH = 16;
export const DEFAULT_TOKEN_OVERLAP_SECONDS = 86_400;
export const MAX_TOKEN_OVERLAP_SECONDS = 7 * 86_400;

export interface Directory {
  id: string;
  orgId: string;
  name: string;
  status: ScimDirectoryRow['status'];
  /** The SCIM base URL an identity provider is given. */
  baseUrl: string;
  createdAt: string;
  updatedAt: string;
  lastRequestAt: string | null;
}

export interface DirectoryToken {
  id: string;
  directoryId: string;
  prefix: string;
  createdAt: string;
  createdBy: { type: string; id: string };
  /** Null while current; set when rotated out (the end of its overlap) . */
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  state: 'active' | 'expiring' | 'expired' | 'revoked';
}

/** A token's plaintext comes back once, with the base URL to give the identity provider. */
export interface IssuedToken {
  token: string;
  baseUrl: string;
  tokenInfo: DirectoryToken;
}

type Page = { limit: number; cursor?: string };

export function directoryBaseUrl(publicUrl: string, directoryId: string): string {
  return `${publicUrl.replace(/\/$/, '')}/scim/v2/${directoryId}`;
}

function tokenState(row: Pick<ScimTokenRow, 'expires_at' | 'revoked_at'>, now: Date): DirectoryToken['state'] {
  if (row.revoked_at) return 'revoked';
  if (row.expires_at === null) return 'active';
  return Date.parse(row.expires_at) > now.getTime() ? 'expiring' : 'expired';
}

function toToken(row: ScimTokenRow, now: Date): DirectoryToken {
  return {
    id: row.id,
    directoryId: row.directory_id,
    prefix: row.prefix,
    createdAt: row.created_at,
    createdBy: { type: row.created_by_type, id: row.created_by_id },
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    lastUsedIp: row.last_used_ip,
    state: tokenState(row, now),
  };
}

export interface DirectoryDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  identity: IdentityService;
  publicUrl: string;
}

/** A directory of an organization, read in `reader`. Throws `scim.directory_not_found`. */
export async function requireDirectory(reader: Db | CommandScope['trx'], org: Pick<Organization, 'id' | 'slug'>, id: string): Promise<ScimDirectoryRow> {
  const row = await reader.selectFrom('scim_directories').selectAll().where('org_id', '=', org.id).where('id', '=', id).executeTakeFirst();
  if (!row) throw new KeyledgerError('scim.directory_not_found', `no SCIM directory "${id}" in "${org.slug}"`);
  return row;
}

/**
 * SCIM directories of an organization and their bearer tokens: created,
 * rotated with an overlap, revoked; a token is shown once and stored as its
 * SHA-256 only. `authenticate` is what the SCIM endpoint calls on every request.
 */
export function createDirectoryService(deps: DirectoryDeps) {
  const { db, runner, clock, newId, identity, publicUrl } = deps;

  const toDirectory = (row: ScimDirectoryRow): Directory => ({
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    status: row.status,
    baseUrl: directoryBaseUrl(publicUrl, row.id),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastRequestAt: row.last_request_at,
  });

  async function insertDirectory(scope: CommandScope, org: Organization, name: string): Promise<ScimDirectoryRow> {
    const time = scope.now.toISOString();
    const row: ScimDirectoryRow = { id: newId(), org_id: org.id, name, status: 'active', created_at: time, updated_at: time, last_request_at: null };
    await scope.trx.insertInto('scim_directories').values(row).execute();
    scope.record({ action: 'scim.directory.created', org: org.id, targets: [{ type: 'scim_directory', id: row.id, display: name }], data: { name, baseUrl: directoryBaseUrl(publicUrl, row.id) } });
    return row;
  }

  async function insertToken(scope: CommandScope, ctx: CommandContext, dir: ScimDirectoryRow, rotatedFrom: string | null): Promise<IssuedToken> {
    const token = generateToken(TOKEN_KIND);
    const row: ScimTokenRow = {
      id: newId(),
      directory_id: dir.id,
      org_id: dir.org_id,
      prefix: token.slice(0, TOKEN_PREFIX_LENGTH),
      token_hash: hashToken(token),
      created_at: scope.now.toISOString(),
      created_by_type: ctx.actor.type,
      created_by_id: ctx.actor.id,
      expires_at: null,
      revoked_at: null,
      last_used_at: null,
      last_used_ip: null,
    };
    await scope.trx.insertInto('scim_tokens').values(row).execute();
    scope.record({
      action: rotatedFrom ? 'scim.token.rotated' : 'scim.token.created',
      org: dir.org_id,
      targets: [{ type: 'scim_directory', id: dir.id, display: dir.name }, { type: 'scim_token', id: row.id, display: row.prefix }],
      data: { directoryId: dir.id, prefix: row.prefix, ...(rotatedFrom ? { rotatedFrom } : {}) },
    });
    return { token, baseUrl: directoryBaseUrl(publicUrl, dir.id), tokenInfo: toToken(row, scope.now) };
  }

  return {
    toDirectory,

    async createDirectory(ctx: CommandContext, orgRef: string, input: { name: string }): Promise<Directory> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, (scope) => insertDirectory(scope, org, input.name));
      return toDirectory(result);
    },

    async listDirectories(orgRef: string, p: Page): Promise<{ items: Directory[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      let q = db.selectFrom('scim_directories').selectAll().where('org_id', '=', org.id).orderBy('id').limit(p.limit + 1);
      if (p.cursor) q = q.where('id', '>', decodeCursor(p.cursor, 'scim_directory'));
      const rows = await q.execute();
      const items = rows.slice(0, p.limit).map(toDirectory);
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('scim_directory', items[items.length - 1].id) : null };
    },

    async getDirectory(orgRef: string, id: string): Promise<Directory> {
      const org = await identity.requireOrg(orgRef);
      return toDirectory(await requireDirectory(db, org, id));
    },

    /** Disables or re-enables a directory: a disabled directory's tokens are refused. */
    async setDirectoryStatus(ctx: CommandContext, orgRef: string, id: string, status: Directory['status']): Promise<Directory> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, async (scope) => {
        const row = await requireDirectory(scope.trx, org, id);
        const updated = { ...row, status, updated_at: scope.now.toISOString() };
        await scope.trx.updateTable('scim_directories').set({ status, updated_at: updated.updated_at }).where('id', '=', id).execute();
        scope.record({ action: 'scim.directory.updated', org: org.id, targets: [{ type: 'scim_directory', id, display: row.name }], data: { before: { status: row.status }, after: { status } } });
        return updated;
      });
      return toDirectory(result);
    },

    /** Issues a new token for a directory; earlier tokens stay valid (use rotate to retire them). */
    async createToken(ctx: CommandContext, orgRef: string, directoryId: string): Promise<IssuedToken> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, async (scope) => insertToken(scope, ctx, await requireDirectory(scope.trx, org, directoryId), null));
      return result;
    },

    /**
     * Issues a new token and gives every current token of the directory an end
     * `overlapSeconds` from now (default 24 h; 0 ends them at once), so the
     * identity provider can be switched over without a failed sync.
     */
    async rotateToken(ctx: CommandContext, orgRef: string, directoryId: string, overlapSeconds = DEFAULT_TOKEN_OVERLAP_SECONDS): Promise<IssuedToken> {
      if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_TOKEN_OVERLAP_SECONDS) {
        throw new KeyledgerError('request.invalid', `overlapSeconds must be an integer from 0 to ${MAX_TOKEN_OVERLAP_SECONDS}`);
      }
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, async (scope) => {
        const dir = await requireDirectory(scope.trx, org, directoryId);
        const current = await scope.trx.selectFrom('scim_tokens').select('id').where('directory_id', '=', dir.id).where('revoked_at', 'is', null).where('expires_at', 'is', null).execute();
        const end = new Date(scope.now.getTime() + overlapSeconds * 1000).toISOString();
        for (const t of current) await scope.trx.updateTable('scim_tokens').set({ expires_at: end }).where('id', '=', t.id).execute();
        return insertToken(scope, ctx, dir, current.map((t) => t.id).join(',') || 'none');
      });
      return result;
    },

    async revokeToken(ctx: CommandContext, orgRef: string, directoryId: string, tokenId: string): Promise<DirectoryToken> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, async (scope) => {
        const dir = await requireDirectory(scope.trx, org, directoryId);
        const row = await scope.trx.selectFrom('scim_tokens').selectAll().where('directory_id', '=', dir.id).where('id', '=', tokenId).executeTakeFirst();
        if (!row) throw new KeyledgerError('scim.token_not_found', `no token "${tokenId}" in SCIM directory "${dir.id}"`);
        if (row.revoked_at) throw new KeyledgerError('scim.token_already_revoked', `token "${tokenId}" was already revoked`);
        const revoked = { ...row, revoked_at: scope.now.toISOString() };
        await scope.trx.updateTable('scim_tokens').set({ revoked_at: revoked.revoked_at }).where('id', '=', row.id).execute();
        scope.record({ action: 'scim.token.revoked', org: org.id, targets: [{ type: 'scim_directory', id: dir.id, display: dir.name }, { type: 'scim_token', id: row.id, display: row.prefix }], data: { directoryId: dir.id, prefix: row.prefix } });
        return revoked;
      });
      return toToken(result, clock.now());
    },

    async listTokens(orgRef: string, directoryId: string): Promise<DirectoryToken[]> {
      const org = await identity.requireOrg(orgRef);
      const dir = await requireDirectory(db, org, directoryId);
      const rows = await db.selectFrom('scim_tokens').selectAll().where('directory_id', '=', dir.id).orderBy('id').execute();
      const now = clock.now();
      return rows.map((r) => toToken(r, now));
    },

    /**
     * The organization's first directory (created if it has none) and a new
     * token for it, in one command: what `keyledger scim-token create` runs.
     */
    async issueTokenForOrganization(ctx: CommandContext, orgRef: string): Promise<IssuedToken & { directory: Directory }> {
      const org = await identity.requireOrg(orgRef);
      const { result } = await runner.run(ctx, async (scope) => {
        const existing = await scope.trx.selectFrom('scim_directories').selectAll().where('org_id', '=', org.id).orderBy('id').limit(1).executeTakeFirst();
        const dir = existing ?? (await insertDirectory(scope, org, `${org.name} directory`));
        return { ...(await insertToken(scope, ctx, dir, null)), directory: toDirectory(dir) };
      });
      return result;
    },

    /**
     * The directory a bearer token belongs to, or undefined when the token is
     * unknown, revoked, past its overlap, or its directory is disabled. Reads
     * only: the caller's command records the use.
     */
    async authenticate(token: string): Promise<{ directory: ScimDirectoryRow; tokenId: string } | undefined> {
      if (!token.startsWith(`kl_${TOKEN_KIND}_`) || token.length > 200) return undefined;
      const found = await db
        .selectFrom('scim_tokens as t')
        .innerJoin('scim_directories as d', 'd.id', 't.directory_id')
        .selectAll('d')
        .select(['t.id as token_id', 't.expires_at as token_expires_at', 't.revoked_at as token_revoked_at'])
        .where('t.token_hash', '=', hashToken(token))
        .executeTakeFirst();
      if (!found) return undefined;
      const { token_id: tokenId, token_expires_at: expiresAt, token_revoked_at: revokedAt, ...directory } = found;
      const state = tokenState({ expires_at: expiresAt, revoked_at: revokedAt }, clock.now());
      if ((state !== 'active' && state !== 'expiring') || directory.status !== 'active') return undefined;
      return { directory, tokenId };
    },

    /** Records a request's use of a token inside the request's command. */
    async recordUse(scope: CommandScope, directoryId: string, tokenId: string, ip: string | null): Promise<void> {
      const time = scope.now.toISOString();
      await scope.trx.updateTable('scim_tokens').set({ last_used_at: time, last_used_ip: ip }).where('id', '=', tokenId).execute();
      await scope.trx.updateTable('scim_directories').set({ last_request_at: time }).where('id', '=', directoryId).execute();
    },
  };
}

export type DirectoryService = ReturnType<typeof createDirectoryService>;
