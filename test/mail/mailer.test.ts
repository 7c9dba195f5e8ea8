import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { startHttpSuite, expectError, type HttpSuite } from '../support/http.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { createMailer } from '../../src/mail/mailer.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';

describe('mail over SMTP', () => {
  let t: TestRuntime;
  beforeAll(async () => {
    t = await createTestRuntime('sqlite');
  });
  afterAll(async () => t.close());

  it('hands the message to a real SMTP server and keeps nothing in the outbox', async () => {
    const sink = await startSmtpSink();
    try {
      const mailer = createMailer({ db: t.rt.database.db, clock: t.rt.clock, newId: t.rt.newId, logger: createLogger('silent'), smtpUrl: sink.url, from: 'Keyledger <no-reply@example.test>' });
      const receipt = await mailer.send({ kind: 'password_reset', to: 'ada@example.test', subject: 'Reset your password', text: 'Open https://example.test/reset?token=abc' });
      expect(receipt.transport).toBe('smtp');
      expect(sink.received).toHaveLength(1);
      const mail = sink.received[0];
      expect({ to: mail.to && 'text' in mail.to ? mail.to.text : null, from: mail.from?.value[0]?.address, subject: mail.subject, text: mail.text?.trim(), kind: mail.headers.get('x-keyledger-kind') }).toEqual({
        to: 'ada@example.test',
        from: 'no-reply@example.test',
        subject: 'Reset your password',
        text: 'Open https://example.test/reset?token=abc',
        kind: 'password_reset',
      });
      expect(await mailer.listOutbox()).toEqual([]);
    } finally {
      await sink.close();
    }
  });

  it('refused by the server: mail.delivery_failed, nothing kept', async () => {
    const sink = await startSmtpSink({ refusing: true });
    try {
      const mailer = createMailer({ db: t.rt.database.db, clock: t.rt.clock, newId: t.rt.newId, logger: createLogger('silent'), smtpUrl: sink.url, from: 'no-reply@example.test' });
      const err = await mailer.send({ kind: 'invitation', to: 'ada@example.test', subject: 's', text: 't' }).then(() => null, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'mail.delivery_failed', status: 503 });
      expect(await mailer.listOutbox()).toEqual([]);
    } finally {
      await sink.close();
    }
  });

  it('refuses an SMTP URL of another scheme at start-up', () => {
    expect(() => loadConfig({ KEYLEDGER_SMTP_URL: 'http://mail.example.test' })).toThrow(/KEYLEDGER_SMTP_URL/);
  });
});

describe.each(DIALECTS)('dev outbox on %s', (dialect) => {
  let s: HttpSuite;
  beforeAll(async () => {
    s = await startHttpSuite(dialect);
  });
  afterAll(async () => s.close());

  it('keeps mail when no SMTP is configured and shows it through the API, newest first, filtered by recipient', async () => {
    expect(s.rt.mailer.transport).toBe('outbox');
    await s.rt.mailer.send({ kind: 'invitation', to: 'Grace@Example.test', subject: 'Join Acme', text: 'first' });
    await s.rt.mailer.send({ kind: 'email_verification', to: 'alan@example.test', subject: 'Verify', text: 'second' });
    await s.rt.mailer.send({ kind: 'password_reset', to: 'grace@example.test', subject: 'Reset', text: 'third' });
    const res = await s.request('GET', '/api/v1/mail/outbox?to=grace@example.test');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { transport: string; items: { kind: string; to: string; text: string }[] };
    expect(body.transport).toBe('outbox');
    expect(body.items.map((m) => [m.kind, m.to, m.text])).toEqual([
      ['password_reset', 'grace@example.test', 'third'],
      ['invitation', 'grace@example.test', 'first'],
    ]);
    const all = (await s.request('GET', '/api/v1/mail/outbox?limit=1')).json() as { items: unknown[] };
    expect(all.items).toHaveLength(1);
  });

  it('holds one-time links, so a key without admin:read cannot read it', async () => {
    const { key } = await s.issueKey('auditor', ['audit:read']);
    expectError(await s.request('GET', '/api/v1/mail/outbox', { key }), 403, 'auth.forbidden');
  });
});
