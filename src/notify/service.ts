import { sql } from 'kysely';
import { dialectOf, type Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import { KeyledgerError } from '../platform/errors.ts';
import { decryptSecret, encryptSecret, type Envelope, type MasterKey } from '../platform/crypto.ts';
import { generateToken } from '../platform/ids.ts';
import { decodeCursor, encodeCursor } from '../platform/pagination.ts';
import type { NotificationOutboxRow, NotificationWebhookRow } from '../platform/schema-scheduling.ts';
import type { CommandRunner, CommandScope, Trx } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import type { IdentityService } from '../identity/service.ts';
import type { Mailer } from '../mail/mailer.ts';
import { checkWebhookUrl, subscribes, urlForRecord } from './webhooks.ts';
import { createDelivery } from './delivery.ts';

/** The envelope purpose of webhook signing secrets: a ciphertext of another purpose cannot be replayed as one. */
const SECRET_PURPOSE = 'notify.webhook_secret';
const PREFIX_LENGTH = 16;
const TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/** A notification another command sends, inside its own transaction. */
export interface Notification {
  orgId: string;
  /** `<capability>.<object>.<state>`, e.g. `access.request.pending`; webhooks subscribe by prefix. */
  type: string;
  /** Users to email (inactive users and unknown ids are skipped). */
  recipients: Array<{ userId: string }>;
  subject: string;
  /** Plain-text email body. */
  text: string;
  /** What webhooks receive as `data` (no secrets: it is stored until delivered). */
  data: Record<string, unknown>;
}

/** How a capability tells people about a change, inside the change's own transaction (`rt.notify.notifyInScope`). */
export type NotifyInScope = (scope: CommandScope, n: Notification) => Promise<unknown>;

export interface NotificationWebhook {
  id: string;
  orgId: string;
  url: string;
  events: string[];
  description: string | null;
  status: 'active' | 'deleted';
  secretPrefix: string;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export interface WebhookDelivery {
  id: string;
  notificationId: string;
  type: string;
  status: NotificationOutboxRow['status'];
  attempts: number;
  lastError: string | null;
  lastStatusCode: number | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export interface NotifyDeps {
  db: Db;
  runner: CommandRunner;
  clock: Clock;
  newId: () => string;
  logger: Logger;
  master: MasterKey;
  identity: IdentityService;
  mailer: Mailer;
}

type Page = { limit: number; cursor?: string };

function toWebhook(row: NotificationWebhookRow): NotificationWebhook {
  return { id: row.id, orgId: row.org_id, url: row.url, events: JSON.parse(row.events) as string[], description: row.description, status: row.status, secretPrefix: row.secret_prefix, createdAt: row.created_at, updatedAt: row.updated_at, deletedAt: row.deleted_at };
}

function toDelivery(row: NotificationOutboxRow): WebhookDelivery {
  const open = row.status === 'pending' || row.status === 'sending';
  return { id: row.id, notificationId: row.notification_id, type: row.type, status: row.status, attempts: row.attempts, lastError: row.last_error, lastStatusCode: row.last_status_code, nextAttemptAt: open ? row.next_attempt_at : null, deliveredAt: row.delivered_at, createdAt: row.created_at };
}

/**
 * Governance notifications through a transactional outbox: `notifyInScope`
 * writes one row per email recipient and per subscribed webhook inside the
 * calling command's transaction (a rollback sends nothing); `deliverDue` sends
 * them afterwards. Webhook signing secrets are envelope-encrypted (they must be
 * usable to sign), shown once, never logged or recorded.
 */
export function createNotifyService(deps: NotifyDeps) {
  const { db, runner, newId, master, identity } = deps;
  const seal = (secret: string): string => JSON.stringify(encryptSecret(master, Buffer.from(secret, 'utf8'), SECRET_PURPOSE));
  const unseal = (text: string): string => decryptSecret(master, JSON.parse(text) as Envelope, SECRET_PURPOSE).toString('utf8');
  const delivery = createDelivery({ db, clock: deps.clock, logger: deps.logger, mailer: deps.mailer, unseal });

  async function requireWebhook(reader: Db | Trx, org: { id: string; slug: string }, id: string): Promise<NotificationWebhookRow> {
    const row = await reader.selectFrom('notification_webhooks').selectAll().where('id', '=', id).where('org_id', '=', org.id).executeTakeFirst();
    if (!row || row.status !== 'active') throw new KeyledgerError('notify.webhook_not_found', `no notification webhook "${id}" in "${org.slug}"`);
    return row;
  }

  /** Serializes concurrent changes of one webhook on PostgreSQL (SQLite writes one at a time). */
  async function lockWebhook(trx: Trx, id: string): Promise<void> {
    if (dialectOf(trx as unknown as Db) === 'postgres') await sql`select id from notification_webhooks where id = ${id} for update`.execute(trx);
  }

  return {
    /**
     * Queues a notification inside `scope`'s transaction: one email per active
     * recipient (address from the users table) and one delivery per active
     * webhook of the organization subscribed to the type. Nothing is sent here;
     * nothing is queued if the command rolls back. Records no ledger event (the
     * calling command records its own). Returns how many of each were queued.
     */
    async notifyInScope(scope: CommandScope, n: Notification): Promise<{ notificationId: string; emails: number; webhooks: number }> {
      if (!TYPE_PATTERN.test(n.type)) throw new KeyledgerError('internal', `notification type "${n.type}" is not <capability>.<object>.<state>`);
      const { trx, now } = scope;
      const time = now.toISOString();
      const notificationId = newId();
      const data = JSON.stringify(n.data);
      const base = { notification_id: notificationId, org_id: n.orgId, type: n.type, subject: n.subject, text_body: n.text, data, status: 'pending' as const, attempts: 0, next_attempt_at: time, claim_token: null, claimed_until: null, last_error: null, last_status_code: null, delivered_at: null, created_at: time, updated_at: time };
      const rows: NotificationOutboxRow[] = [];
      const ids = [...new Set(n.recipients.map((r) => r.userId))];
      if (ids.length > 0) {
        const users = await trx.selectFrom('users').select(['id', 'email', 'status']).where('id', 'in', ids).execute();
        const byId = new Map(users.map((u) => [u.id, u]));
        for (const id of ids) {
          const user = byId.get(id);
          if (user?.status === 'active') rows.push({ ...base, id: newId(), channel: 'email', webhook_id: null, user_id: user.id, to_address: user.email });
        }
      }
      const hooks = await trx.selectFrom('notification_webhooks').select(['id', 'events']).where('org_id', '=', n.orgId).where('status', '=', 'active').orderBy('id').execute();
      for (const hook of hooks) {
        if (subscribes(JSON.parse(hook.events) as string[], n.type)) rows.push({ ...base, id: newId(), channel: 'webhook', webhook_id: hook.id, user_id: null, to_address: null });
      }
      if (rows.length > 0) await trx.insertInto('notification_outbox').values(rows).execute();
      return { notificationId, emails: rows.filter((r) => r.channel === 'email').length, webhooks: rows.filter((r) => r.channel === 'webhook').length };
    },

    /** Sends every due email and webhook delivery once (claimed by a conditional UPDATE); returns how many were delivered. */
    deliverDue: delivery.deliverDue,

    /** Registers a webhook; its signing secret is in the result only. Throws `organization.not_found`, `notify.webhook_url_invalid`. */
    async createWebhook(ctx: CommandContext, orgRef: string, input: { url: string; events: string[]; description?: string }): Promise<{ webhook: NotificationWebhook; secret: string }> {
      const url = checkWebhookUrl(input.url).toString();
      const events = [...new Set(input.events)];
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        const secret = generateToken('whsec');
        const time = now.toISOString();
        const row: NotificationWebhookRow = {
          id: newId(),
          org_id: org.id,
          url,
          events: JSON.stringify(events),
          description: input.description ?? null,
          status: 'active',
          secret: seal(secret),
          secret_prefix: secret.slice(0, PREFIX_LENGTH),
          created_by_type: ctx.actor.type,
          created_by_id: ctx.actor.id,
          created_at: time,
          updated_at: time,
          deleted_at: null,
        };
        await trx.insertInto('notification_webhooks').values(row).execute();
        record({ action: 'notify.webhook.created', org: org.id, targets: [{ type: 'notification_webhook', id: row.id, display: urlForRecord(url) }], data: { url: urlForRecord(url), events, description: row.description, secretPrefix: row.secret_prefix } });
        return { webhook: toWebhook(row), secret };
      });
      return result;
    },

    /** An organization's active webhooks, by id (never a secret). Throws `organization.not_found`. */
    async listWebhooks(orgRef: string, p: Page): Promise<{ items: NotificationWebhook[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      let q = db.selectFrom('notification_webhooks').selectAll().where('org_id', '=', org.id).where('status', '=', 'active');
      if (p.cursor) q = q.where('id', '>', decodeCursor(p.cursor, 'notification_webhook'));
      const rows = await q.orderBy('id').limit(p.limit + 1).execute();
      const items = rows.slice(0, p.limit).map(toWebhook);
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('notification_webhook', items[items.length - 1].id) : null };
    },

    /** One active webhook (never its secret). Throws `organization.not_found`, `notify.webhook_not_found`. */
    async getWebhook(orgRef: string, id: string): Promise<NotificationWebhook> {
      const org = await identity.requireOrg(orgRef);
      return toWebhook(await requireWebhook(db, org, id));
    },

    /** Deletes a webhook: nothing more is sent to it, its undelivered notifications become `failed`, its secret is erased. */
    async deleteWebhook(ctx: CommandContext, orgRef: string, id: string): Promise<void> {
      await runner.run(ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        await lockWebhook(trx, id);
        const row = await requireWebhook(trx, org, id);
        const time = now.toISOString();
        await trx.updateTable('notification_webhooks').set({ status: 'deleted', secret: '', deleted_at: time, updated_at: time }).where('id', '=', row.id).execute();
        const abandoned = await trx.updateTable('notification_outbox').set({ status: 'failed', last_error: 'the webhook was deleted', claim_token: null, claimed_until: null, updated_at: time }).where('webhook_id', '=', row.id).where('status', 'in', ['pending', 'sending']).executeTakeFirst();
        record({ action: 'notify.webhook.deleted', org: org.id, targets: [{ type: 'notification_webhook', id: row.id, display: urlForRecord(row.url) }], data: { url: urlForRecord(row.url), abandonedDeliveries: Number(abandoned.numUpdatedRows) } });
      });
    },

    /** Replaces the signing secret (shown once); the old one signs nothing from now on, undelivered notifications included. */
    async rotateSecret(ctx: CommandContext, orgRef: string, id: string): Promise<{ webhook: NotificationWebhook; secret: string }> {
      const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
        const org = await identity.requireOrg(orgRef, trx);
        await lockWebhook(trx, id);
        const row = await requireWebhook(trx, org, id);
        const secret = generateToken('whsec');
        const after: NotificationWebhookRow = { ...row, secret: seal(secret), secret_prefix: secret.slice(0, PREFIX_LENGTH), updated_at: now.toISOString() };
        await trx.updateTable('notification_webhooks').set({ secret: after.secret, secret_prefix: after.secret_prefix, updated_at: after.updated_at }).where('id', '=', row.id).execute();
        record({ action: 'notify.webhook.secret_rotated', org: org.id, targets: [{ type: 'notification_webhook', id: row.id, display: urlForRecord(row.url) }], data: { secretPrefix: after.secret_prefix, previousSecretPrefix: row.secret_prefix } });
        return { webhook: toWebhook(after), secret };
      });
      return result;
    },

    /** A webhook's deliveries, newest first (status, attempts, the short error; never the secret or the receiver's answer). */
    async listDeliveries(orgRef: string, id: string, p: Page): Promise<{ items: WebhookDelivery[]; nextCursor: string | null }> {
      const org = await identity.requireOrg(orgRef);
      await requireWebhook(db, org, id);
      let q = db.selectFrom('notification_outbox').selectAll().where('webhook_id', '=', id);
      if (p.cursor) q = q.where('id', '<', decodeCursor(p.cursor, 'notification_delivery'));
      const rows = await q.orderBy('id', 'desc').limit(p.limit + 1).execute();
      const items = rows.slice(0, p.limit).map(toDelivery);
      return { items, nextCursor: rows.length > p.limit ? encodeCursor('notification_delivery', items[items.length - 1].id) : null };
    },
  };
}

export type NotifyService = ReturnType<typeof createNotifyService>;
