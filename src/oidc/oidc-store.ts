import type { Db } from '../platform/database.ts';

/** What oidc-provider stores for one artifact; free-form apart from the fields revocation looks up by. */
export type OidcPayload = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  accountId?: string;
  clientId?: string;
  consumed?: number;
  extra?: Record<string, unknown>;
};

/** The storage contract oidc-provider calls for each of its models (Session, AccessToken, Grant, …). */
export interface OidcAdapter {
  upsert(id: string, payload: OidcPayload, expiresIn: number): Promise<void>;
  find(id: string): Promise<OidcPayload | undefined>;
  findByUid(uid: string): Promise<OidcPayload | undefined>;
  findByUserCode(userCode: string): Promise<OidcPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** Artifacts that name a user (a grant, the user's tokens and provider sessions): the ones a principal's revocation deletes. */
const USER_MODELS = ['Session', 'Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode', 'BackchannelAuthenticationRequest', 'DeviceCode'];

const epochNow = () => Math.floor(Date.now() / 1000);

/**
 * The provider's storage on Keyledger's database (SQLite or PostgreSQL), one
 * table for every model. An artifact past its expiry is never returned, even
 * before the purge removes it. `consume` marks an artifact used (codes,
 * rotated refresh tokens): the provider refuses it afterwards and, for a
 * refresh token, revokes the whole grant when it is presented again.
 */
export function createOidcStore(db: Db) {
  function adapterFor(model: string): OidcAdapter {
    const row = (id: string) => db.selectFrom('oidc_payloads').select(['payload', 'expires_at', 'consumed_at']).where('model', '=', model).where('id', '=', id);
    const read = (r: { payload: string; expires_at: number; consumed_at: number | null } | undefined): OidcPayload | undefined => {
      if (!r || Number(r.expires_at) <= epochNow()) return undefined;
      const payload = JSON.parse(r.payload) as OidcPayload;
      if (r.consumed_at !== null) payload.consumed = Number(r.consumed_at);
      return payload;
    };
    return {
      async upsert(id, payload, expiresIn) {
        const extra = payload.extra ?? {};
        const values = {
          payload: JSON.stringify(payload),
          grant_id: payload.grantId ?? null,
          uid: payload.uid ?? null,
          account_id: payload.accountId ?? null,
          client_id: payload.clientId ?? null,
          credential_id: typeof extra.credential_id === 'string' ? extra.credential_id : null,
          expires_at: epochNow() + Math.max(1, Math.ceil(expiresIn)),
        };
        await db
          .insertInto('oidc_payloads')
          .values({ model, id, consumed_at: null, ...values })
          .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(values))
          .execute();
      },
      async find(id) {
        return read(await row(id).executeTakeFirst());
      },
      async findByUid(uid) {
        return read(await db.selectFrom('oidc_payloads').select(['payload', 'expires_at', 'consumed_at']).where('model', '=', model).where('uid', '=', uid).executeTakeFirst());
      },
      async findByUserCode(_userCode) {
        // The device flow is not offered; no artifact carries a user code.
        return undefined;
      },
      async consume(id) {
        await db.updateTable('oidc_payloads').set({ consumed_at: epochNow() }).where('model', '=', model).where('id', '=', id).execute();
      },
      async destroy(id) {
        await db.deleteFrom('oidc_payloads').where('model', '=', model).where('id', '=', id).execute();
      },
      async revokeByGrantId(grantId) {
        await db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
      },
    };
  }

  return {
    adapterFor,
    /** Deletes every artifact of a user: provider sessions, grants, codes, access and refresh tokens. Returns how many. */
    async revokeAccount(trx: Db, accountId: string): Promise<number> {
      const grants = trx.selectFrom('oidc_payloads').select('id').where('model', '=', 'Grant').where('account_id', '=', accountId);
      const byGrant = await trx.deleteFrom('oidc_payloads').where('grant_id', 'in', grants).executeTakeFirst();
      const direct = await trx.deleteFrom('oidc_payloads').where('account_id', '=', accountId).where('model', 'in', USER_MODELS).executeTakeFirst();
      return Number(byGrant.numDeletedRows) + Number(direct.numDeletedRows);
    },
    /** Deletes every artifact issued to a client (an application or a service account). */
    async revokeClient(trx: Db, clientId: string): Promise<number> {
      const r = await trx.deleteFrom('oidc_payloads').where('client_id', '=', clientId).where('model', '!=', 'Session').executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    /** Deletes the tokens issued against one service-account credential. */
    async revokeCredential(trx: Db, credentialId: string): Promise<number> {
      const r = await trx.deleteFrom('oidc_payloads').where('credential_id', '=', credentialId).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    /** Removes artifacts past their expiry; returns how many. */
    async purgeExpired(): Promise<number> {
      const r = await db.deleteFrom('oidc_payloads').where('expires_at', '<=', epochNow()).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export type OidcStore = ReturnType<typeof createOidcStore>;
