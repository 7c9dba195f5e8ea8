import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS } from '../../test/support/databases.ts';
import { createTestRuntime, type TestRuntime } from '../../test/support/runtime.ts';
import { ManualClock } from '../platform/clock.ts';
import { generateToken, hashToken } from '../platform/ids.ts';
import { systemContext } from '../audit/event.ts';
import { lookupAction } from '../audit/actions.ts';
import type { LedgerEvent } from '../audit/event.ts';
import type { SessionPolicy } from './session-policy.ts';
import { isFresh } from './session.ts';

const ctx = systemContext('test', 'sessions test');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const POLICY: SessionPolicy = { idleTimeoutMinutes: 30, absoluteTimeoutHours: 2 };

for (const dialect of DIALECTS) {
  describe(`sessions on ${dialect}`, () => {
    let t: TestRuntime;
    const clock = new ManualClock('2026-03-01T09:00:00.000Z');
    let orgId: string;
    let ada: string;
    let bob: string;
    let seq = 0;
    const start = (userId: string, overrides: Partial<{ amr: string[]; policy: SessionPolicy }> = {}) =>
      t.rt.sessions.create(ctx, { userId, orgId, amr: overrides.amr ?? ['pwd', 'otp'], acr: 'urn:keyledger:acr:mfa', ip: '203.0.113.7', userAgent: 'vitest', policy: overrides.policy ?? POLICY });
    /** Ledger events appended since the last call. */
    const newEvents = async (): Promise<LedgerEvent[]> => {
      const { events } = await t.rt.ledger.listEvents({}, { limit: 1000 });
      const fresh = events.filter((e) => e.seq >= seq);
      seq = events.length;
      return fresh;
    };

    beforeAll(async () => {
      t = await createTestRuntime(dialect, { clock });
      orgId = (await t.rt.identity.createOrganization(ctx, { slug: 'acme', name: 'Acme' })).id;
      ada = (await t.rt.identity.createUser(ctx, { email: 'ada@acme.test' }, { orgRef: 'acme' })).id;
      bob = (await t.rt.identity.createUser(ctx, { email: 'bob@acme.test' }, { orgRef: 'acme' })).id;
      await newEvents();
    });
    afterAll(async () => t?.close());

    it('creates a session, returns its kl_sess_ token once, validates it, and records sessions.session.created', async () => {
      const { token, session } = await start(ada);
      expect(token).toMatch(/^kl_sess_[A-Za-z0-9_-]{43}$/);
      expect(session).toMatchObject({ userId: ada, orgId, amr: ['pwd', 'otp'], acr: 'urn:keyledger:acr:mfa', state: 'active', stepUpAt: null, ip: '203.0.113.7', userAgent: 'vitest' });
      expect(session.idleExpiresAt).toBe(new Date(clock.now().getTime() + 30 * MINUTE).toISOString());
      expect(session.absoluteExpiresAt).toBe(new Date(clock.now().getTime() + 2 * HOUR).toISOString());
      expect(await t.rt.sessions.validate(token)).toMatchObject({ id: session.id, state: 'active' });
      const events = await newEvents();
      expect(events.map((e) => e.action)).toEqual(['sessions.session.created']);
      expect(events[0]).toMatchObject({
        org: orgId,
        v: lookupAction('sessions.session.created')!.v,
        targets: [{ type: 'session', id: session.id }, { type: 'user', id: ada }],
        data: { userId: ada, orgId, amr: ['pwd', 'otp'], acr: 'urn:keyledger:acr:mfa', idleExpiresAt: session.idleExpiresAt, absoluteExpiresAt: session.absoluteExpiresAt },
      });
      expect(Object.keys(events[0].data).sort()).toEqual(Object.keys(lookupAction('sessions.session.created')!.data).sort());
    });

    it('ends an unused session at its idle timeout (reason idle_expired), without a ledger event', async () => {
      const { token, session } = await start(ada);
      await newEvents();
      clock.advance(30 * MINUTE - 1);
      // Reading the session is not activity; only validation slides it.
      expect((await t.rt.sessions.requireSession(session.id)).state).toBe('active');
      clock.advance(1);
      expect(await t.rt.sessions.validate(token)).toBeNull();
      expect(await t.rt.sessions.inspect(token)).toEqual({ ok: false, reason: 'idle_expired', sessionId: session.id, userId: ada });
      expect(await newEvents()).toEqual([]);
      // The expired session stays as a row, for history.
      expect((await t.rt.sessions.requireSession(session.id)).state).toBe('idle_expired');
    });

    it('slides the idle timeout with use, writing at most once a minute, up to the absolute limit', async () => {
      const { token, session } = await start(ada);
      // Within the first minute a request writes nothing.
      clock.advance(30_000);
      expect((await t.rt.sessions.validate(token))!.lastSeenAt).toBe(session.lastSeenAt);
      // Active every 20 minutes: far past one idle timeout, still alive.
      for (let i = 0; i < 5; i++) {
        clock.advance(20 * MINUTE);
        const seen = await t.rt.sessions.validate(token);
        expect(seen).toMatchObject({ state: 'active', lastSeenAt: clock.now().toISOString() });
      }
      // The idle expiry never passes the absolute one (2 hours after sign-in).
      clock.advance(10 * MINUTE);
      const last = await t.rt.sessions.validate(token);
      expect(last!.idleExpiresAt).toBe(session.absoluteExpiresAt);
      clock.set(session.absoluteExpiresAt);
      expect(await t.rt.sessions.inspect(token)).toMatchObject({ ok: false, reason: 'absolute_expired' });
    });

    it('refuses a revoked session on its very next validation; revoking again changes and records nothing', async () => {
      const { token, session } = await start(ada);
      expect(await t.rt.sessions.validate(token)).not.toBeNull();
      await newEvents();
      expect(await t.rt.sessions.revoke(ctx, session.id, 'signed out')).toBe(true);
      expect(await t.rt.sessions.inspect(token)).toMatchObject({ ok: false, reason: 'revoked' });
      const events = await newEvents();
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ action: 'sessions.session.revoked', org: orgId, targets: [{ type: 'session', id: session.id }, { type: 'user', id: ada }], data: { userId: ada, reason: 'signed out' } });
      const revokedAt = (await t.rt.sessions.requireSession(session.id)).revokedAt;
      clock.advance(5 * MINUTE);
      expect(await t.rt.sessions.revoke(ctx, session.id, 'again')).toBe(false);
      expect(await t.rt.sessions.requireSession(session.id)).toMatchObject({ revokedAt, revokeReason: 'signed out' });
      expect(await newEvents()).toEqual([]);
      await expect(t.rt.sessions.revoke(ctx, '01900000-0000-7000-8000-000000000000', 'x')).rejects.toMatchObject({ code: 'session.not_found' });
    });

    it('revokeAllForUser ends exactly that user’s live sessions, one event each, and returns the count', async () => {
      const before = new Set((await t.rt.sessions.listForUser(ada, { includeEnded: true })).map((s) => s.id));
      const live = [await start(ada), await start(ada), await start(ada)];
      const bobs = await start(bob);
      const revokedAlready = await start(ada);
      await t.rt.sessions.revoke(ctx, revokedAlready.session.id, 'signed out');
      await newEvents();
      expect(await t.rt.sessions.revokeAllForUser(ctx, ada, 'deprovisioned')).toBe(3);
      const events = await newEvents();
      expect(events.map((e) => e.action)).toEqual(Array(3).fill('sessions.session.revoked'));
      expect(events.map((e) => e.targets[0].id).sort()).toEqual(live.map((l) => l.session.id).sort());
      expect(new Set(events.map((e) => e.id)).size).toBe(3);
      for (const e of events) expect(e.data).toEqual({ userId: ada, reason: 'deprovisioned' });
      for (const l of live) expect(await t.rt.sessions.validate(l.token)).toBeNull();
      expect(await t.rt.sessions.validate(bobs.token)).toMatchObject({ userId: bob, state: 'active' });
      expect(await t.rt.sessions.requireSession(revokedAlready.session.id)).toMatchObject({ revokeReason: 'signed out' });
      // Earlier, already-ended sessions keep the way they ended.
      for (const s of await t.rt.sessions.listForUser(ada, { includeEnded: true })) if (before.has(s.id)) expect(s.revokeReason).not.toBe('deprovisioned');
      expect(await t.rt.sessions.listForUser(ada)).toEqual([]);
      expect(await t.rt.sessions.listForUser(bob)).toHaveLength(1);
      // Nothing left to revoke: zero, and nothing appended.
      expect(await t.rt.sessions.revokeAllForUser(ctx, ada, 'deprovisioned')).toBe(0);
      expect(await newEvents()).toEqual([]);
    });

    it('suspending a user ends their live sessions in the same command: the status change and one revocation each', async () => {
      const carol = (await t.rt.identity.createUser(ctx, { email: 'carol@acme.test' }, { orgRef: 'acme' })).id;
      const live = [await start(carol), await start(carol)];
      const bobs = await start(bob);
      await newEvents();
      await t.rt.identity.setUserStatus(ctx, carol, 'suspended', 'left the company');
      const events = await newEvents();
      expect(events.map((e) => e.action)).toEqual(['identity.user.status_changed', 'sessions.session.revoked', 'sessions.session.revoked']);
      // One command: one time, consecutive sequence numbers.
      expect(new Set(events.map((e) => e.time)).size).toBe(1);
      expect(events.map((e) => e.seq)).toEqual([events[0].seq, events[0].seq + 1, events[0].seq + 2]);
      for (const e of events.slice(1)) expect(e.data).toEqual({ userId: carol, reason: 'user suspended' });
      for (const l of live) expect(await t.rt.sessions.validate(l.token)).toBeNull();
      expect(await t.rt.sessions.validate(bobs.token)).toMatchObject({ userId: bob });
      // Reactivating does not bring sessions back.
      await t.rt.identity.setUserStatus(ctx, carol, 'active', 'returned');
      for (const l of live) expect(await t.rt.sessions.validate(l.token)).toBeNull();
      await newEvents();
    });

    it('stores no token, only its hash, and finds sessions by hash only', async () => {
      const { token, session } = await start(bob);
      const secret = token.slice('kl_sess_'.length);
      const tables =
        dialect === 'sqlite'
          ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(t.rt.database.db)).rows.map((r) => r.name)
          : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(t.rt.database.db)).rows.map((r) => r.name);
      expect(tables).toContain('sessions');
      expect(tables).toContain('audit_events');
      let holders: string[] = [];
      for (const table of tables) {
        const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(t.rt.database.db)).rows;
        const text = JSON.stringify(rows, (_k, v) => (Buffer.isBuffer(v) || v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
        expect({ table, hasToken: text.includes(secret) }).toEqual({ table, hasToken: false });
        if (text.includes(hashToken(token))) holders.push(table);
      }
      expect(holders).toEqual(['sessions']);
      const bodies = (await t.rt.database.db.selectFrom('audit_events').select('body').execute()).map((r) => r.body);
      expect(bodies.some((b) => b.includes(secret) || b.includes(hashToken(token)))).toBe(false);
      // Presenting the stored hash instead of the token gets nothing.
      expect(await t.rt.sessions.inspect(hashToken(token))).toEqual({ ok: false, reason: 'malformed' });
      expect((await t.rt.sessions.validate(token))!.id).toBe(session.id);
    });

    it('refuses tokens of another format or unknown tokens without a match', async () => {
      const { token } = await start(bob);
      for (const junk of ['', 'kl_sess_', 'random-string', generateToken('key'), token.replace('kl_sess_', 'kl_key_'), `${token}x`, token.slice(0, -1), ` ${token}`, 'kl_sess_' + 'A'.repeat(10_000)]) {
        expect({ junk: junk.slice(0, 30), check: await t.rt.sessions.inspect(junk) }).toEqual({ junk: junk.slice(0, 30), check: { ok: false, reason: 'malformed' } });
      }
      expect(await t.rt.sessions.inspect(generateToken('sess'))).toEqual({ ok: false, reason: 'unknown' });
      const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
      expect(await t.rt.sessions.validate(flipped)).toBeNull();
    });

    it('records a step-up: merges methods, refreshes freshness, counts as activity', async () => {
      const { token, session } = await start(ada, { amr: ['pwd'] });
      clock.advance(10 * MINUTE);
      expect(isFresh(session, clock.now(), 300)).toBe(false);
      await newEvents();
      const stepped = await t.rt.sessions.recordStepUp(ctx, session.id, ['otp'], { acr: 'urn:keyledger:acr:mfa' });
      expect(stepped).toMatchObject({ amr: ['pwd', 'otp'], stepUpAt: clock.now().toISOString(), lastSeenAt: clock.now().toISOString() });
      expect(isFresh(stepped, clock.now(), 300)).toBe(true);
      const events = await newEvents();
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ action: 'sessions.session.stepped_up', data: { userId: ada, amr: ['otp'], acr: 'urn:keyledger:acr:mfa' } });
      const seen = (await t.rt.sessions.validate(token))!;
      expect(seen).toMatchObject({ amr: ['pwd', 'otp'], stepUpAt: stepped.stepUpAt });
      clock.advance(5 * MINUTE + 1);
      expect(isFresh(seen, clock.now(), 300)).toBe(false);
      await expect(t.rt.sessions.recordStepUp(ctx, session.id, ['TOTP'])).rejects.toMatchObject({ code: 'session.amr_invalid' });
      await t.rt.sessions.revoke(ctx, session.id, 'signed out');
      await newEvents();
      // An ended session cannot be revived by a step-up.
      await expect(t.rt.sessions.recordStepUp(ctx, session.id, ['hwk'])).rejects.toMatchObject({ code: 'session.ended' });
      expect(await newEvents()).toEqual([]);
    });

    it('refuses bad input to create and appends nothing', async () => {
      await newEvents();
      await expect(start(ada, { policy: { idleTimeoutMinutes: 600, absoluteTimeoutHours: 1 } })).rejects.toMatchObject({ code: 'session.policy_invalid' });
      await expect(start(ada, { amr: [] })).rejects.toMatchObject({ code: 'session.amr_invalid' });
      await expect(t.rt.sessions.create(ctx, { userId: ada, orgId, amr: ['pwd'], acr: ' ', ip: null, userAgent: null, policy: POLICY })).rejects.toMatchObject({ code: 'session.acr_invalid' });
      await expect(start('01900000-0000-7000-8000-000000000000')).rejects.toThrow();
      expect(await newEvents()).toEqual([]);
    });
  });
}
