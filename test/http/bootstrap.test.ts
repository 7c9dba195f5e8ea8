import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { expectNothingChanged, ledgerNextSeq, listEventsViaApi, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { systemContext } from '../../src/audit/event.ts';
import { ALL_SCOPES } from '../../src/http/scopes.ts';

const ctx = systemContext('start', 'keyledger start');
const form = { 'content-type': 'application/x-www-form-urlencoded' };

for (const dialect of DIALECTS) {
  describe(`the first administrator through the one-time bootstrap link, on ${dialect}`, () => {
    let s: HttpSuite;
    let token: string;
    let key: string;
    const earlierTokens: string[] = [];
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { adminKey: false });
    });
    afterAll(async () => s?.close());

    it('with no API key, a start issues a link; a later start withdraws the earlier link', async () => {
      const first = await s.rt.bootstrap.issueLinkIfNeeded(ctx);
      expect(first).not.toBeNull();
      earlierTokens.push(new URL(first!.url).searchParams.get('token')!);
      const link = await s.rt.bootstrap.issueLinkIfNeeded(ctx);
      expect(link).not.toBeNull();
      const url = new URL(link!.url);
      expect(`${url.origin}${url.pathname}`).toBe(`${s.rt.config.publicUrl}/bootstrap`);
      token = url.searchParams.get('token')!;
      expect(token).toMatch(/^kl_boot_[A-Za-z0-9_-]{43}$/);
      expect(token).not.toBe(earlierTokens[0]);
      expect(Date.parse(link!.expiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);
      expect(await s.rt.bootstrap.isUsable(earlierTokens[0])).toBe(false);
    });

    it('opening the link shows a form and spends nothing', async () => {
      for (let i = 0; i < 2; i++) {
        await expectNothingChanged(s.rt, async () => {
          const res = await s.app.inject({ method: 'GET', url: `/bootstrap?token=${encodeURIComponent(token)}` });
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toMatch(/^text\/html/);
          expect(res.headers['referrer-policy']).toBe('no-referrer');
          expect(res.body).toContain('<form method="post" action="/bootstrap">');
          expect(res.body).toContain(`name="token" value="${token}"`);
          expect(res.body).not.toContain('kl_key_');
        });
      }
      expect(await s.rt.bootstrap.isUsable(token)).toBe(true);
    });

    it('an unknown or withdrawn link is refused (403) when opened and when posted, and creates no key', async () => {
      for (const bad of [`kl_boot_${'x'.repeat(43)}`, earlierTokens[0]]) {
        await expectNothingChanged(s.rt, async () => {
          const opened = await s.app.inject({ method: 'GET', url: `/bootstrap?token=${encodeURIComponent(bad)}` });
          expect(opened.statusCode).toBe(403);
          expect(opened.body).not.toContain('<form');
          const posted = await s.app.inject({ method: 'POST', url: '/bootstrap', headers: form, payload: new URLSearchParams({ token: bad, name: 'intruder' }).toString() });
          expect(posted.statusCode).toBe(403);
          expect(posted.headers['content-type']).toMatch(/^text\/html/);
          expect(posted.body).not.toContain('kl_key_');
        });
      }
    });

    it('posting the form spends the link and shows, once, a key with every scope that works', async () => {
      const seqBefore = await ledgerNextSeq(s.rt);
      const res = await s.app.inject({ method: 'POST', url: '/bootstrap', headers: form, payload: new URLSearchParams({ token, name: 'first admin' }).toString() });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-store');
      const found = /kl_key_[A-Za-z0-9_-]{43}/.exec(res.body);
      expect(found).not.toBeNull();
      key = found![0];

      const orgs = await s.request('GET', '/api/v1/organizations', { key });
      expect(orgs.statusCode).toBe(200);
      expect(orgs.json()).toEqual({ items: [], nextCursor: null });
      const created = await s.request('POST', '/api/v1/organizations', { key, body: { slug: 'first', name: 'First' } });
      expect(created.statusCode).toBe(201);

      const keys = (await s.request('GET', '/api/v1/api-keys', { key })).json().items;
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ name: 'first admin', scopes: [...ALL_SCOPES].sort(), createdBy: { type: 'system', id: 'bootstrap' }, prefix: key.slice(0, 14) });
      const events = (await listEventsViaApi(s, '', key)).filter((e) => e.seq >= seqBefore);
      expect(events.map((e) => e.action)).toEqual(['platform.api_key.created', 'platform.bootstrap.completed', 'identity.organization.created']);
      expect(events[1].data).toEqual({ apiKeyId: keys[0].id });
    });

    it('the same link a second time is refused and creates no key', async () => {
      await expectNothingChanged(s.rt, async () => {
        const again = await s.app.inject({ method: 'POST', url: '/bootstrap', headers: form, payload: new URLSearchParams({ token, name: 'second admin' }).toString() });
        expect(again.statusCode).toBe(403);
        expect(again.body).not.toContain('kl_key_');
        expect((await s.app.inject({ method: 'GET', url: `/bootstrap?token=${encodeURIComponent(token)}` })).statusCode).toBe(403);
      });
    });

    it('bad form posts are refused without spending anything', async () => {
      const fresh = await s.rt.bootstrap.isUsable(token);
      expect(fresh).toBe(false);
      for (const payload of [new URLSearchParams({ token }).toString(), new URLSearchParams({ token, name: '' }).toString(), new URLSearchParams({ token, name: 'x', extra: '1' }).toString()]) {
        await expectNothingChanged(s.rt, async () => {
          const res = await s.app.inject({ method: 'POST', url: '/bootstrap', headers: form, payload });
          expect(res.statusCode).toBe(400);
          expect(res.json().error.code).toBe('request.invalid');
        });
      }
    });

    it('once a key exists no link is issued, and no token ever reaches the ledger', async () => {
      await expectNothingChanged(s.rt, async () => expect(await s.rt.bootstrap.issueLinkIfNeeded(ctx)).toBeNull());
      const bodies = (await s.rt.database.db.selectFrom('audit_events').select('body').execute()).map((r) => r.body);
      expect(bodies.some((b) => b.includes('platform.bootstrap.link_issued'))).toBe(true);
      for (const secret of [token, ...earlierTokens, key]) {
        const random = secret.replace(/^kl_(boot|key)_/, '');
        for (const body of bodies) expect(body).not.toContain(random);
      }
      const stored = JSON.stringify(await s.rt.database.db.selectFrom('bootstrap_tokens').selectAll().execute());
      for (const t of [token, ...earlierTokens]) expect(stored).not.toContain(t.replace(/^kl_boot_/, ''));
    });
  });
}
