import { randomBytes } from 'node:crypto';
import type { ExpressionBuilder } from 'kysely';
import type { Database } from '../platform/schema.ts';
import type { Db } from '../platform/database.ts';
import type { Clock } from '../platform/clock.ts';
import type { Logger } from '../platform/logger.ts';
import type { NotificationOutboxRow } from '../platform/schema-scheduling.ts';
import type { Mailer } from '../mail/mailer.ts';
import { checkWebhookUrl, errorSnippet, MAX_ATTEMPTS, retryDelaySeconds, signatureHeader, WEBHOOK_TIMEOUT_MS, webhookBody } from './webhooks.ts';

/** How long a claim lasts: longer than any one send (the 10 s webhook timeout), so only a node that died mid-send lets it lapse. */
const CLAIM_SECONDS = 120;
const BATCH = 50;
/** Sends in flight at once per call. */
const PARALLEL = 4;
const SNIPPET_BYTES = 512;

type Outcome = { ok: true; statusCode: number | null } | { ok: false; statusCode: number | null; error: string; permanent?: boolean };

/** Reads at most `limit` bytes of an answer's body, then drops the rest. */
async function readSnippet(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/**
 * Sends the outbox. Each due row is claimed by a conditional UPDATE (pending
 * and due, or a lapsed claim → sending, with a random claim token), so two
 * calls or two nodes never both send it; each result is written only under
 * that claim token. Delivery is at least once: a node that dies after
 * sending but before recording it lets the claim lapse, and the row is sent
 * again (webhook receivers de-duplicate by the payload's `id`).
 */
export function createDelivery(deps: { db: Db; clock: Clock; logger: Logger; mailer: Mailer; unseal: (envelope: string) => string; fetch?: typeof fetch; random?: () => number }) {
  const { db, clock, logger, mailer, unseal } = deps;
  const send = deps.fetch ?? fetch;
  const random = deps.random ?? Math.random;

  /** Due: pending and its time has come, or claimed by a node whose claim lapsed (it died mid-send). */
  const dueFilter = (time: string) => (eb: ExpressionBuilder<Database, 'notification_outbox'>) => eb.or([eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', time)]), eb.and([eb('status', '=', 'sending'), eb('claimed_until', '<=', time)])]);

  async function claim(id: string): Promise<{ row: NotificationOutboxRow; token: string } | null> {
    const now = clock.now();
    const time = now.toISOString();
    const token = randomBytes(12).toString('hex');
    const row = await db
      .updateTable('notification_outbox')
      .set((eb) => ({ status: 'sending', claim_token: token, claimed_until: new Date(now.getTime() + CLAIM_SECONDS * 1000).toISOString(), attempts: eb('attempts', '+', 1), updated_at: time }))
      .where('id', '=', id)
      .where(dueFilter(time))
      .returningAll()
      .executeTakeFirst();
    return row ? { row, token } : null;
  }

  async function postWebhook(row: NotificationOutboxRow): Promise<Outcome> {
    const hook = await db.selectFrom('notification_webhooks').select(['url', 'secret', 'status']).where('id', '=', row.webhook_id!).executeTakeFirst();
    if (!hook || hook.status !== 'active') return { ok: false, statusCode: null, error: 'the webhook was deleted', permanent: true };
    const url = checkWebhookUrl(hook.url);
    const body = webhookBody({ notificationId: row.notification_id, type: row.type, orgId: row.org_id, createdAt: row.created_at, data: row.data });
    const t = Math.floor(clock.now().getTime() / 1000);
    let res: Response;
    try {
      res = await send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Keyledger-Webhooks/1', 'keyledger-signature': signatureHeader(unseal(hook.secret), t, body), 'keyledger-delivery': row.id },
        body,
        // A redirect is a failure, not an invitation to post the payload somewhere else.
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
      return { ok: false, statusCode: null, error: `request failed: ${String(why).slice(0, 200)}` };
    }
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel().catch(() => undefined);
      return { ok: true, statusCode: res.status };
    }
    return { ok: false, statusCode: res.status, error: errorSnippet(res.status, await readSnippet(res, SNIPPET_BYTES).catch(() => '')) };
  }

  async function sendEmail(row: NotificationOutboxRow): Promise<Outcome> {
    try {
      await mailer.send({ kind: 'notification', to: row.to_address!, subject: row.subject, text: row.text_body });
      return { ok: true, statusCode: null };
    } catch (err) {
      return { ok: false, statusCode: null, error: (err as Error).message.slice(0, 200) };
    }
  }

  /** Claims, sends and records one row; true when delivered. */
  async function deliverOne(id: string): Promise<boolean> {
    const claimed = await claim(id);
    if (!claimed) return false;
    const { row, token } = claimed;
    let outcome: Outcome;
    try {
      outcome = row.channel === 'webhook' ? await postWebhook(row) : await sendEmail(row);
    } catch (err) {
      outcome = { ok: false, statusCode: null, error: `internal: ${(err as Error).message.slice(0, 200)}` };
    }
    const now = clock.now();
    const time = now.toISOString();
    const mine = db.updateTable('notification_outbox').where('id', '=', row.id).where('claim_token', '=', token);
    if (outcome.ok) {
      await mine.set({ status: 'delivered', delivered_at: time, last_status_code: outcome.statusCode, claim_token: null, claimed_until: null, updated_at: time }).execute();
      return true;
    }
    const final = outcome.permanent === true || row.attempts >= MAX_ATTEMPTS;
    const next = final ? row.next_attempt_at : new Date(now.getTime() + retryDelaySeconds(row.attempts, random) * 1000).toISOString();
    await mine.set({ status: final ? 'failed' : 'pending', next_attempt_at: next, last_error: outcome.error, last_status_code: outcome.statusCode, claim_token: null, claimed_until: null, updated_at: time }).execute();
    logger.warn({ deliveryId: row.id, channel: row.channel, attempts: row.attempts, final, error: outcome.error }, final ? 'a notification could not be delivered; it is marked failed' : 'a notification delivery failed; it will be retried');
    return false;
  }

  return {
    /** Sends every due delivery (up to a batch per call); returns how many this call delivered. Safe to call from several nodes at once. */
    async deliverDue(): Promise<number> {
      const time = clock.now().toISOString();
      const due = await db.selectFrom('notification_outbox').select('id').where(dueFilter(time)).orderBy('next_attempt_at').orderBy('id').limit(BATCH).execute();
      let delivered = 0;
      const queue = due.map((r) => r.id);
      const worker = async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) if (await deliverOne(id)) delivered++;
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
      return delivered;
    },
  };
}
