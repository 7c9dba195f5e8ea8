import { sql } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
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

/** Writing an artifact again (a consumed code, a session touched) replaces it; both engines take this clause. */
const UPSERT_CONFLICT = `on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid, account_id = excluded.account_id,
    client_id = excluded.client_id, credential_id = excluded.credential_id, expires_at = excluded.expires_at`;

type Stored = { payload: string; expires_at: number; consumed_at: number | null };

const epochNow = () => Math.floor(Date.now() / 1000);

/**
 * The provider's storage on Keyledger's database (SQLite or PostgreSQL), one
 * table for every model. An artifact past its expiry is never returned, even
 * before the purge removes it. `consume` marks an artifact used (codes,
 * rotated refresh tokens): the provider refuses it afterwards and, for a
 * refresh token, revokes the whole grant when it is presented again.
 */
export function createOidcStore(db: Db, sqlite: BetterSqlite3.Database | null = null) {
  // On SQLite the two statements every token request makes run as prepared statements straight on the one
  // connection when no transaction is open on it (checked and run synchronously, so nothing can open one
  // in between); inside someone else's transaction they wait their turn through the query builder instead.
  const findStatement = sqlite?.prepare<[string, string], Stored>('select payload, expires_at, consumed_at from oidc_payloads where model = ? and id = ?') ?? null;
  const upsertStatement =
    sqlite?.prepare(`insert into oidc_payloads (model, id, payload, grant_id, uid, account_id, client_id, credential_id, expires_at, consumed_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, null) ${UPSERT_CONFLICT}`) ?? null;
  const direct = () => sqlite !== null && !sqlite.inTransaction;
  function adapterFor(model: string): OidcAdapter {
    const read = (r: Stored | undefined): OidcPayload | undefined => {
      if (!r || Number(r.expires_at) <= epochNow()) return undefined;
      const payload = JSON.parse(r.payload) as OidcPayload;
      if (r.consumed_at !== null) payload.consumed = Number(r.consumed_at);
      return payload;
    };
    return {
      async upsert(id, payload, expiresIn) {
        const extra = payload.extra ?? {};
        const credentialId = typeof extra.credential_id === 'string' ? extra.credential_id : null;
        const expiresAt = epochNow() + Math.max(1, Math.ceil(expiresIn));
        const values = [model, id, JSON.stringify(payload), payload.grantId ?? null, payload.uid ?? null, payload.accountId ?? null, payload.clientId ?? null, credentialId, expiresAt];
        if (upsertStatement && direct()) upsertStatement.run(...values);
        else {
          await sql`insert into oidc_payloads (model, id, payload, grant_id, uid, account_id, client_id, credential_id, expires_at, consumed_at)
            values (${sql.join(values)}, null) ${sql.raw(UPSERT_CONFLICT)}`.execute(db);
        }
      },
      async find(id) {
        if (findStatement && direct()) return read(findStatement.get(model, id));
        const { rows } = await sql<Stored>`select payload, expires_at, consumed_at from oidc_payloads where model = ${model} and id = ${id}`.execute(db);
        return read(rows[0]);
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
