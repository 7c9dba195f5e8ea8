import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createServiceAccount, createUser, eventsDuring, expectError, expectNothingChanged, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { createCredential, dumpAllTables, publicJwk, saUrl } from '../support/service-accounts.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { hashToken } from '../../src/platform/ids.ts';

const DAY = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`service account credentials over HTTP on ${dialect}`, () => {
    const clock = new ManualClock('2026-01-01T00:00:00.000Z');
    let s: HttpSuite;
    let owner: Record<string, any>;
    const newAccount = (name: string) => createServiceAccount(s, 'acme', name, owner.id);
    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      await createOrg(s, 'acme');
      owner = await createUser(s, { email: 'owner@acme.test', org: 'acme' });
    });
    afterAll(async () => s?.close());

    it('shows a secret once, lists it without the secret or its hash, and stores only its SHA-256', async () => {
      const bot = await newAccount('secret-bot');
      const { res, events } = await eventsDuring(s, () => s.request('POST', saUrl('acme', bot.id, '/credentials'), { body: { kind: 'secret' } }));
      expect(res.statusCode).toBe(201);
      const { credential, secret } = res.json();
      expect(secret).toMatch(/^kl_sa_[A-Za-z0-9_-]{43}$/);
      expect(credential).toMatchObject({ serviceAccountId: bot.id, kind: 'secret', status: 'active', createdAt: clock.now().toISOString(), createdBy: { type: 'api_key', id: s.adminKeyId }, secretPrefix: secret.slice(0, 14), jwk: null, thumbprint: null, lastUsedAt: null });
      // Expiry by the default policy: 90 days after creation.
      expect(credential.expiresAt).toBe(new Date(clock.now().getTime() + 90 * DAY).toISOString());
      expect(events.map((e) => [e.action, e.data])).toEqual([
        ['identity.service_account.credential_created', { credentialId: credential.id, kind: 'secret', secretPrefix: secret.slice(0, 14), thumbprint: null, alg: null, expiresAt: credential.expiresAt, rotatedFromId: null }],
      ]);

      const listed = await ok(s, 200, 'GET', saUrl('acme', bot.id, '/credentials'));
      expect(listed.items).toEqual([credential]);
      const body = JSON.stringify(listed);
      expect(body).not.toContain(secret);
      expect(body).not.toContain(hashToken(secret));
      expect(body).not.toContain(secret.slice(14));

      // Nowhere in the database — ledger included — is the secret, only its hash in its own row.
      const all = await dumpAllTables(s.rt);
      expect(all).not.toContain(secret.slice(6));
      const row = await s.rt.database.db.selectFrom('service_account_credentials').selectAll().where('id', '=', credential.id).executeTakeFirstOrThrow();
      expect(row.secret_hash).toBe(hashToken(secret));
      expect(await s.rt.serviceAccounts.verifySecret(bot.id, secret)).toEqual({ credentialId: credential.id });
    });

    it('accepts public keys as JWK and PEM, stores the public JWK with kid = credential id and a fixed alg, and exposes it to the OAuth provider', async () => {
      const bot = await newAccount('key-bot');
      const ec = publicJwk('ec');
      const one = await createCredential(s, 'acme', bot.id, { kind: 'public_key', jwk: { ...ec, kid: 'mine', alg: 'ES256' } });
      expect(one.secret).toBeUndefined();
      expect(one.credential).toMatchObject({ kind: 'public_key', alg: 'ES256', secretPrefix: null, jwk: { ...ec, kid: one.credential.id, alg: 'ES256', use: 'sig' } });
      expect(one.credential.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'pem', type: 'spki' }) as string;
      const two = await createCredential(s, 'acme', bot.id, { kind: 'public_key', pem: rsaPem });
      expect(two.credential).toMatchObject({ alg: 'RS256', jwk: { kty: 'RSA', kid: two.credential.id, alg: 'RS256' } });

      const client = await s.rt.serviceAccounts.findClient(bot.id);
      expect(client).toEqual({
        serviceAccountId: bot.id,
        orgId: bot.orgId,
        name: 'key-bot',
        status: 'active',
        credentials: [
          { id: one.credential.id, kind: 'public_key', jwk: one.credential.jwk, expiresAt: one.credential.expiresAt },
          { id: two.credential.id, kind: 'public_key', jwk: two.credential.jwk, expiresAt: two.credential.expiresAt },
        ],
      });
      expect(await s.rt.serviceAccounts.findClient('00000000-0000-7000-8000-000000000000')).toBeUndefined();
      // A key is never a secret: presenting anything as the secret of a key-only client fails.
      expect(await s.rt.serviceAccounts.verifySecret(bot.id, `kl_sa_${'A'.repeat(43)}`)).toBeNull();
    });

    it('refuses private, symmetric, weak and malformed keys, and a key already registered, changing nothing', async () => {
      const bot = await newAccount('picky-bot');
      const other = await newAccount('other-bot');
      const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const ecPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const refusals: Array<[Record<string, unknown>, string]> = [
        [{ kind: 'public_key', jwk: ecPair.privateKey.export({ format: 'jwk' }) }, 'private_key'],
        [{ kind: 'public_key', pem: ecPair.privateKey.export({ format: 'pem', type: 'pkcs8' }) }, 'private_key'],
        [{ kind: 'public_key', jwk: { kty: 'oct', k: 'c2hhcmVkLXNlY3JldC1rZXktZm9yLWhzMjU2', alg: 'HS256' } }, 'symmetric_key'],
        [{ kind: 'public_key', jwk: rsa1024.publicKey.export({ format: 'jwk' }) }, 'weak_key'],
        [{ kind: 'public_key', pem: rsa1024.publicKey.export({ format: 'pem', type: 'spki' }) }, 'weak_key'],
        [{ kind: 'public_key', pem: '-----BEGIN PUBLIC KEY-----\nZ2FyYmFnZQ==\n-----END PUBLIC KEY-----' }, 'malformed'],
        [{ kind: 'public_key', pem: 'not a pem at all' }, 'malformed'],
        [{ kind: 'public_key' }, 'malformed'],
        [{ kind: 'public_key', jwk: publicJwk('ec'), pem: 'x' }, 'malformed'],
        [{ kind: 'public_key', jwk: { ...publicJwk('ec'), alg: 'RS256' } }, 'alg_mismatch'],
      ];
      for (const [body, reason] of refusals) {
        await expectNothingChanged(s.rt, async () => {
          const res = await s.request('POST', saUrl('acme', bot.id, '/credentials'), { body });
          expectError(res, 422, 'service_account.public_key_invalid');
          expect({ body, reason: res.json().error.details.reason }).toEqual({ body, reason });
        });
      }
      // No shared credentials: a key registered on one account cannot be registered again, on it or another.
      const jwk = publicJwk('ed25519');
      await createCredential(s, 'acme', other.id, { kind: 'public_key', jwk });
      for (const target of [bot.id, other.id]) {
        await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', saUrl('acme', target, '/credentials'), { body: { kind: 'public_key', jwk } }), 409, 'service_account.public_key_in_use'));
      }
    });

    it('holds at most two active credentials: a third is refused until one is revoked', async () => {
      const bot = await newAccount('busy-bot');
      const a = await createCredential(s, 'acme', bot.id);
      await createCredential(s, 'acme', bot.id, { kind: 'public_key', jwk: publicJwk() });
      for (const body of [{ kind: 'secret' }, { kind: 'public_key', jwk: publicJwk() }]) {
        await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', saUrl('acme', bot.id, '/credentials'), { body }), 409, 'service_account.credential_limit'));
      }
      // Rotating with an overlap would make three working at once: refused too.
      await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', saUrl('acme', bot.id, `/credentials/${a.credential.id}/rotate`), { body: {} }), 409, 'service_account.credential_limit'));

      const revoked = await eventsDuring(s, () => s.request('DELETE', saUrl('acme', bot.id, `/credentials/${a.credential.id}?reason=${encodeURIComponent('leaked in CI log')}`)));
      expect(revoked.res.statusCode).toBe(200);
      expect(revoked.res.json()).toMatchObject({ id: a.credential.id, status: 'revoked', revokedAt: clock.now().toISOString(), revokeReason: 'leaked in CI log' });
      expect(revoked.events.map((e) => [e.action, e.data])).toEqual([['identity.service_account.credential_revoked', { credentialId: a.credential.id, kind: 'secret', reason: 'leaked in CI log' }]]);
      expect(await s.rt.serviceAccounts.verifySecret(bot.id, a.secret)).toBeNull();
      expect(await s.rt.serviceAccounts.isCredentialActive(a.credential.id)).toBe(false);
      // Revoking again answers the same and records nothing.
      await expectNothingChanged(s.rt, async () => expect((await ok(s, 200, 'DELETE', saUrl('acme', bot.id, `/credentials/${a.credential.id}`))).revokeReason).toBe('leaked in CI log'));
      await createCredential(s, 'acme', bot.id);
    });

    it('rotation creates a credential of the same kind and keeps the old one working for the overlap only', async () => {
      const bot = await newAccount('rotating-bot');
      const old = await createCredential(s, 'acme', bot.id);
      clock.advance(10 * DAY);
      const { res, events } = await eventsDuring(s, () => s.request('POST', saUrl('acme', bot.id, `/credentials/${old.credential.id}/rotate`), { body: { overlapSeconds: 3600 } }));
      expect(res.statusCode).toBe(201);
      const rotated = res.json();
      const overlapEnd = new Date(clock.now().getTime() + 3600_000).toISOString();
      expect(rotated.secret).toMatch(/^kl_sa_/);
      expect(rotated.secret).not.toBe(old.secret);
      expect(rotated.credential).toMatchObject({ kind: 'secret', status: 'active', rotatedFromId: old.credential.id });
      expect(rotated.rotated).toMatchObject({ id: old.credential.id, status: 'active', expiresAt: overlapEnd, replacedById: rotated.credential.id });
      expect(events.map((e) => e.action)).toEqual(['identity.service_account.credential_created', 'identity.service_account.credential_rotated']);
      expect(events[1].data).toEqual({ fromCredentialId: old.credential.id, toCredentialId: rotated.credential.id, kind: 'secret', overlapSeconds: 3600, previousExpiresAt: old.credential.expiresAt, oldExpiresAt: overlapEnd });
      expect(JSON.stringify(events)).not.toContain(rotated.secret.slice(14));

      // During the overlap both secrets work; a second rotation of the old one is refused.
      expect(await s.rt.serviceAccounts.verifySecret(bot.id, old.secret)).toEqual({ credentialId: old.credential.id });
      expect(await s.rt.serviceAccounts.verifySecret(bot.id, rotated.secret)).toEqual({ credentialId: rotated.credential.id });
      expectError(await s.request('POST', saUrl('acme', bot.id, `/credentials/${old.credential.id}/rotate`), { body: { overlapSeconds: 0 } }), 409, 'service_account.credential_ended');
      clock.advance(3600_000 - 1);
      expect(await s.rt.serviceAccounts.isCredentialActive(old.credential.id)).toBe(true);
      clock.advance(1);
      expect(await s.rt.serviceAccounts.verifySecret(bot.id, old.secret)).toBeNull();
      expect(await s.rt.serviceAccounts.isCredentialActive(old.credential.id)).toBe(false);
      expect(await s.rt.serviceAccounts.verifySecret(bot.id, rotated.secret)).toEqual({ credentialId: rotated.credential.id });
      expect((await s.rt.serviceAccounts.findClient(bot.id))!.credentials.map((c) => c.id)).toEqual([rotated.credential.id]);
      await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', saUrl('acme', bot.id, `/credentials/${old.credential.id}/rotate`), { body: {} }), 409, 'service_account.credential_ended'));

      // The default overlap is a day, and an overlap never extends a credential past its own expiry.
      const next = await ok(s, 201, 'POST', saUrl('acme', bot.id, `/credentials/${rotated.credential.id}/rotate`), {});
      expect(next.rotated.expiresAt).toBe(new Date(clock.now().getTime() + DAY).toISOString());
      clock.advance(DAY);
      clock.advance(89 * DAY - 12 * 3600_000);
      const late = await ok(s, 201, 'POST', saUrl('acme', bot.id, `/credentials/${next.credential.id}/rotate`), { overlapSeconds: 7 * 86_400 });
      expect(late.rotated.expiresAt).toBe(next.credential.expiresAt);
    });

    it('a public key is rotated only to a new key, and a secret only to a generated secret', async () => {
      const bot = await newAccount('key-rotating-bot');
      const key = await createCredential(s, 'acme', bot.id, { kind: 'public_key', jwk: publicJwk('rsa') });
      const secret = await createCredential(s, 'acme', bot.id);
      for (const [id, body] of [
        [key.credential.id, { overlapSeconds: 0 }],
        [secret.credential.id, { overlapSeconds: 0, jwk: publicJwk() }],
      ] as const) {
        await expectNothingChanged(s.rt, async () => expectError(await s.request('POST', saUrl('acme', bot.id, `/credentials/${id}/rotate`), { body }), 422, 'service_account.rotation_invalid'));
      }
      const fresh = publicJwk('ed25519');
      const rotated = await ok(s, 201, 'POST', saUrl('acme', bot.id, `/credentials/${key.credential.id}/rotate`), { overlapSeconds: 0, jwk: fresh });
      expect(rotated.credential).toMatchObject({ kind: 'public_key', alg: 'EdDSA', jwk: { ...fresh, kid: rotated.credential.id } });
      // With no overlap the old key ends at once.
      expect(rotated.rotated).toMatchObject({ status: 'expired', expiresAt: clock.now().toISOString() });
      expect(await s.rt.serviceAccounts.isCredentialActive(key.credential.id)).toBe(false);
    });

    it('credentials expire by the organization’s maximum age, and a tightened policy takes effect at once', async () => {
      await createOrg(s, 'strict');
      const strictOwner = await createUser(s, { email: 'strict-owner@acme.test', org: 'strict' });
      await ok(s, 200, 'PATCH', '/api/v1/organizations/strict', { settings: { serviceAccountCredentialMaxAgeDays: 30 } });
      const bot = await createServiceAccount(s, 'strict', 'strict-bot', strictOwner.id);
      const cred = await createCredential(s, 'strict', bot.id);
      expect(cred.credential.expiresAt).toBe(new Date(clock.now().getTime() + 30 * DAY).toISOString());

      clock.advance(10 * DAY);
      expect(await s.rt.serviceAccounts.verifySecret(bot.id, cred.secret)).toEqual({ credentialId: cred.credential.id });
      // Tightened to 7 days: the 10-day-old secret stops working now, not at its stored expiry.
      await ok(s, 200, 'PATCH', '/api/v1/organizations/strict', { settings: { serviceAccountCredentialMaxAgeDays: 7 } });
      expect(await s.rt.serviceAccounts.verifySecret(bot.id, cred.secret)).toBeNull();
      expect(await s.rt.serviceAccounts.isCredentialActive(cred.credential.id)).toBe(false);
      expect((await s.rt.serviceAccounts.findClient(bot.id))!.credentials).toEqual([]);
      const [listed] = (await ok(s, 200, 'GET', saUrl('strict', bot.id, '/credentials'))).items;
      expect(listed).toMatchObject({ status: 'expired', expiresAt: new Date(Date.parse(cred.credential.createdAt) + 7 * DAY).toISOString() });
      // An expired credential no longer counts toward the limit of two.
      await createCredential(s, 'strict', bot.id);
      await createCredential(s, 'strict', bot.id);

      // Loosened again: the stored expiry (30 days) holds, so the secret works once more until then.
      await ok(s, 200, 'PATCH', '/api/v1/organizations/strict', { settings: { serviceAccountCredentialMaxAgeDays: 365 } });
      expect(await s.rt.serviceAccounts.isCredentialActive(cred.credential.id)).toBe(true);
      clock.advance(20 * DAY);
      expect(await s.rt.serviceAccounts.isCredentialActive(cred.credential.id)).toBe(false);
    });

    it('disabling, deleting, revoking and rotating out end what verifySecret and isCredentialActive accept, and run the revocation hooks in the command', async () => {
      const calls: unknown[] = [];
      s.rt.serviceAccounts.principalRevocationHooks.push(async (scope, revocation) => {
        // Inside the command's transaction: the change it reacts to is visible there.
        const row = await scope.trx.selectFrom('service_accounts').select('status').where('id', '=', revocation.serviceAccountId).executeTakeFirstOrThrow();
        calls.push({ ...revocation, statusInTransaction: row.status });
      });
      try {
        const bot = await newAccount('ending-bot');
        const a = await createCredential(s, 'acme', bot.id);
        const b = await createCredential(s, 'acme', bot.id, { kind: 'public_key', jwk: publicJwk() });
        const now = () => clock.now().toISOString();

        await ok(s, 200, 'PATCH', saUrl('acme', bot.id), { status: 'disabled' });
        expect(calls).toEqual([{ serviceAccountId: bot.id, reason: 'account_disabled', effectiveAt: now(), statusInTransaction: 'disabled' }]);
        expect(await s.rt.serviceAccounts.verifySecret(bot.id, a.secret)).toBeNull();
        expect(await s.rt.serviceAccounts.isCredentialActive(a.credential.id)).toBe(false);
        expect(await s.rt.serviceAccounts.isCredentialActive(b.credential.id)).toBe(false);
        expect(await s.rt.serviceAccounts.findClient(bot.id)).toMatchObject({ status: 'disabled', credentials: [] });
        // A disabled account gets no new credential and no rotation.
        await expectNothingChanged(s.rt, async () => {
          expectError(await s.request('POST', saUrl('acme', bot.id, '/credentials'), { body: { kind: 'secret' } }), 409, 'service_account.not_active');
          expectError(await s.request('POST', saUrl('acme', bot.id, `/credentials/${a.credential.id}/rotate`), { body: {} }), 409, 'service_account.not_active');
        });

        await ok(s, 200, 'PATCH', saUrl('acme', bot.id), { status: 'active' });
        expect(await s.rt.serviceAccounts.verifySecret(bot.id, a.secret)).toEqual({ credentialId: a.credential.id });
        // A secret is accepted only for its own client id.
        const other = await newAccount('ending-bot-2');
        expect(await s.rt.serviceAccounts.verifySecret(other.id, a.secret)).toBeNull();
        expect(await s.rt.serviceAccounts.verifySecret(bot.id, a.secret.slice(0, -1) + (a.secret.endsWith('A') ? 'B' : 'A'))).toBeNull();

        calls.length = 0;
        await ok(s, 200, 'DELETE', saUrl('acme', bot.id, `/credentials/${b.credential.id}`));
        expect(calls).toEqual([{ serviceAccountId: bot.id, credentialId: b.credential.id, reason: 'credential_revoked', effectiveAt: now(), statusInTransaction: 'active' }]);
        expect(await s.rt.serviceAccounts.isCredentialActive(b.credential.id)).toBe(false);

        calls.length = 0;
        const rotated = await ok(s, 201, 'POST', saUrl('acme', bot.id, `/credentials/${a.credential.id}/rotate`), { overlapSeconds: 60 });
        expect(calls).toEqual([{ serviceAccountId: bot.id, credentialId: a.credential.id, reason: 'credential_rotated', effectiveAt: new Date(clock.now().getTime() + 60_000).toISOString(), statusInTransaction: 'active' }]);

        calls.length = 0;
        await ok(s, 200, 'DELETE', saUrl('acme', bot.id));
        expect(calls).toEqual([{ serviceAccountId: bot.id, reason: 'account_deleted', effectiveAt: now(), statusInTransaction: 'deleted' }]);
        for (const id of [a.credential.id, rotated.credential.id]) expect(await s.rt.serviceAccounts.isCredentialActive(id)).toBe(false);
        expect(await s.rt.serviceAccounts.verifySecret(bot.id, rotated.secret)).toBeNull();
        expect(await s.rt.serviceAccounts.findClient(bot.id)).toMatchObject({ status: 'deleted', credentials: [] });
      } finally {
        s.rt.serviceAccounts.principalRevocationHooks.length = 0;
      }
    });

    it('a failing revocation hook rolls the whole command back', async () => {
      const bot = await newAccount('sticky-bot');
      const a = await createCredential(s, 'acme', bot.id);
      s.rt.serviceAccounts.principalRevocationHooks.push(async () => {
        throw new Error('token store unavailable');
      });
      try {
        await expectNothingChanged(s.rt, async () => expect((await s.request('DELETE', saUrl('acme', bot.id, `/credentials/${a.credential.id}`))).statusCode).toBe(500));
        expect(await s.rt.serviceAccounts.isCredentialActive(a.credential.id)).toBe(true);
      } finally {
        s.rt.serviceAccounts.principalRevocationHooks.length = 0;
      }
    });

    it('recordUse writes the last use at most once a minute per credential, and is no ledger event', async () => {
      const bot = await newAccount('used-bot');
      const a = await createCredential(s, 'acme', bot.id);
      const b = await createCredential(s, 'acme', bot.id);
      const lastUse = async (id: string) => s.rt.database.db.selectFrom('service_account_credentials').select(['last_used_at', 'last_used_ip']).where('id', '=', id).executeTakeFirstOrThrow();
      const seq = (await s.rt.ledger.listEvents({}, { limit: 5000 })).events.length;

      const first = clock.now().toISOString();
      await s.rt.serviceAccounts.recordUse(a.credential.id, '203.0.113.7');
      expect(await lastUse(a.credential.id)).toEqual({ last_used_at: first, last_used_ip: '203.0.113.7' });
      clock.advance(59_999);
      await s.rt.serviceAccounts.recordUse(a.credential.id, '198.51.100.1');
      expect(await lastUse(a.credential.id)).toEqual({ last_used_at: first, last_used_ip: '203.0.113.7' });
      // The throttle is per credential.
      await s.rt.serviceAccounts.recordUse(b.credential.id, '198.51.100.2');
      expect(await lastUse(b.credential.id)).toEqual({ last_used_at: clock.now().toISOString(), last_used_ip: '198.51.100.2' });
      clock.advance(1);
      await s.rt.serviceAccounts.recordUse(a.credential.id, '198.51.100.1');
      expect(await lastUse(a.credential.id)).toEqual({ last_used_at: clock.now().toISOString(), last_used_ip: '198.51.100.1' });
      expect((await s.rt.ledger.listEvents({}, { limit: 5000 })).events.length).toBe(seq);
      expect((await ok(s, 200, 'GET', saUrl('acme', bot.id, '/credentials'))).items.find((c: { id: string }) => c.id === a.credential.id)).toMatchObject({ lastUsedAt: clock.now().toISOString(), lastUsedIp: '198.51.100.1' });
    });
  });
}
