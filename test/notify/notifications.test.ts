import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createUser, eventsDuring, expectError, expectNothingChanged, listEventsViaApi, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { systemContext } from '../../src/audit/event.ts';
import { verifyHrSignature } from '../../src/lifecycle/hr-signature.ts';
import type { Notification } from '../../src/notify/service.ts';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on 127.0.0.1: records every request and answers with the next planned status (200 when none is planned). */
async function startReceiver(): Promise<{ url: string; received: Received[]; plan: number[]; delayMs: number; close(): Promise<void> }> {
  const state = { received: [] as Received[], plan: [] as number[], delayMs: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      // A path ending in /down always fails; others answer as planned.
      const status = req.url?.endsWith('/down') ? 500 : (state.plan.shift() ?? 200);
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status >= 300 ? `receiver trouble ${'!'.repeat(1000)}` : 'ok');
      }, state.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, { url: `http://127.0.0.1:${port}/hooks/keyledger`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}

/** Checks `Keyledger-Signature` the way a receiver would: HMAC-SHA256(secret, t + "." + body), constant-time. */
function signatureValid(header: string | string[] | undefined, body: string, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header));
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2], 'hex'));
}

for (const dialect of DIALECTS) {
  describe(`governance notifications (outbox, email, signed webhooks), on ${dialect}`, () => {
    const clock = new ManualClock(new Date());
    let s: HttpSuite;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let acme: Record<string, any>;
    let ada: Record<string, any>;
    let bob: Record<string, any>;
    let suspended: Record<string, any>;
    let hook: { id: string; secret: string };
    const hooksUrl = '/api/v1/organizations/acme/notification-webhooks';
    const ctx = systemContext('test', 'notification test');

    const note = (over: Partial<Notification> = {}): Notification => ({
      orgId: acme.id,
      type: 'access.request.pending',
      recipients: [{ userId: ada.id }, { userId: bob.id }, { userId: suspended.id }],
      subject: 'An access request awaits your approval',
      text: 'Carol asks for the admin role.',
      data: { requestId: 'req-1', role: 'admin' },
      ...over,
    });
    /** Runs a command that notifies (and records an event, as every command does); `fail` rolls it back. */
    const notifyInCommand = (n: Notification, fail = false) =>
      s.rt.runner.run(ctx, async (scope) => {
        const queued = await s.rt.notify.notifyInScope(scope, n);
        scope.record({ action: 'identity.organization.updated', org: acme.id, targets: [{ type: 'organization', id: acme.id }], data: { before: {}, after: {} } });
        if (fail) throw new Error('the command failed after notifying');
        return queued;
      });
    const outbox = () => s.rt.database.db.selectFrom('notification_outbox').selectAll().orderBy('id').execute();

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      receiver = await startReceiver();
      acme = await createOrg(s, 'acme');
      await createOrg(s, 'globex');
      ada = await createUser(s, { email: 'ada@acme.test', org: 'acme' });
      bob = await createUser(s, { email: 'bob@acme.test', org: 'acme' });
      suspended = await createUser(s, { email: 'sam@acme.test', org: 'acme' });
      await ok(s, 200, 'PATCH', `/api/v1/users/${suspended.id}`, { status: 'suspended', statusReason: 'leave' });
      const { res, events } = await eventsDuring(s, () => s.request('POST', hooksUrl, { body: { url: receiver.url, events: ['access.'], description: 'Approvals channel' } }));
      expect(res.statusCode).toBe(201);
      const body = res.json();
      hook = { id: body.webhook.id, secret: body.secret };
      expect(body.secret).toMatch(/^kl_whsec_[A-Za-z0-9_-]{43}$/);
      expect(body.webhook).toMatchObject({ orgId: acme.id, url: receiver.url, events: ['access.'], description: 'Approvals channel', status: 'active', secretPrefix: body.secret.slice(0, 16) });
      expect(events.map((e) => [e.action, e.data])).toEqual([['notify.webhook.created', { url: receiver.url, events: ['access.'], description: 'Approvals channel', secretPrefix: body.secret.slice(0, 16) }]]);
      // A webhook of another organization and one subscribed elsewhere receive none of acme's access notifications.
      await ok(s, 201, 'POST', '/api/v1/organizations/globex/notification-webhooks', { url: receiver.url, events: ['*'] });
      await ok(s, 201, 'POST', hooksUrl, { url: receiver.url, events: ['lifecycle.', 'access.review.due'] });
    });
    afterAll(async () => {
      await receiver?.close();
      await s?.close();
    });
    beforeEach(async () => {
      // Each test starts with nothing left to send.
      await s.rt.notify.deliverDue();
      receiver.received.length = 0;
      receiver.plan.length = 0;
      receiver.delayMs = 0;
    });

    it('stores the secret encrypted and never shows it again: not in the list, the webhook, the deliveries or the ledger', async () => {
      const stored = await s.rt.database.db.selectFrom('notification_webhooks').selectAll().where('id', '=', hook.id).executeTakeFirstOrThrow();
      const tail = hook.secret.slice(9);
      expect(stored.secret).not.toContain(tail);
      expect(JSON.parse(stored.secret)).toMatchObject({ v: 1, kek: s.rt.master.id });
      for (const url of [hooksUrl, `${hooksUrl}/${hook.id}`, `${hooksUrl}/${hook.id}/deliveries`]) {
        const res = await s.request('GET', url);
        expect(res.statusCode).toBe(200);
        expect(res.body).not.toContain(tail);
      }
      expect((await ok(s, 200, 'GET', `${hooksUrl}/${hook.id}`)).secret).toBeUndefined();
      expect(JSON.stringify(await listEventsViaApi(s))).not.toContain(tail);
    });

    it('a command that rolls back after notifying queues and sends nothing', async () => {
      const before = await outbox();
      await expect(notifyInCommand(note(), true)).rejects.toThrow('the command failed after notifying');
      expect(await outbox()).toEqual(before);
      expect(await s.rt.notify.deliverDue()).toBe(0);
      expect(receiver.received).toEqual([]);
    });

    it('a committed notification is delivered once: a signed webhook and an email per active recipient in the dev outbox', async () => {
      const { result } = await notifyInCommand(note());
      expect(result).toMatchObject({ emails: 2, webhooks: 1 });
      // Nothing was sent inside the command.
      expect(receiver.received).toEqual([]);
      expect(await s.rt.notify.deliverDue()).toBe(3);
      expect(await s.rt.notify.deliverDue()).toBe(0);
      expect(receiver.received).toHaveLength(1);
      const [got] = receiver.received;
      const row = (await outbox()).find((r) => r.notification_id === result.notificationId && r.channel === 'webhook')!;
      expect(got.headers['content-type']).toBe('application/json');
      expect(got.headers['keyledger-delivery']).toBe(row.id);
      expect(JSON.parse(got.body)).toEqual({ id: result.notificationId, type: 'access.request.pending', orgId: acme.id, createdAt: row.created_at, data: { requestId: 'req-1', role: 'admin' } });
      expect(signatureValid(got.headers['keyledger-signature'], got.body, hook.secret)).toBe(true);
      expect(signatureValid(got.headers['keyledger-signature'], got.body, 'kl_whsec_wrong')).toBe(false);
      expect(signatureValid(got.headers['keyledger-signature'], got.body.replace('req-1', 'req-2'), hook.secret)).toBe(false);
      // The HR verifier accepts it too: one signature scheme for both directions.
      expect(() => verifyHrSignature(String(got.headers['keyledger-signature']), Buffer.from(got.body), [hook.secret], clock.now())).not.toThrow();
      for (const to of ['ada@acme.test', 'bob@acme.test']) {
        expect(await s.rt.mailer.listOutbox({ to })).toEqual([expect.objectContaining({ kind: 'notification', subject: 'An access request awaits your approval', text: 'Carol asks for the admin role.' })]);
      }
      expect(await s.rt.mailer.listOutbox({ to: 'sam@acme.test' })).toEqual([]);
      const deliveries = (await ok(s, 200, 'GET', `${hooksUrl}/${hook.id}/deliveries`)).items;
      expect(deliveries[0]).toEqual({ id: row.id, notificationId: result.notificationId, type: 'access.request.pending', status: 'delivered', attempts: 1, lastError: null, lastStatusCode: 200, nextAttemptAt: null, deliveredAt: clock.now().toISOString(), createdAt: row.created_at });
    });

    it('a receiver answering 500 gets the delivery again after the backoff, and it is delivered once', async () => {
      receiver.plan.push(500);
      const { result } = await notifyInCommand(note({ recipients: [] }));
      expect(await s.rt.notify.deliverDue()).toBe(0);
      const [failed] = (await ok(s, 200, 'GET', `${hooksUrl}/${hook.id}/deliveries`)).items;
      expect(failed).toMatchObject({ notificationId: result.notificationId, status: 'pending', attempts: 1, lastStatusCode: 500, deliveredAt: null });
      expect(failed.lastError).toMatch(/^HTTP 500: receiver trouble !+$/);
      expect(failed.lastError.length).toBeLessThanOrEqual(210);
      const wait = Date.parse(failed.nextAttemptAt) - clock.now().getTime();
      expect(wait).toBeGreaterThanOrEqual(15_000);
      expect(wait).toBeLessThanOrEqual(30_000);
      // Not before the backoff ends.
      clock.advance(14_000);
      expect(await s.rt.notify.deliverDue()).toBe(0);
      expect(receiver.received).toHaveLength(1);
      clock.advance(16_000);
      expect(await s.rt.notify.deliverDue()).toBe(1);
      expect(await s.rt.notify.deliverDue()).toBe(0);
      expect(receiver.received).toHaveLength(2);
      // The same bytes and delivery id each time, signed each time.
      expect(receiver.received[1].body).toBe(receiver.received[0].body);
      expect(receiver.received[1].headers['keyledger-delivery']).toBe(receiver.received[0].headers['keyledger-delivery']);
      expect(signatureValid(receiver.received[1].headers['keyledger-signature'], receiver.received[1].body, hook.secret)).toBe(true);
      expect((await ok(s, 200, 'GET', `${hooksUrl}/${hook.id}/deliveries`)).items[0]).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200, nextAttemptAt: null });
    });

    it('gives up after 10 attempts and keeps the delivery, failed, for inspection', async () => {
      receiver.plan.push(...Array(12).fill(503));
      await notifyInCommand(note({ recipients: [] }));
      for (let i = 0; i < 12; i++) {
        await s.rt.notify.deliverDue();
        clock.advance(6 * 3600_000);
      }
      expect(receiver.received).toHaveLength(10);
      expect((await ok(s, 200, 'GET', `${hooksUrl}/${hook.id}/deliveries`)).items[0]).toMatchObject({ status: 'failed', attempts: 10, lastStatusCode: 503, nextAttemptAt: null, deliveredAt: null });
    });

    it('two concurrent deliverDue calls deliver each row once', async () => {
      receiver.delayMs = 15;
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await notifyInCommand(note({ recipients: [{ userId: ada.id }], data: { n: i } }))).result.notificationId);
      const [x, y] = await Promise.all([s.rt.notify.deliverDue(), s.rt.notify.deliverDue()]);
      expect(x + y).toBe(12);
      expect(receiver.received).toHaveLength(6);
      expect(new Set(receiver.received.map((r) => r.headers['keyledger-delivery'])).size).toBe(6);
      expect(receiver.received.map((r) => JSON.parse(r.body).id).sort()).toEqual([...ids].sort());
      const mails = await s.rt.mailer.listOutbox({ to: 'ada@acme.test', limit: 200 });
      expect(mails.filter((m) => m.kind === 'notification')).toHaveLength(1 + 6);
      expect((await outbox()).filter((r) => ids.includes(r.notification_id)).every((r) => r.status === 'delivered' && r.attempts === 1)).toBe(true);
    });

    it("the runtime's scheduler delivers notifications on its tick, next to every other periodic job, none failing", async () => {
      expect(s.rt.scheduler.status().jobs).toEqual([
        'lifecycle.scheduled_terminations',
        'notify.deliver',
        'access.expire_assignments',
        'access.expire_requests',
        'access.reviews.open_scheduled',
        'access.reviews.mark_overdue',
        'access.reviews.remind',
        'monitor.findings.evaluate_changed',
        'monitor.findings.evaluate',
        'monitor.detections.scan',
        'evidence.exports.run',
      ]);
      await notifyInCommand(note({ recipients: [] }));
      const tick = await s.rt.scheduler.tick();
      expect(tick).toMatchObject({ leader: true, failed: [] });
      expect(tick.ran).toContain('notify.deliver');
      expect(receiver.received).toHaveLength(1);
      await s.rt.scheduler.stop();
    });

    it('refuses bad URLs with notify.webhook_url_invalid and stores nothing', async () => {
      for (const [url, reason] of [
        ['http://hooks.acme.test/keyledger', 'not_https'],
        ['http://10.0.0.5/keyledger', 'not_https'],
        ['https://user:secret@hooks.acme.test/keyledger', 'credentials'],
        ['https://token@hooks.acme.test/keyledger', 'credentials'],
        ['not a url', 'not_a_url'],
        ['ftp://hooks.acme.test/keyledger', 'not_https'],
      ]) {
        await expectNothingChanged(s.rt, async () => {
          const res = await s.request('POST', hooksUrl, { body: { url, events: ['access.'] } });
          expectError(res, 422, 'notify.webhook_url_invalid');
          expect(res.json().error.details).toEqual({ reason });
        });
      }
      for (const events of [[], ['Access.'], ['access..'], ['access request']]) {
        await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', hooksUrl, { body: { url: receiver.url, events } }), 400, 'request.invalid'));
      }
    });

    it('a rotated secret signs new deliveries and the old one nothing; the ledger records prefixes only', async () => {
      const { res, events } = await eventsDuring(s, () => s.request('POST', `${hooksUrl}/${hook.id}/rotate-secret`));
      expect(res.statusCode).toBe(200);
      const rotated = res.json();
      expect(rotated.secret).toMatch(/^kl_whsec_/);
      expect(rotated.secret).not.toBe(hook.secret);
      expect(events.map((e) => [e.action, e.data])).toEqual([['notify.webhook.secret_rotated', { secretPrefix: rotated.secret.slice(0, 16), previousSecretPrefix: hook.secret.slice(0, 16) }]]);
      expect(JSON.stringify(events)).not.toContain(rotated.secret.slice(9));
      await notifyInCommand(note({ recipients: [] }));
      expect(await s.rt.notify.deliverDue()).toBe(1);
      const [got] = receiver.received;
      expect(signatureValid(got.headers['keyledger-signature'], got.body, rotated.secret)).toBe(true);
      expect(signatureValid(got.headers['keyledger-signature'], got.body, hook.secret)).toBe(false);
      hook = { id: hook.id, secret: rotated.secret };
    });

    it('deleting a webhook ends its undelivered notifications and sends it nothing more', async () => {
      const extra = await ok(s, 201, 'POST', hooksUrl, { url: `${receiver.url}/down`, events: ['access.request.'] });
      await notifyInCommand(note({ recipients: [] }));
      expect(await s.rt.notify.deliverDue()).toBe(1);
      const attempts = () => receiver.received.filter((r) => r.headers['keyledger-delivery'] === row.id).length;
      const { res, events } = await eventsDuring(s, () => s.request('DELETE', `${hooksUrl}/${extra.webhook.id}`));
      expect(res.statusCode).toBe(204);
      expect(events.map((e) => e.action)).toEqual(['notify.webhook.deleted']);
      const row = (await outbox()).find((r) => r.webhook_id === extra.webhook.id)!;
      expect(row).toMatchObject({ status: 'failed', attempts: 1, last_error: 'the webhook was deleted' });
      expect(attempts()).toBe(1);
      clock.advance(3600_000);
      expect(await s.rt.notify.deliverDue()).toBe(0);
      expect(attempts()).toBe(1);
      expect((await s.rt.database.db.selectFrom('notification_webhooks').select(['status', 'secret']).where('id', '=', extra.webhook.id).executeTakeFirstOrThrow())).toEqual({ status: 'deleted', secret: '' });
      expectError(await s.request('GET', `${hooksUrl}/${extra.webhook.id}`), 404, 'notify.webhook_not_found');
      expectError(await s.request('POST', `${hooksUrl}/${extra.webhook.id}/rotate-secret`), 404, 'notify.webhook_not_found');
      // Another organization's webhook is not reached through this one.
      expectError(await s.request('DELETE', `/api/v1/organizations/globex/notification-webhooks/${hook.id}`), 404, 'notify.webhook_not_found');
    });
  });
}
