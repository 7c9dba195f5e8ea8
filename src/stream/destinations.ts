import { sql } from 'kysely';
import { dialectOf, type Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { decryptSecret, encryptSecret, type Envelope, type MasterKey } from '../platform/crypto.ts';
import { generateToken } from '../platform/ids.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';
import type { DestinationKind, SiemDestinationRow } from '../platform/schema-stream.ts';
import type { CommandRunner, Trx } from '../audit/command-runner.ts';
import type { CommandContext, EventDraft } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import { ledgerHead } from './ledger-feed.ts';
import { checkDestinationConfig, checkFilter, configForView, type ConfigInput, type DestinationFilter, type FilterInput } from './destination-config.ts';
import { readDestinationHealth, type DestinationHealth } from './destination-health.ts';

/** The envelope purpose of destination secrets (webhook signing secrets, Splunk HEC tokens). */
export const DESTINATION_SECRET_PURPOSE = 'stream.destination_secret';
const PREFIX_LENGTH = 16;

export interface Destination {
  id: string;
  orgId: string | null;
  name: string;
  kind: DestinationKind;
  /** The settings without secrets; a URL without its query, a CA certificate as its fingerprint. */
  config: Record<string, unknown>;
  filter: DestinationFilter;
  status: 'active' | 'paused';
  secretPrefix: string | null;
  createdAt: string;
  updatedAt: string;
  health: DestinationHealth;
}

export interface CreateDestinationInput {
  name: string;
  kind: DestinationKind;
  /** An organization id or slug; null or absent: a deployment destination. */
  orgId?: string | null;
  config: ConfigInput;
  filter?: FilterInput;
}

export interface UpdateDestinationInput {
  name?: string;
  /** Fields to change; merged over the stored settings and checked again. A new `token` replaces the stored one. */
  config?: ConfigInput;
  filter?: FilterInput;
}

export interface DestinationsDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  master: MasterKey;
  identity: IdentityService;
}

export function parseFilter(text: string): DestinationFilter {
  const f = JSON.parse(text) as Partial<DestinationFilter>;
  return { actionPrefixes: f.actionPrefixes ?? [], orgIds: f.orgIds ?? [] };
}

/**
 * SIEM destinations: where the ledger is streamed, each with its cursor. Every
 * change is a command with its ledger event (never a secret in it); each one
 * also bumps the delivery lease's fencing token, so a batch in flight under the
 * old settings or cursor cannot move the cursor afterwards.
 */
export function createDestinationService(deps: DestinationsDeps) {
  const { db, runner, newId, master, identity } = deps;
  const seal = (secret: string): string => JSON.stringify(encryptSecret(master, Buffer.from(secret, 'utf8'), DESTINATION_SECRET_PURPOSE));
  const unseal = (text: string): string => decryptSecret(master, JSON.parse(text) as Envelope, DESTINATION_SECRET_PURPOSE).toString('utf8');

  async function view(row: SiemDestinationRow, headSeq?: number): Promise<Destination> {
    const head = headSeq ?? (await ledgerHead(db));
    return {
      id: row.id,
      orgId: row.org_id,
      name: row.name,
      kind: row.kind,
      config: configForView(JSON.parse(row.config) as Record<string, unknown>),
      filter: parseFilter(row.filter),
      status: row.status,
      secretPrefix: row.secret_prefix,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      health: await readDestinationHealth(db, row, head, deps.clock.now()),
    };
  }

  async function requireDestination(reader: Db | Trx, id: string): Promise<SiemDestinationRow> {
    const row = await reader.selectFrom('siem_destinations').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new KeyledgerError('stream.destination_not_found', `no SIEM destination "${id}"`);
    return row;
  }

  /** Serializes concurrent changes of one destination on PostgreSQL (SQLite writes one at a time). */
  async function lockDestination(trx: Trx, id: string): Promise<void> {
    if (dialectOf(trx as unknown as Db) === 'postgres') await sql`select id from siem_destinations where id = ${id} for update`.execute(trx);
  }

  const resolveOrg = (trx: Trx) => async (ref: string) => {
    try {
      return (await identity.requireOrg(ref, trx)).id;
    } catch (err) {
      if (err instanceof KeyledgerError && err.code === 'organization.not_found') return null;
      throw err;
    }
  };

  const target = (row: { id: string; name: string }) => [{ type: 'siem_destination', id: row.id, display: row.name }];
  /** Fences out whoever delivers now: a new token, no holder. */
  const fence = (row: SiemDestinationRow) => ({ lease_token: Number(row.lease_token) + 1, lease_owner: null, lease_until: null });

  /** Runs a change of one existing destination under its row lock; `change` returns the columns to set and the event to record. */
  async function change(ctx: CommandContext, id: string, body: (row: SiemDestinationRow, trx: Trx, now: Date) => Promise<{ set: Partial<SiemDestinationRow>; event: Omit<EventDraft, 'targets' | 'org'>; extra?: Record<string, unknown> }>) {
    const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
      await lockDestination(trx, id);
      const row = await requireDestination(trx, id);
      const { set, event, extra } = await body(row, trx, now);
      const updated = { ...row, ...set, ...fence(row), updated_at: now.toISOString() };
      await trx.updateTable('siem_destinations').set({ ...set, ...fence(row), updated_at: updated.updated_at }).where('id', '=', id).execute();
      record({ ...event, org: row.org_id, targets: target(row) });
      return { row: updated as SiemDestinationRow, extra };
    });
    return result;
  }

  return {
    unseal,

    /**
     * Creates a destination; it starts at the ledger's head (the first event it
     * receives is its own creation; rewind to backfill). A webhook's signing
     * secret is generated and returned here only. Throws
     * `stream.destination_invalid`, `organization.not_found`.
     */
    async create(ctx: CommandContext, input: CreateDestinationInput): Promise<{ destination: Destination; secret: string | null }> {
      const { config, token } = checkDestinationConfig(input.kind, input.config);
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const org = input.orgId ? await identity.requireOrg(input.orgId, trx) : null;
        const filter = await checkFilter(input.filter, org !== null, resolveOrg(trx));
        const secret = input.kind === 'webhook' ? generateToken('whsec') : null;
        const stored = secret ?? token;
        const time = now.toISOString();
        const row: SiemDestinationRow = {
          id: newId(),
          org_id: org?.id ?? null,
          name: input.name,
          kind: input.kind,
          config: JSON.stringify(config),
          filter: JSON.stringify(filter),
          status: 'active',
          secret: stored ? seal(stored) : null,
          secret_prefix: secret ? secret.slice(0, PREFIX_LENGTH) : null,
          cursor_seq: await ledgerHead(trx as unknown as Db),
          checkpoint_size: 0,
          lease_owner: null,
          lease_until: null,
          lease_token: 0,
          last_delivered_at: null,
          last_delivered_seq: null,
          last_error: null,
          last_error_at: null,
          consecutive_failures: 0,
          next_attempt_at: null,
          failing: 0,
          created_by_type: ctx.actor.type,
          created_by_id: ctx.actor.id,
          created_at: time,
          updated_at: time,
        };
        await trx.insertInto('siem_destinations').values(row).execute();
        record({ action: 'stream.destination.created', org: row.org_id, targets: target(row), data: { name: row.name, kind: row.kind, config: configForView(config), filter, secretPrefix: row.secret_prefix, cursorSeq: Number(row.cursor_seq) } });
        return { row, secret };
      });
      return { destination: await view(result.row), secret: result.secret };
    },

    /** Every destination, by id, with its health (never a secret). */
    async list(p: { limit: number; cursor?: string }): Promise<{ items: Destination[]; nextCursor: string | null }> {
      let q = db.selectFrom('siem_destinations').selectAll();
      if (p.cursor) q = q.where('id', '>', decodeCursor(p.cursor, 'siem_destination'));
      const rows = await q.orderBy('id').limit(p.limit + 1).execute();
      const head = await ledgerHead(db);
      const items = await Promise.all(rows.slice(0, p.limit).map((r) => view(r, head)));
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('siem_destination', items[items.length - 1].id) : null };
    },

    /** One destination with its health. Throws `stream.destination_not_found`. */
    async get(id: string): Promise<Destination> {
      return view(await requireDestination(db, id));
    },

    /** Its health alone. Throws `stream.destination_not_found`. */
    async health(id: string): Promise<DestinationHealth> {
      return (await view(await requireDestination(db, id))).health;
    },

    /** Changes the name, settings (merged, checked again) or filter. Throws `stream.destination_not_found`, `stream.destination_invalid`. */
    async update(ctx: CommandContext, id: string, input: UpdateDestinationInput): Promise<Destination> {
      const { row } = await change(ctx, id, async (row, trx) => {
        const set: Partial<SiemDestinationRow> = {};
        const before: Record<string, unknown> = {};
        const after: Record<string, unknown> = {};
        if (input.name !== undefined && input.name !== row.name) {
          Object.assign(set, { name: input.name });
          before.name = row.name;
          after.name = input.name;
        }
        if (input.config !== undefined) {
          const stored = JSON.parse(row.config) as ConfigInput;
          const merged: ConfigInput = { ...stored, ...input.config };
          if (row.kind === 'splunk_hec' && merged.token === undefined) merged.token = '(stored)';
          const { config, token } = checkDestinationConfig(row.kind, merged);
          set.config = JSON.stringify(config);
          if (row.kind === 'splunk_hec' && input.config.token !== undefined) set.secret = seal(token!);
          before.config = configForView(stored as Record<string, unknown>);
          after.config = configForView(config);
          if (input.config.token !== undefined) after.tokenReplaced = true;
        }
        if (input.filter !== undefined) {
          const filter = await checkFilter(input.filter, row.org_id !== null, resolveOrg(trx));
          set.filter = JSON.stringify(filter);
          before.filter = parseFilter(row.filter);
          after.filter = filter;
        }
        return { set, event: { action: 'stream.destination.updated', data: { before, after } } };
      });
      return view(row);
    },

    /** Deletes a destination: nothing more is sent to it and its secret is gone. Throws `stream.destination_not_found`. */
    async remove(ctx: CommandContext, id: string): Promise<void> {
      await runner.run(ctx, async ({ trx, record }) => {
        await lockDestination(trx, id);
        const row = await requireDestination(trx, id);
        await trx.deleteFrom('siem_destinations').where('id', '=', id).execute();
        record({ action: 'stream.destination.deleted', org: row.org_id, targets: target(row), data: { name: row.name, kind: row.kind, cursorSeq: Number(row.cursor_seq) } });
      });
    },

    /** Pauses or resumes delivery (the cursor stays; a resumed destination continues where it stopped). Throws `stream.destination_not_found`. */
    async setStatus(ctx: CommandContext, id: string, status: 'active' | 'paused'): Promise<Destination> {
      const { row } = await change(ctx, id, async (row) => ({
        set: { status, next_attempt_at: null },
        event: { action: status === 'paused' ? 'stream.destination.paused' : 'stream.destination.resumed', data: { before: row.status, after: status, cursorSeq: Number(row.cursor_seq) } },
      }));
      return view(row);
    },

    /**
     * Backfill: the next event delivered is `fromSeq` (any seq still in the
     * ledger, at or before the current position). Throws
     * `stream.destination_not_found`, `stream.rewind_invalid`.
     */
    async rewind(ctx: CommandContext, id: string, fromSeq: number): Promise<Destination> {
      const { row } = await change(ctx, id, async (row) => {
        const cursor = Number(row.cursor_seq);
        if (fromSeq > cursor + 1) throw new KeyledgerError('stream.rewind_invalid', `a rewind moves the cursor back: fromSeq ${fromSeq} is after the next event to deliver (${cursor + 1})`, { fromSeq, nextSeq: cursor + 1 });
        return {
          set: { cursor_seq: fromSeq - 1, checkpoint_size: 0 },
          event: { action: 'stream.destination.rewound', data: { fromSeq, previousCursorSeq: cursor, cursorSeq: fromSeq - 1 } },
        };
      });
      return view(row);
    },

    /** A new webhook signing secret, returned this once; the old one signs nothing more. Throws `stream.destination_not_found`, `stream.secret_not_rotatable`. */
    async rotateSecret(ctx: CommandContext, id: string): Promise<{ destination: Destination; secret: string }> {
      const secret = generateToken('whsec');
      const { row } = await change(ctx, id, async (row) => {
        if (row.kind !== 'webhook') throw new KeyledgerError('stream.secret_not_rotatable', `a ${row.kind} destination has no signing secret to rotate${row.kind === 'splunk_hec' ? ' (change its token with PATCH)' : ''}`, { kind: row.kind });
        return {
          set: { secret: seal(secret), secret_prefix: secret.slice(0, PREFIX_LENGTH) },
          event: { action: 'stream.destination.secret_rotated', data: { secretPrefix: secret.slice(0, PREFIX_LENGTH), previousSecretPrefix: row.secret_prefix } },
        };
      });
      return { destination: await view(row), secret };
    },

    /** Lag gauges for /metrics, one pair per destination. */
    async metricGauges(): Promise<Array<{ name: string; help: string; value: number; labels: Record<string, string> }>> {
      const rows = await db.selectFrom('siem_destinations').selectAll().orderBy('id').execute();
      const head = await ledgerHead(db);
      const now = deps.clock.now();
      const out: Array<{ name: string; help: string; value: number; labels: Record<string, string> }> = [];
      for (const row of rows) {
        const h = await readDestinationHealth(db, row, head, now);
        const labels = { destination: row.id };
        out.push({ name: 'keyledger_stream_lag_events', help: 'Ledger events after the SIEM destination cursor.', value: h.lagEvents, labels });
        out.push({ name: 'keyledger_stream_lag_seconds', help: 'Age of the oldest event the SIEM destination has not received.', value: h.lagSeconds, labels });
      }
      return out;
    },
  };
}

export type DestinationService = ReturnType<typeof createDestinationService>;
