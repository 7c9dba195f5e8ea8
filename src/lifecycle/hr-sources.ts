import { sql } from 'kysely';
import { dialectOf, type Db } from '../platform/database.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { decryptSecret, encryptSecret, type Envelope, type MasterKey } from '../platform/crypto.ts';
import { generateToken } from '../platform/ids.ts';
import type { CommandRunner, Trx } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import type { HrSourceRow } from '../platform/schema-lifecycle.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';
import * as repo from './repository.ts';
import { toHrSource, type HrSource } from './views.ts';

/** The envelope purpose of HR signing secrets: a ciphertext of another purpose cannot be replayed as one. */
const SECRET_PURPOSE = 'lifecycle.hr_source_secret';
/** How long a rotated-out secret keeps working unless the rotation says otherwise. */
export const DEFAULT_SECRET_OVERLAP_SECONDS = 86_400;
export const MAX_SECRET_OVERLAP_SECONDS = 7 * 86_400;
const PREFIX_LENGTH = 12;

export interface HrSourceDeps {
  db: Db;
  runner: CommandRunner;
  newId: () => string;
  master: MasterKey;
  identity: IdentityService;
  publicUrl: string;
}

type Page = { limit: number; cursor?: string };

/**
 * HR sources: per-organization HR systems that post signed events. The signing
 * secret must be usable to recompute an HMAC, so it is envelope-encrypted under
 * the master key (never hashed), returned once on creation or rotation, and
 * never logged or recorded (only its non-secret prefix is).
 */
export function createHrSources(deps: HrSourceDeps) {
  const { db, runner, newId, master, identity } = deps;
  const url = `${deps.publicUrl}/api/v1/lifecycle/hr-events`;

  const seal = (secret: string): string => JSON.stringify(encryptSecret(master, Buffer.from(secret, 'utf8'), SECRET_PURPOSE));
  const unseal = (text: string): string => decryptSecret(master, JSON.parse(text) as Envelope, SECRET_PURPOSE).toString('utf8');

  async function requireSource(reader: Db | Trx, org: { id: string; slug: string }, id: string): Promise<HrSourceRow> {
    const row = await repo.findHrSource(reader, org.id, id);
    if (!row || row.status === 'deleted') throw new KeyledgerError('lifecycle.hr_source_not_found', `no HR source "${id}" in "${org.slug}"`);
    return row;
  }

  return {
    /** The address sources post to. */
    url,

    /** Registers an HR source; its secret is in the result only. Throws `organization.not_found`. */
    async createSource(ctx: CommandContext, orgRef: string, input: { name: string }): Promise<{ source: HrSource; secret: string; url: string }> {
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        const secret = generateToken('hr');
        const time = now.toISOString();
        const row: HrSourceRow = {
          id: newId(),
          org_id: org.id,
          name: input.name,
          status: 'active',
          secret: seal(secret),
          secret_prefix: secret.slice(0, PREFIX_LENGTH),
          previous_secret: null,
          previous_secret_expires_at: null,
          created_by_type: ctx.actor.type,
          created_by_id: ctx.actor.id,
          created_at: time,
          updated_at: time,
          deleted_at: null,
          last_event_at: null,
        };
        await trx.insertInto('hr_sources').values(row).execute();
        record({ action: 'lifecycle.hr_source.created', org: org.id, targets: [{ type: 'hr_source', id: row.id, display: row.name }], data: { name: row.name, secretPrefix: row.secret_prefix } });
        return { source: toHrSource(row), secret, url };
      });
      return result;
    },

    /** An organization's HR sources, deleted ones included, by id. Throws `organization.not_found`. */
    async listSources(orgRef: string, p: Page): Promise<{ items: HrSource[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      let q = db.selectFrom('hr_sources').selectAll().where('org_id', '=', org.id);
      if (p.cursor) q = q.where('id', '>', decodeCursor(p.cursor, 'hr_source'));
      const rows = await q.orderBy('id').limit(p.limit + 1).execute();
      const items = rows.slice(0, p.limit).map(toHrSource);
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('hr_source', items[items.length - 1].id) : null };
    },

    /**
     * Replaces the signing secret; the replaced one stays valid for `overlapSeconds` (default 24 h,
     * 0 ends it at once), so the HR system can switch without losing events. A rotation inside an
     * overlap ends the older secret at once. Throws `lifecycle.hr_source_not_found`.
     */
    async rotateSecret(ctx: CommandContext, orgRef: string, id: string, input: { overlapSeconds?: number }): Promise<{ source: HrSource; secret: string }> {
      const overlapSeconds = input.overlapSeconds ?? DEFAULT_SECRET_OVERLAP_SECONDS;
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        // Two rotations at once run one after the other (PostgreSQL; SQLite writes one at a time): the second replaces the first's secret.
        if (dialectOf(trx as unknown as Db) === 'postgres') await sql`select id from hr_sources where id = ${id} for update`.execute(trx);
        const row = await requireSource(trx, org, id);
        const secret = generateToken('hr');
        const time = now.toISOString();
        const previousExpiresAt = overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000).toISOString() : null;
        const after: HrSourceRow = {
          ...row,
          secret: seal(secret),
          secret_prefix: secret.slice(0, PREFIX_LENGTH),
          previous_secret: previousExpiresAt ? row.secret : null,
          previous_secret_expires_at: previousExpiresAt,
          updated_at: time,
        };
        await trx
          .updateTable('hr_sources')
          .set({ secret: after.secret, secret_prefix: after.secret_prefix, previous_secret: after.previous_secret, previous_secret_expires_at: after.previous_secret_expires_at, updated_at: time })
          .where('id', '=', row.id)
          .execute();
        record({
          action: 'lifecycle.hr_source.secret_rotated',
          org: org.id,
          targets: [{ type: 'hr_source', id: row.id, display: row.name }],
          data: { secretPrefix: after.secret_prefix, previousSecretPrefix: row.secret_prefix, overlapSeconds, previousSecretExpiresAt: previousExpiresAt },
        });
        return { source: toHrSource(after), secret };
      });
      return result;
    },

    /** Deletes a source: its events are refused from then on; its secrets are erased (the row stays for the record). Throws `lifecycle.hr_source_not_found`. */
    async deleteSource(ctx: CommandContext, orgRef: string, id: string): Promise<void> {
      await runner.run(ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        const row = await requireSource(trx, org, id);
        const time = now.toISOString();
        await trx.updateTable('hr_sources').set({ status: 'deleted', secret: '', previous_secret: null, previous_secret_expires_at: null, deleted_at: time, updated_at: time }).where('id', '=', row.id).execute();
        record({ action: 'lifecycle.hr_source.deleted', org: org.id, targets: [{ type: 'hr_source', id: row.id, display: row.name }], data: { name: row.name } });
      });
    },

    /** An active source and the secrets its events may be signed with at `now` (current, and the previous one during its overlap); undefined for an unknown or deleted source. */
    async loadVerification(id: string, now: Date): Promise<{ source: HrSourceRow; secrets: string[] } | undefined> {
      const row = await repo.findHrSourceById(db, id);
      if (!row || row.status !== 'active') return undefined;
      const secrets = [unseal(row.secret)];
      if (row.previous_secret && row.previous_secret_expires_at && now.getTime() < Date.parse(row.previous_secret_expires_at)) secrets.push(unseal(row.previous_secret));
      return { source: row, secrets };
    },
  };
}

export type HrSources = ReturnType<typeof createHrSources>;
