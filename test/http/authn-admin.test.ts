import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createUser, eventsDuring, expectError, expectNothingChanged, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { isKeyledgerError } from '../../src/platform/errors.ts';
import { hashToken } from '../../src/platform/ids.ts';
import { ACTION_CATALOGUE } from '../../src/audit/actions.ts';
import type { CommandContext } from '../../src/audit/event.ts';
import { generateTotpCode } from '../../src/authn/totp/totp.ts';
import { openTotpSecret } from '../../src/authn/totp-secret.ts';

const PASSWORD = 'quartz-lantern-meadow-91-harbor';
const web: CommandContext = { actor: { type: 'system', id: 'login-page', display: 'login page' }, request: { requestId: 'req-login', ip: '203.0.113.9', userAgent: 'vitest' } };
const SESSION_FIELDS = ['absoluteExpiresAt', 'acr', 'amr', 'authTime', 'createdAt', 'id', 'idleExpiresAt', 'idleTimeoutSeconds', 'ip', 'lastSeenAt', 'orgId', 'revokeReason', 'revokedAt', 'state', 'stepUpAt', 'userAgent', 'userId'];

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isKeyledgerError(err)) return err.code;
    throw err;
  }
  return 'no refusal';
}

for (const dialect of DIALECTS) {
  describe(`admin API for users' factors and sessions, on ${dialect}`, () => {
    const clock = new ManualClock('2026-06-01T09:00:00.000Z');
    let s: HttpSuite;
    let ada: string;
    let secret: Buffer;
    let recoveryCodes: string[];
    /** Secrets handed out (session tokens, the TOTP secret), to prove none leaks through the API or the ledger. */
    const secrets: string[] = [];

    const setup: CommandContext = { actor: { type: 'system', id: 'test', display: 'test' }, request: { requestId: 'req-setup', ip: null, userAgent: null } };
    const totpCode = () => generateTotpCode({ secret, now: clock.now() });
    /** Signs ada in with password and TOTP; returns the session token. */
    const signIn = async () => {
      clock.advance(30_000);
      const begun = await s.rt.authn.beginPasswordLogin(web, { email: 'ada@acme.test', password: PASSWORD, orgRef: 'acme' });
      if (!begun.mfaRequired) throw new Error('expected a second-factor challenge');
      const { sessionToken } = await s.rt.authn.completeLogin(web, begun.challengeToken, { totpCode: totpCode() });
      secrets.push(sessionToken);
      return sessionToken;
    };
    const enrollTotp = async (userId: string) => {
      const start = await s.rt.authn.startTotpEnrollment(setup, userId, { issuer: 'Keyledger' });
      const row = await s.rt.database.db.selectFrom('totp_factors').select('secret').where('id', '=', start.factorId).executeTakeFirstOrThrow();
      secret = openTotpSecret(s.rt.master, row.secret);
      await s.rt.authn.confirmTotpEnrollment(setup, userId, start.factorId, totpCode());
      return start;
    };

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      await createOrg(s, 'acme');
      ada = (await createUser(s, { email: 'ada@acme.test', name: 'Ada', org: 'acme' })).id;
      await s.rt.authn.setPassword(setup, ada, PASSWORD);
      const start = await enrollTotp(ada);
      secrets.push(start.secretBase32);
      recoveryCodes = await s.rt.authn.regenerateRecoveryCodes(setup, ada);
    });
    afterAll(async () => s?.close());

    it('lists what a user can sign in with, never a secret', async () => {
      const factors = await ok(s, 200, 'GET', `/api/v1/users/${ada}/factors`);
      expect(factors).toMatchObject({ password: { set: true }, totp: [{ status: 'active', algorithm: 'SHA1', digits: 6, period: 30 }], recoveryCodes: { remaining: 10 } });
      expect(Object.keys(factors.totp[0]).sort()).toEqual(['activatedAt', 'algorithm', 'createdAt', 'digits', 'expiresAt', 'id', 'period', 'status']);
      const body = JSON.stringify(factors);
      for (const leaked of [...secrets, ...recoveryCodes, secret.toString('hex'), secret.toString('base64')]) expect(body).not.toContain(leaked);
    });

    it('lists live sessions with their amr and acr but never the token or its hash; includeEnded adds history', async () => {
      const first = await signIn();
      const second = await signIn();
      const live = await ok(s, 200, 'GET', `/api/v1/users/${ada}/sessions`);
      expect(live.items).toHaveLength(2);
      for (const item of live.items) {
        expect(Object.keys(item).sort()).toEqual(SESSION_FIELDS);
        expect(item).toMatchObject({ userId: ada, amr: ['pwd', 'otp'], acr: 'urn:keyledger:acr:mfa', state: 'active', ip: '203.0.113.9' });
      }
      const body = JSON.stringify(live);
      for (const token of [first, second]) {
        expect(body).not.toContain(token);
        expect(body).not.toContain(hashToken(token));
      }
      // Newest first.
      expect(live.items[0].id > live.items[1].id).toBe(true);

      const target = (await s.rt.sessions.validate(first))!;
      const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/sessions/${target.id}/revoke`, { body: { reason: 'suspicious location' } }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: target.id, state: 'revoked', revokeReason: 'suspicious location', revokedAt: clock.now().toISOString() });
      expect(events.map((e) => [e.action, e.actor.id, e.data])).toEqual([['sessions.session.revoked', s.adminKeyId, { userId: ada, reason: 'suspicious location' }]]);
      expect(await s.rt.sessions.validate(first)).toBeNull();
      expect(await s.rt.sessions.validate(second)).not.toBeNull();
      // Revoking an ended session again changes nothing and records nothing; without a body it takes the default reason.
      await expectNothingChanged(s.rt, async () => expect((await ok(s, 200, 'POST', `/api/v1/sessions/${target.id}/revoke`)).revokeReason).toBe('suspicious location'));

      expect((await ok(s, 200, 'GET', `/api/v1/users/${ada}/sessions`)).items.map((i: { id: string }) => i.id)).not.toContain(target.id);
      const history = await ok(s, 200, 'GET', `/api/v1/users/${ada}/sessions?includeEnded=true`);
      expect(history.items.find((i: { id: string }) => i.id === target.id)).toMatchObject({ state: 'revoked' });
      expect(history.items.length).toBe(live.items.length);
    });

    it('revokes every live session of a user in one request, one ledger event each', async () => {
      await signIn();
      const liveIds = (await ok(s, 200, 'GET', `/api/v1/users/${ada}/sessions`)).items.map((i: { id: string }) => i.id);
      expect(liveIds.length).toBe(2);
      const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/users/${ada}/sessions/revoke`, { body: { reason: 'laptop stolen' } }));
      expect(res.json()).toEqual({ revoked: 2 });
      expect(events.map((e) => [e.action, e.targets[0].id, e.data.reason]).sort()).toEqual(liveIds.map((id: string) => ['sessions.session.revoked', id, 'laptop stolen']).sort());
      expect((await ok(s, 200, 'GET', `/api/v1/users/${ada}/sessions`)).items).toEqual([]);
      for (const token of secrets) expect(await s.rt.sessions.validate(token)).toBeNull();
      // Nothing live: nothing changes, nothing is recorded.
      await expectNothingChanged(s.rt, async () => expect(await ok(s, 200, 'POST', `/api/v1/users/${ada}/sessions/revoke`, { reason: 'again' })).toEqual({ revoked: 0 }));
    });

    it('resets a user’s second factors (lost phone): TOTP and unused recovery codes gone, sessions revoked, password kept, all in one command', async () => {
      const live = [await signIn(), await signIn()];
      // A sign-in that passed its password before the reset waits for a TOTP code.
      clock.advance(30_000);
      const pending = await s.rt.authn.beginPasswordLogin(web, { email: 'ada@acme.test', password: PASSWORD, orgRef: 'acme' });
      if (!pending.mfaRequired) throw new Error('expected a challenge');
      const factorId = (await s.rt.authn.listFactors(ada)).totp[0].id;

      const { res, events } = await eventsDuring(s, () => s.request('POST', `/api/v1/users/${ada}/factors/reset`, { body: { reason: 'lost phone, identity checked by video call' } }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ totpRemoved: 1, recoveryCodesInvalidated: 10, sessionsRevoked: 2 });
      expect(events.map((e) => e.action)).toEqual(['sessions.session.revoked', 'sessions.session.revoked', 'authn.factors.reset']);
      const reset = events[2];
      expect(reset).toMatchObject({ actor: { type: 'api_key', id: s.adminKeyId }, targets: [{ type: 'user', id: ada, display: 'ada@acme.test' }] });
      expect(reset.data).toEqual({ userId: ada, totpRemoved: 1, factorIds: [factorId], recoveryCodesInvalidated: 10, sessionsRevoked: 2, reason: 'lost phone, identity checked by video call' });
      expect(Object.keys(reset.data).sort()).toEqual(Object.keys(ACTION_CATALOGUE['authn.factors.reset'].data).sort());
      expect(new Set(events.map((e) => e.id)).size).toBe(3);
      expect(events.every((e) => e.context.requestId === events[0].context.requestId)).toBe(true);
      for (const token of live) expect(await s.rt.sessions.validate(token)).toBeNull();

      expect(await ok(s, 200, 'GET', `/api/v1/users/${ada}/factors`)).toMatchObject({ password: { set: true }, totp: [], recoveryCodes: { remaining: 0 } });
      // The lost device's codes no longer finish a sign-in, nor does a recovery code of the old set.
      expect(await codeOf(s.rt.authn.completeLogin(web, pending.challengeToken, { totpCode: totpCode() }))).toBe('authn.second_factor_invalid');
      expect(await codeOf(s.rt.authn.completeLogin(web, pending.challengeToken, { recoveryCode: recoveryCodes[0] }))).toBe('authn.second_factor_invalid');
      // The password still works, so the user can sign in and enroll a new authenticator.
      const after = await s.rt.authn.beginPasswordLogin(web, { email: 'ada@acme.test', password: PASSWORD, orgRef: 'acme' });
      expect(after.mfaRequired).toBe(false);
      if (!after.mfaRequired) secrets.push(after.sessionToken);

      const ledger = await s.rt.database.db.selectFrom('audit_events').select('body').execute();
      for (const { body } of ledger) for (const leaked of [...secrets, ...recoveryCodes]) expect(body).not.toContain(leaked);
    });

    it('refuses a reset without a reason (400) and changes nothing', async () => {
      for (const body of [{}, { reason: '' }]) {
        await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', `/api/v1/users/${ada}/factors/reset`, { body }), 400, 'request.invalid'));
      }
      expect(await codeOf(s.rt.authn.resetFactors(setup, ada, '   '))).toBe('request.invalid');
    });

    it('removes one TOTP authenticator of a user, recorded, and only once', async () => {
      clock.advance(60_000);
      const start = await enrollTotp(ada);
      const url = `/api/v1/users/${ada}/factors/totp/${start.factorId}`;
      const { res, events } = await eventsDuring(s, () => s.request('DELETE', url));
      expect(res.statusCode).toBe(204);
      expect(events.map((e) => [e.action, e.actor.id, e.data])).toEqual([['authn.totp.removed', s.adminKeyId, { userId: ada, factorId: start.factorId, previousStatus: 'active' }]]);
      expect((await ok(s, 200, 'GET', `/api/v1/users/${ada}/factors`)).totp).toEqual([]);
      await expectNothingChanged(s.rt, async () => expectError(await s.request('DELETE', url), 404, 'authn.factor_not_found'));
    });

    it('refuses each operation to a key without its scope', async () => {
      const { key: reader } = await s.issueKey('reader', ['admin:read']);
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('POST', `/api/v1/users/${ada}/factors/reset`, { key: reader, body: { reason: 'r' } }), 403, 'auth.forbidden');
        expectError(await s.request('POST', `/api/v1/users/${ada}/sessions/revoke`, { key: reader, body: { reason: 'r' } }), 403, 'auth.forbidden');
      });
      expect((await s.request('GET', `/api/v1/users/${ada}/factors`, { key: reader })).statusCode).toBe(200);
      const { key: writer } = await s.issueKey('writer', ['admin:write']);
      expectError(await s.request('GET', `/api/v1/users/${ada}/sessions`, { key: writer }), 403, 'auth.forbidden');
    });
  });
}
