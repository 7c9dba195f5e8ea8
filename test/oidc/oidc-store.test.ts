import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { createOidcStore } from '../../src/oidc/oidc-store.ts';

for (const dialect of DIALECTS) {
  describe(`the provider's storage on ${dialect}`, () => {
    let database: TestDatabase;
    let store: ReturnType<typeof createOidcStore>;
    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      store = createOidcStore(database.db, database.sqlite);
    });
    afterAll(async () => database?.drop());

    it('stores, finds, consumes and destroys an artifact; an expired one is never returned', async () => {
      const codes = store.adapterFor('AuthorizationCode');
      await codes.upsert('code-1', { accountId: 'u1', clientId: 'c1', grantId: 'g1', scope: 'openid' }, 60);
      expect(await codes.find('code-1')).toMatchObject({ accountId: 'u1', scope: 'openid' });
      expect((await codes.find('code-1'))!.consumed).toBeUndefined();
      await codes.consume('code-1');
      expect((await codes.find('code-1'))!.consumed).toBeGreaterThan(0);
      // The same id under another model is another artifact.
      expect(await store.adapterFor('AccessToken').find('code-1')).toBeUndefined();
      await codes.destroy('code-1');
      expect(await codes.find('code-1')).toBeUndefined();

      await codes.upsert('code-2', { accountId: 'u1' }, 30);
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31_000 });
      try {
        expect(await codes.find('code-2')).toBeUndefined();
        expect(await store.purgeExpired()).toBeGreaterThanOrEqual(1);
      } finally {
        vi.useRealTimers();
      }
    });

    it('revokes by grant, by account, by client and by credential', async () => {
      const at = store.adapterFor('AccessToken');
      const rt = store.adapterFor('RefreshToken');
      const cc = store.adapterFor('ClientCredentials');
      await store.adapterFor('Grant').upsert('g2', { accountId: 'u2', clientId: 'app' }, 600);
      await at.upsert('at-1', { accountId: 'u2', clientId: 'app', grantId: 'g2' }, 600);
      await rt.upsert('rt-1', { accountId: 'u2', clientId: 'app', grantId: 'g2' }, 600);
      await at.upsert('at-2', { accountId: 'u3', clientId: 'app', grantId: 'g3' }, 600);
      await cc.upsert('cc-1', { clientId: 'sa', extra: { credential_id: 'cred-1' } }, 600);
      await cc.upsert('cc-2', { clientId: 'sa', extra: { credential_id: 'cred-2' } }, 600);

      await rt.revokeByGrantId('g3');
      expect(await at.find('at-2')).toBeUndefined();
      expect(await store.revokeAccount(database.db, 'u2')).toBe(3);
      expect(await at.find('at-1')).toBeUndefined();
      expect(await rt.find('rt-1')).toBeUndefined();
      expect(await store.revokeCredential(database.db, 'cred-1')).toBe(1);
      expect(await cc.find('cc-1')).toBeUndefined();
      expect(await cc.find('cc-2')).toBeDefined();
      expect(await store.revokeClient(database.db, 'sa')).toBe(1);
      expect(await cc.find('cc-2')).toBeUndefined();
    });

    it('a token written while a command’s transaction is open is not rolled back with it', async () => {
      const cc = store.adapterFor('ClientCredentials');
      let write: Promise<void> | undefined;
      await expect(
        database.db.transaction().execute(async (trx) => {
          await trx.insertInto('oidc_payloads').values({ model: 'Probe', id: 'p', payload: '{}', grant_id: null, uid: null, account_id: null, client_id: null, credential_id: null, expires_at: 2_000_000_000, consumed_at: null }).execute();
          write = cc.upsert('cc-during', { clientId: 'sa' }, 600);
          throw new Error('the command fails');
        }),
      ).rejects.toThrow('the command fails');
      await write;
      expect(await cc.find('cc-during')).toMatchObject({ clientId: 'sa' });
      expect(await store.adapterFor('Probe').find('p')).toBeUndefined();
    });
  });
}
