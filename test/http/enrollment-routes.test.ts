/** The enrollment admin API: invitations, and links mailed on an administrator's request, through the outbox and through a real SMTP server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createUser, eventsDuring, expectError, expectNothingChanged, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { createTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { tokenOf } from '../support/mail.ts';
import { buildApp, redactUrl, type App } from '../../src/http/app.ts';
import { systemContext } from '../../src/audit/event.ts';
import { ALL_SCOPES } from '../../src/http/scopes.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';

const PASSWORD = 'quartz-lantern-meadow-91-harbor';
const page = systemContext('signup-page', 'sign-up page');

describe.each(DIALECTS)('invitations and emailed links through the admin API, on %s', (dialect) => {
  let s: HttpSuite;
  beforeAll(async () => {
    s = await startHttpSuite(dialect);
    await createOrg(s, 'acme');
    await ok(s, 201, 'POST', '/api/v1/organizations', { slug: 'open', name: 'Open', settings: { signup: { mode: 'open' } } });
  });
  afterAll(async () => s?.close());

  const outbox = async (to: string) => (await ok<{ items: Array<{ kind: string; subject: string; text: string }> }>(s, 200, 'GET', `/api/v1/mail/outbox?to=${encodeURIComponent(to)}`)).items;

  it('creates an invitation: the link is in the response once and in the mail, never in the list or the ledger', async () => {
    const { res, events } = await eventsDuring(s, () => s.request('POST', '/api/v1/organizations/acme/invitations', { body: { email: 'Grace@Acme.test', expiresInHours: 48 } }));
    expect(res.statusCode).toBe(201);
    const { invitation, link } = res.json();
    expect(link).toMatch(/^http:\/\/localhost:0\/signup\?invitation=kl_invite_[A-Za-z0-9_-]{43}$/);
    expect(invitation).toMatchObject({ email: 'grace@acme.test', status: 'pending', invitedBy: { type: 'api_key', id: s.adminKeyId } });
    expect(Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt)).toBe(48 * 3_600_000);
    expect(events.map((e) => [e.action, e.actor.type, e.targets.map((t) => t.type)])).toEqual([['authn.invitation.created', 'api_key', ['invitation', 'organization']]]);
    const [mail] = await outbox('grace@acme.test');
    expect(mail).toMatchObject({ kind: 'invitation', subject: 'You are invited to join acme' });
    expect(mail.text).toContain(link);
    const listed = await s.request('GET', '/api/v1/organizations/acme/invitations?status=pending');
    expect(listed.json().items).toEqual([invitation]);
    expect(listed.body).not.toContain(tokenOf(link));
    expect(JSON.stringify(events)).not.toContain(tokenOf(link));
  });

  it('revokes a pending invitation once (then 409), and refuses to invite a member (409)', async () => {
    const { invitation } = await ok(s, 201, 'POST', '/api/v1/organizations/acme/invitations', { email: 'revoke-me@acme.test' });
    const revoked = await ok(s, 200, 'POST', `/api/v1/organizations/acme/invitations/${invitation.id}/revoke`);
    expect(revoked).toMatchObject({ id: invitation.id, status: 'revoked' });
    await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', `/api/v1/organizations/acme/invitations/${invitation.id}/revoke`), 409, 'invitation.not_pending'));
    await createUser(s, { email: 'member@acme.test', org: 'acme' });
    await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', '/api/v1/organizations/acme/invitations', { body: { email: 'MEMBER@acme.test' } }), 409, 'invitation.already_member'));
    expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/invitations?status=revoked')).items.map((i: { id: string }) => i.id)).toEqual([invitation.id]);
  });

  it('mails a password reset link on request, never returning it; refuses a suspended user', async () => {
    const ada = await createUser(s, { email: 'ada@acme.test', org: 'acme' });
    expect(ada.emailVerifiedAt).toBe(ada.createdAt);
    const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/users/${ada.id}/password-reset`));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ userId: ada.id, email: 'ada@acme.test', expiresAt: expect.any(String) });
    expect(res.body).not.toContain('kl_reset_');
    expect(events.map((e) => [e.action, e.data.initiatedBy, e.data.result])).toEqual([['authn.password_reset.requested', 'administrator', 'sent']]);
    const [mail] = await outbox('ada@acme.test');
    expect(mail.kind).toBe('password_reset');
    expect(mail.text).toMatch(/http:\/\/localhost:0\/reset-password\?token=kl_reset_[A-Za-z0-9_-]{43}/);
    await ok(s, 200, 'PATCH', `/api/v1/users/${ada.id}`, { status: 'suspended' });
    await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', `/api/v1/users/${ada.id}/password-reset`), 409, 'user.inactive'));
  });

  it('mails an email verification link to an unverified user only', async () => {
    const verified = await createUser(s, { email: 'verified@acme.test', org: 'acme' });
    await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', `/api/v1/users/${verified.id}/email-verification`), 409, 'user.email_already_verified'));
    await s.rt.enrollment.signUp(page, 'open', { email: 'self@open.test', name: 'Self', password: PASSWORD });
    await s.rt.enrollment.mailIdle();
    const self = (await ok(s, 200, 'GET', '/api/v1/users?email=self@open.test')).items[0];
    expect(self.emailVerifiedAt).toBeNull();
    const res = await s.request('POST', `/api/v1/users/${self.id}/email-verification`);
    expect(res.statusCode).toBe(202);
    expect(res.body).not.toContain('kl_verify_');
    const mails = await outbox('self@open.test');
    expect(mails.map((m) => m.kind)).toEqual(['email_verification', 'email_verification']);
    const token = /kl_verify_[A-Za-z0-9_-]{43}/.exec(mails[0].text)![0];
    await s.rt.enrollment.verifyEmail(page, token);
    expect((await ok(s, 200, 'GET', `/api/v1/users/${self.id}`)).emailVerifiedAt).not.toBeNull();
  });
});

describe('logged request URLs', () => {
  it('never carry an invitation, verification or reset token', () => {
    expect(redactUrl('/signup?invitation=kl_invite_abc&x=1')).toBe('/signup?invitation=[redacted]&x=1');
    expect(redactUrl('/verify-email?token=kl_verify_abc')).toBe('/verify-email?token=[redacted]');
    expect(redactUrl('/reset-password?lang=en&TOKEN=kl_reset_abc')).toBe('/reset-password?lang=en&TOKEN=[redacted]');
  });
});

describe.each(DIALECTS)('enrollment mail over SMTP, on %s', (dialect) => {
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  let t: TestRuntime;
  let app: App;
  let key: string;
  const post = (url: string, body?: unknown) => app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, payload: body ? JSON.stringify(body) : undefined });
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestRuntime(dialect, { env: { KEYLEDGER_SMTP_URL: sink.url } });
    app = await buildApp(t.rt);
    key = (await t.rt.apiKeys.create(systemContext('test', 'setup'), { name: 'admin', scopes: [...ALL_SCOPES], expiresAt: null })).key;
    await t.rt.identity.createOrganization(systemContext('test', 'setup'), { slug: 'acme', name: 'Acme' });
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
    await sink?.close();
  });

  it('delivers the invitation over SMTP with its link, and keeps nothing in the outbox', async () => {
    const res = await post('/api/v1/organizations/acme/invitations', { email: 'grace@acme.test' });
    expect(res.statusCode).toBe(201);
    expect(sink.received.map((m) => [m.subject, m.headers.get('x-keyledger-kind')])).toEqual([['You are invited to join Acme', 'invitation']]);
    expect(sink.received[0].text).toContain(res.json().link);
    expect(await t.rt.mailer.listOutbox()).toEqual([]);
  });

  it('fails the request when the server refuses (a 5xx code reaches HTTP clients as internal); the link was never shown, and inviting again replaces it', async () => {
    sink.state.refusing = true;
    try {
      await expect(t.rt.enrollment.inviteUser(systemContext('test', 'cli'), 'acme', { email: 'alan@acme.test' })).rejects.toMatchObject({ code: 'mail.delivery_failed', status: 503 });
      expectError(await post('/api/v1/organizations/acme/invitations', { email: 'alan@acme.test' }), 500, 'internal');
      const user = await t.rt.identity.createUser(systemContext('test', 'setup'), { email: 'ada@acme.test' }, { orgRef: 'acme' });
      expectError(await post(`/api/v1/users/${user.id}/password-reset`), 500, 'internal');
      // Self-service answers do not wait for the mail, so they neither fail nor take longer when it does.
      await expect(t.rt.enrollment.requestPasswordReset(page, 'ada@acme.test')).resolves.toBeUndefined();
      await t.rt.enrollment.mailIdle();
    } finally {
      sink.state.refusing = false;
    }
    const res = await post('/api/v1/organizations/acme/invitations', { email: 'alan@acme.test' });
    expect(res.statusCode).toBe(201);
    const { items } = await t.rt.enrollment.listInvitations('acme', { limit: 10 });
    expect(items.filter((i) => i.email === 'alan@acme.test').map((i) => i.status)).toEqual(['revoked', 'revoked', 'pending']);
    expect(sink.received.map((m) => m.subject)).toEqual(['You are invited to join Acme', 'You are invited to join Acme']);
  });
});
