import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { CommandRunner } from '../audit/command-runner.ts';
import type { CommandContext } from '../audit/event.ts';
import { decryptSecret, encryptSecret, type Envelope, type MasterKey } from '../platform/crypto.ts';
import type { Db } from '../platform/database.ts';
import type { OidcSigningKeyRow } from '../platform/schema.ts';

const PURPOSE = 'oidc-signing-key';
const DAY_MS = 86_400_000;

/** When keys change: a key signs for `rotationDays`, its successor is published `prepublishDays` before it starts signing, and a retired key stays published for `retentionHours` (longer than any signed token lives). */
export interface KeyRotationPolicy {
  rotationDays: number;
  prepublishDays: number;
  retentionHours: number;
}

export const DEFAULT_KEY_ROTATION: Readonly<KeyRotationPolicy> = Object.freeze({ rotationDays: 90, prepublishDays: 7, retentionHours: 24 });

/** A key as the admin API shows it: never the private half. */
export interface SigningKeyView {
  kid: string;
  alg: string;
  state: 'published' | 'signing' | 'retired';
  createdAt: string;
  activatesAt: string;
  retiresAt: string;
  removesAt: string;
}

export interface SigningKeySet {
  /** Private JWKs in signing order: the key that signs now first, then the published successor, then retired ones. */
  privateJwks: Record<string, unknown>[];
  /** The kids in the order above; a change means the provider must be rebuilt. */
  fingerprint: string;
}

function stateAt(row: OidcSigningKeyRow, now: string): SigningKeyView['state'] {
  if (row.activates_at > now) return 'published';
  return row.retires_at > now ? 'signing' : 'retired';
}

export function toSigningKeyView(row: OidcSigningKeyRow, now: Date): SigningKeyView {
  return { kid: row.kid, alg: row.alg, state: stateAt(row, now.toISOString()), createdAt: row.created_at, activatesAt: row.activates_at, retiresAt: row.retires_at, removesAt: row.removes_at };
}

function newRsaKey(kid: string): { publicJwk: Record<string, unknown>; privateJwk: Record<string, unknown> } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const meta = { kid, alg: 'RS256', use: 'sig' };
  return { publicJwk: { ...publicKey.export({ format: 'jwk' }), ...meta }, privateJwk: { ...privateKey.export({ format: 'jwk' }), ...meta } };
}

/**
 * The provider's token-signing keys: RS256 keys kept in the database with
 * their private halves encrypted under the master key. `ensure` keeps the
 * schedule: a signing key always exists, its successor is published ahead of
 * use (relying parties that cache the JWKS already know it when it starts
 * signing), and a retired key stays published until tokens it signed have
 * expired. Every new key is a ledger event.
 */
export function createSigningKeys(deps: { db: Db; runner: CommandRunner; master: MasterKey; policy: KeyRotationPolicy }) {
  const { db, runner, master, policy } = deps;
  const system: CommandContext = { actor: { type: 'system', id: 'oidc-key-rotation', display: 'OpenID Connect key rotation' }, request: { requestId: `sys-oidc-keys-${randomBytes(4).toString('hex')}`, ip: null, userAgent: null } };

  async function live(now: Date): Promise<OidcSigningKeyRow[]> {
    return db.selectFrom('oidc_signing_keys').selectAll().where('removes_at', '>', now.toISOString()).orderBy('activates_at', 'asc').execute();
  }

  async function create(ctx: CommandContext, activatesAt: Date, reason: 'initial' | 'scheduled' | 'manual'): Promise<OidcSigningKeyRow> {
    const kid = randomBytes(12).toString('base64url');
    const { publicJwk, privateJwk } = newRsaKey(kid);
    const { result } = await runner.run(ctx, async ({ trx, now, record }) => {
      const retires = new Date(activatesAt.getTime() + policy.rotationDays * DAY_MS);
      const row: OidcSigningKeyRow = {
        kid,
        alg: 'RS256',
        public_jwk: JSON.stringify(publicJwk),
        private_jwk: JSON.stringify(encryptSecret(master, Buffer.from(JSON.stringify(privateJwk)), PURPOSE)),
        created_at: now.toISOString(),
        activates_at: activatesAt.toISOString(),
        retires_at: retires.toISOString(),
        removes_at: new Date(retires.getTime() + policy.retentionHours * 3_600_000).toISOString(),
      };
      await trx.insertInto('oidc_signing_keys').values(row).execute();
      record({ action: 'oidc.signing_key.created', targets: [{ type: 'signing_key', id: kid, display: `RS256 ${kid}` }], data: { kid, alg: 'RS256', reason, activatesAt: row.activates_at, retiresAt: row.retires_at, removesAt: row.removes_at } });
      return row;
    });
    return result;
  }

  return {
    /** Creates the keys the schedule calls for at `now` (none, a first key, or the successor) and returns the live set. */
    async ensure(now: Date): Promise<OidcSigningKeyRow[]> {
      let rows = await live(now);
      const iso = now.toISOString();
      const signing = rows.filter((r) => r.activates_at <= iso && r.retires_at > iso).at(-1);
      if (!signing) {
        await create(system, now, rows.length === 0 ? 'initial' : 'scheduled');
        rows = await live(now);
      } else if (Date.parse(signing.retires_at) - now.getTime() <= policy.prepublishDays * DAY_MS && !rows.some((r) => r.activates_at >= signing.retires_at)) {
        await create(system, new Date(signing.retires_at), 'scheduled');
        rows = await live(now);
      }
      return rows;
    },
    /**
     * Emergency rotation (a key is suspected to be exposed): a new key signs
     * from now, and the old signing key retires at once; it stays published
     * for the retention window so tokens in flight still verify.
     */
    async rotateNow(ctx: CommandContext, now: Date): Promise<OidcSigningKeyRow> {
      const iso = now.toISOString();
      const created = await create(ctx, now, 'manual');
      await runner.run(ctx, async ({ trx, record }) => {
        const retiring = await trx.selectFrom('oidc_signing_keys').select(['kid']).where('kid', '!=', created.kid).where('retires_at', '>', iso).execute();
        const removes = new Date(now.getTime() + policy.retentionHours * 3_600_000).toISOString();
        for (const r of retiring) {
          await trx.updateTable('oidc_signing_keys').set({ retires_at: iso, removes_at: removes }).where('kid', '=', r.kid).execute();
          record({ action: 'oidc.signing_key.retired', targets: [{ type: 'signing_key', id: r.kid, display: `RS256 ${r.kid}` }], data: { kid: r.kid, retiredAt: iso, removesAt: removes, replacedBy: created.kid } });
        }
        if (retiring.length === 0) record({ action: 'oidc.signing_key.retired', targets: [], data: { kid: null, retiredAt: iso, removesAt: removes, replacedBy: created.kid } });
      });
      return created;
    },
    /** The live keys in the provider's order (signing key first), decrypted. */
    keySet(rows: OidcSigningKeyRow[], now: Date): SigningKeySet {
      const iso = now.toISOString();
      const rank = (r: OidcSigningKeyRow) => (stateAt(r, iso) === 'signing' ? 0 : stateAt(r, iso) === 'published' ? 1 : 2);
      const ordered = [...rows].sort((a, b) => rank(a) - rank(b) || b.activates_at.localeCompare(a.activates_at));
      return {
        privateJwks: ordered.map((r) => JSON.parse(decryptSecret(master, JSON.parse(r.private_jwk) as Envelope, PURPOSE).toString('utf8')) as Record<string, unknown>),
        fingerprint: ordered.map((r) => `${r.kid}:${rank(r)}`).join(','),
      };
    },
    live,
  };
}

export type SigningKeys = ReturnType<typeof createSigningKeys>;
