/**
 * Enterprise SSO administration over HTTP: routed domains verified through a
 * real DNS server (node's resolver pointed at it by KEYLEDGER_DNS_SERVERS),
 * setup links, and the SSO enforcement setting, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, eventsDuring, expectError, expectNothingChanged, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { startDnsServer, type DnsServer } from '../support/dns-server.ts';
import { refusalOf } from '../support/thrown.ts';
import { ManualClock } from '../../src/platform/clock.ts';

const DAY = 86_400_000;

describe.each(DIALECTS)('enterprise SSO administration on %s', (dialect) => {
  let s: HttpSuite;
  let dns: DnsServer;
  let clock: ManualClock;
  let acme: Record<string, any>;
  const apiKeyActor = () => ({ type: 'api_key', id: s.adminKeyId });
  beforeAll(async () => {
    dns = await startDnsServer();
    clock = new ManualClock(new Date());
    s = await startHttpSuite(dialect, { clock, env: { KEYLEDGER_DNS_SERVERS: dns.address } });
    acme = await createOrg(s, 'acme');
    await createOrg(s, 'globex');
  });
  afterAll(async () => {
    await s?.close();
    await dns?.close();
  });

  describe('domains', () => {
    it('claims a domain and shows the TXT record to publish; DNS verification fails, listing what it found, until the record is there', async () => {
      const claimed = await eventsDuring(s, () => s.request('POST', '/api/v1/organizations/acme/sso-domains', { body: { domain: 'Acme.Example.' } }));
      expect(claimed.res.statusCode).toBe(201);
      const domain = claimed.res.json();
      const row = await s.rt.database.db.selectFrom('sso_domains').selectAll().where('id', '=', domain.id).executeTakeFirstOrThrow();
      expect(domain).toMatchObject({ orgId: acme.id, domain: 'acme.example', verified: false, verifiedAt: null, verifiedVia: null });
      expect(domain.txtRecord).toEqual({ name: '_keyledger-verification.acme.example', type: 'TXT', value: `keyledger-domain-verification=${row.verification_token}` });
      expect(claimed.events.map((e) => [e.action, e.actor, e.data])).toEqual([['sso.domain.added', expect.objectContaining(apiKeyActor()), { domain: 'acme.example', txtRecordName: '_keyledger-verification.acme.example' }]]);

      const verify = () => s.request('POST', `/api/v1/organizations/acme/sso-domains/${domain.id}/verify`);
      // Nothing published yet: the name does not exist.
      const missing = await expectNothingChanged(s.rt, verify);
      expectError(missing, 422, 'sso.domain_verification_failed');
      expect(missing.json().error.details).toEqual({ found: [], reason: 'ENOTFOUND' });
      expect(dns.queries).toContain('_keyledger-verification.acme.example TXT');

      // Records that are not this organization's value (another organization's, an SPF record) do not verify it; the refusal lists them.
      dns.setTxt(domain.txtRecord.name, ['v=spf1 -all', 'keyledger-domain-verification=someone-elses-token']);
      const wrong = await expectNothingChanged(s.rt, verify);
      expectError(wrong, 422, 'sso.domain_verification_failed');
      expect(wrong.json().error.details).toEqual({ found: ['v=spf1 -all', 'keyledger-domain-verification=someone-elses-token'], reason: 'record_missing' });

      dns.setTxt(domain.txtRecord.name, ['v=spf1 -all', domain.txtRecord.value]);
      const verified = await eventsDuring(s, verify);
      expect(verified.res.statusCode).toBe(200);
      expect(verified.res.json()).toMatchObject({ id: domain.id, verified: true, verifiedVia: 'dns', verifiedAt: clock.now().toISOString() });
      expect(verified.events.map((e) => [e.action, e.org, e.targets, e.data])).toEqual([
        ['sso.domain.verified', acme.id, [{ type: 'sso_domain', id: domain.id, display: 'acme.example' }], { domain: 'acme.example', via: 'dns', statement: null }],
      ]);

      // Verifying again changes nothing and records nothing.
      const again = await expectNothingChanged(s.rt, verify);
      expect(again.statusCode).toBe(200);
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/sso-domains')).items).toEqual([verified.res.json()]);
    });

    it('a long TXT value split into several strings is read whole', async () => {
      const domain = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-domains', { domain: 'long.acme.example' });
      // A record over 255 bytes arrives as several character-strings, joined again before comparing.
      dns.setTxt(domain.txtRecord.name, ['x'.repeat(300), domain.txtRecord.value]);
      expect(await ok(s, 200, 'POST', `/api/v1/organizations/acme/sso-domains/${domain.id}/verify`)).toMatchObject({ verified: true, verifiedVia: 'dns' });
      await ok(s, 204, 'DELETE', `/api/v1/organizations/acme/sso-domains/${domain.id}`);
    });

    it('verifies a domain on an administrator’s attestation, keeping the statement and who gave it in the ledger', async () => {
      const domain = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-domains', { domain: 'acme-corp.example' });
      for (const statement of ['', '   ', 'x'.repeat(501)]) {
        await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', `/api/v1/organizations/acme/sso-domains/${domain.id}/attest`, { body: { statement } }), 400, 'request.invalid'));
      }
      const statement = 'Checked the registrar account (ticket IT-4711) with Acme’s CTO on a video call';
      const attested = await eventsDuring(s, () => s.request('POST', `/api/v1/organizations/acme/sso-domains/${domain.id}/attest`, { body: { statement: ` ${statement} ` } }));
      expect(attested.res.statusCode).toBe(200);
      expect(attested.res.json()).toMatchObject({ verified: true, verifiedVia: 'attestation' });
      expect(attested.events).toHaveLength(1);
      expect(attested.events[0]).toMatchObject({ action: 'sso.domain.verified', org: acme.id, actor: apiKeyActor(), data: { domain: 'acme-corp.example', via: 'attestation', statement } });
      // A domain already verified stays verified the way it was first; attesting it again records nothing.
      const [byDns] = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/sso-domains')).items.filter((d: any) => d.domain === 'acme.example');
      const again = await expectNothingChanged(s.rt, () => s.request('POST', `/api/v1/organizations/acme/sso-domains/${byDns.id}/attest`, { body: { statement: 'also ours' } }));
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(byDns);
    });

    it('refuses a domain another organization claims (409), public mail domains and bad syntax (422), changing nothing', async () => {
      const cases: Array<[string, string, number, string, unknown]> = [
        ['globex', 'acme.example', 409, 'sso.domain_taken', undefined],
        ['globex', 'ACME.example', 409, 'sso.domain_taken', undefined],
        ['acme', 'acme.example', 409, 'sso.domain_taken', undefined],
        ['acme', 'gmail.com', 422, 'sso.domain_invalid', { reason: 'public_mail_domain' }],
        ['acme', 'Outlook.com', 422, 'sso.domain_invalid', { reason: 'public_mail_domain' }],
        ['acme', 'localhost', 422, 'sso.domain_invalid', { reason: 'syntax' }],
        ['acme', '*.acme.example', 422, 'sso.domain_invalid', { reason: 'syntax' }],
        ['acme', 'acme..example', 422, 'sso.domain_invalid', { reason: 'syntax' }],
        ['acme', '10.0.0.1', 422, 'sso.domain_invalid', { reason: 'syntax' }],
        ['acme', 'user@acme.example', 422, 'sso.domain_invalid', { reason: 'syntax' }],
        ['acme', '-acme.example', 422, 'sso.domain_invalid', { reason: 'syntax' }],
        ['no-such-org', 'fresh.example', 404, 'organization.not_found', undefined],
      ];
      for (const [org, domain, status, code, details] of cases) {
        const res = await expectNothingChanged(s.rt, () => s.request('POST', `/api/v1/organizations/${org}/sso-domains`, { body: { domain } }));
        expectError(res, status, code);
        if (details) expect(res.json().error.details).toEqual(details);
      }
    });

    it('another organization can neither verify, attest nor remove a domain it does not hold', async () => {
      const [domain] = (await ok(s, 200, 'GET', '/api/v1/organizations/acme/sso-domains')).items.filter((d: any) => d.domain === 'acme.example');
      const pending = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-domains', { domain: 'pending.acme.example' });
      dns.setTxt(pending.txtRecord.name, [pending.txtRecord.value]);
      for (const id of [domain.id, pending.id]) {
        await expectNothingChanged(s.rt, async () => {
          expectError(await s.request('POST', `/api/v1/organizations/globex/sso-domains/${id}/verify`), 404, 'sso.domain_not_found');
          expectError(await s.request('POST', `/api/v1/organizations/globex/sso-domains/${id}/attest`, { body: { statement: 'it is ours' } }), 404, 'sso.domain_not_found');
          expectError(await s.request('DELETE', `/api/v1/organizations/globex/sso-domains/${id}`), 404, 'sso.domain_not_found');
        });
      }
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/globex/sso-domains')).items).toEqual([]);
    });

    it('removes a domain with an event; another organization may then claim it', async () => {
      const domain = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-domains', { domain: 'moving.example' });
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/sso-domains/${domain.id}/attest`, { statement: 'ours until the spin-off' });
      const removed = await eventsDuring(s, () => s.request('DELETE', `/api/v1/organizations/acme/sso-domains/${domain.id}`));
      expect(removed.res.statusCode).toBe(204);
      expect(removed.events.map((e) => [e.action, e.data])).toEqual([['sso.domain.removed', { domain: 'moving.example', wasVerified: true }]]);
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/acme/sso-domains')).items.map((d: any) => d.domain)).not.toContain('moving.example');
      expectError(await s.request('DELETE', `/api/v1/organizations/acme/sso-domains/${domain.id}`), 404, 'sso.domain_not_found');
      const reclaimed = await ok(s, 201, 'POST', '/api/v1/organizations/globex/sso-domains', { domain: 'moving.example' });
      // A new claim gets a new verification value: the old published record proves nothing for the new owner.
      expect(reclaimed.txtRecord.value).not.toBe(domain.txtRecord.value);
      expect(reclaimed.verified).toBe(false);
    });

    it('an unverified claim does not lock a domain away: its owner claims and verifies it, and the squatter can then verify nothing', async () => {
      const squat = await ok(s, 201, 'POST', '/api/v1/organizations/globex/sso-domains', { domain: 'initech.example' });
      const owned = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-domains', { domain: 'initech.example' });
      expect(owned.txtRecord.value).not.toBe(squat.txtRecord.value);
      // One claim per organization.
      await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', '/api/v1/organizations/acme/sso-domains', { body: { domain: 'initech.example' } }), 409, 'sso.domain_taken'));
      // Unverified claims route nobody.
      expect(await s.rt.sso.domains.route('pat@initech.example')).toBeNull();

      dns.setTxt(owned.txtRecord.name, [owned.txtRecord.value]);
      await ok(s, 200, 'POST', `/api/v1/organizations/acme/sso-domains/${owned.id}/verify`);
      // The squatter publishing its own value, or attesting, is refused now that the domain is verified elsewhere.
      dns.setTxt(squat.txtRecord.name, [owned.txtRecord.value, squat.txtRecord.value]);
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('POST', `/api/v1/organizations/globex/sso-domains/${squat.id}/verify`), 409, 'sso.domain_taken');
        expectError(await s.request('POST', `/api/v1/organizations/globex/sso-domains/${squat.id}/attest`, { body: { statement: 'it is ours' } }), 409, 'sso.domain_taken');
        expectError(await s.request('POST', '/api/v1/organizations/globex/sso-domains', { body: { domain: 'initech.example' } }), 409, 'sso.domain_taken');
      });
      const globexClaim = (await ok(s, 200, 'GET', '/api/v1/organizations/globex/sso-domains')).items.find((d: any) => d.domain === 'initech.example');
      expect(globexClaim).toMatchObject({ id: squat.id, verified: false });
      // The database refuses a second verified holder even if a check were skipped.
      await expect(
        s.rt.database.db.updateTable('sso_domains').set({ verified_at: clock.now().toISOString(), verified_via: 'attestation' }).where('id', '=', squat.id).execute(),
      ).rejects.toThrow(/unique|UNIQUE/);
    });
  });

  describe('setup links', () => {
    it('shows the link once, stores only its SHA-256, and never records it', async () => {
      const issued = await eventsDuring(s, () => s.request('POST', '/api/v1/organizations/acme/sso-setup-links', { body: { email: 'IT-Admin@Acme.example', expiresInDays: 3 } }));
      expect(issued.res.statusCode).toBe(201);
      const { link, url } = issued.res.json();
      const token = /\/sso\/setup\/(kl_ssosetup_[A-Za-z0-9_-]{43})$/.exec(url)?.[1];
      expect(url.startsWith(s.rt.config.publicUrl)).toBe(true);
      expect(token).toBeDefined();
      expect(link).toMatchObject({ orgId: acme.id, email: 'it-admin@acme.example', state: 'active', revokedAt: null, lastUsedAt: null, createdBy: { type: 'api_key', id: s.adminKeyId } });
      expect(token!.startsWith(link.prefix)).toBe(true);
      expect(Date.parse(link.expiresAt) - Date.parse(link.createdAt)).toBe(3 * DAY);

      const row = await s.rt.database.db.selectFrom('sso_setup_links').selectAll().where('id', '=', link.id).executeTakeFirstOrThrow();
      expect(row.token_hash).toBe(createHash('sha256').update(token!).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(token);
      expect(issued.events.map((e) => [e.action, e.data])).toEqual([['sso.setup_link.created', { email: 'it-admin@acme.example', prefix: link.prefix, expiresAt: link.expiresAt }]]);
      expect(JSON.stringify(issued.events)).not.toContain(token);
      // The list shows the link's state, never the link.
      const listed = await s.request('GET', '/api/v1/organizations/acme/sso-setup-links');
      expect(listed.body).not.toContain(token);
      expect(listed.json().items).toEqual([link]);
      // The token works until revoked.
      expect((await s.rt.sso.setupLinks.authenticate(token!)).id).toBe(link.id);
    });

    it('revokes a link (refused from then on), lets links expire, and lists each state', async () => {
      const defaulted = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-setup-links', {});
      expect(Date.parse(defaulted.link.expiresAt) - Date.parse(defaulted.link.createdAt)).toBe(7 * DAY);
      expect(defaulted.link.email).toBeNull();
      const short = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-setup-links', { expiresInDays: 1 });
      const revoked = await eventsDuring(s, () => s.request('POST', `/api/v1/organizations/acme/sso-setup-links/${defaulted.link.id}/revoke`));
      expect(revoked.res.statusCode).toBe(200);
      expect(revoked.res.json()).toMatchObject({ id: defaulted.link.id, state: 'revoked', revokedAt: clock.now().toISOString() });
      expect(revoked.events.map((e) => [e.action, e.actor.type, e.data])).toEqual([['sso.setup_link.revoked', 'api_key', { prefix: defaulted.link.prefix }]]);
      expect(await refusalOf(s.rt.sso.setupLinks.authenticate(defaulted.url.split('/').pop()!))).toMatchObject({ code: 'sso.setup_link_invalid' });
      // Revoking again records nothing.
      expect((await expectNothingChanged(s.rt, () => s.request('POST', `/api/v1/organizations/acme/sso-setup-links/${defaulted.link.id}/revoke`))).statusCode).toBe(200);

      clock.advance(DAY + 1000);
      try {
        expect(await refusalOf(s.rt.sso.setupLinks.authenticate(short.url.split('/').pop()!))).toMatchObject({ code: 'sso.setup_link_invalid' });
        const states = Object.fromEntries((await ok(s, 200, 'GET', '/api/v1/organizations/acme/sso-setup-links')).items.map((l: any) => [l.id, l.state]));
        expect(states[defaulted.link.id]).toBe('revoked');
        expect(states[short.link.id]).toBe('expired');
        expect(Object.values(states)).toContain('active');
      } finally {
        clock.advance(-(DAY + 1000));
      }
    });

    it('another organization cannot revoke or see a link; bad input changes nothing', async () => {
      const { link } = await ok(s, 201, 'POST', '/api/v1/organizations/acme/sso-setup-links', {});
      await expectNothingChanged(s.rt, async () => {
        expectError(await s.request('POST', `/api/v1/organizations/globex/sso-setup-links/${link.id}/revoke`), 404, 'sso.setup_link_invalid');
        for (const body of [{ expiresInDays: 0 }, { expiresInDays: 31 }, { expiresInDays: 1.5 }, { email: 'not-an-address' }, { url: 'https://evil.example' }]) {
          expectError(await s.request('POST', '/api/v1/organizations/acme/sso-setup-links', { body }), 400, 'request.invalid');
        }
        expectError(await s.request('POST', '/api/v1/organizations/no-such-org/sso-setup-links', { body: {} }), 404, 'organization.not_found');
      });
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/globex/sso-setup-links')).items).toEqual([]);
    });
  });

  describe('SSO enforcement', () => {
    it('ssoEnforced is saved when it is a boolean, and refused otherwise without changing anything', async () => {
      const enforced = await eventsDuring(s, () => s.request('PATCH', '/api/v1/organizations/globex', { body: { settings: { ssoEnforced: true } } }));
      expect(enforced.res.statusCode).toBe(200);
      expect(enforced.res.json().settings).toEqual({ ssoEnforced: true });
      expect(enforced.events.map((e) => e.action)).toEqual(['identity.organization.updated']);
      for (const ssoEnforced of ['false', 0, null, {}, ['yes']]) {
        const res = await expectNothingChanged(s.rt, () => s.request('PATCH', '/api/v1/organizations/globex', { body: { settings: { ssoEnforced } } }));
        expectError(res, 422, 'organization.settings_invalid');
        expect(res.json().error.details).toEqual({ field: 'ssoEnforced', got: ssoEnforced });
      }
      expect((await ok(s, 200, 'PATCH', '/api/v1/organizations/globex', { settings: { ssoEnforced: false } })).settings).toEqual({ ssoEnforced: false });
    });
  });
});
