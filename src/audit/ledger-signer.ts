import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Db } from '../platform/database.ts';
import { decryptSecret, encryptSecret, type Envelope, type MasterKey } from '../platform/crypto.ts';
import type { CommandRunner } from './command-runner.ts';
import { systemContext } from './event.ts';
import { keyIdFor, rawEd25519PublicKey, verifierKeyString } from './checkpoint-note.ts';

/** The Ed25519 key that signs checkpoints, decrypted for this process. */
export interface LedgerSigner {
  keyName: string;
  keyId: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
  /** signed-note verifier key: `<name>+<keyid hex>+<base64(0x01‖pub)>` */
  verifierKey: string;
}

const LEDGER_KEY_ID = 'ledger-key-1';
const PURPOSE = 'ledger-signing-key';

/** Signed-note key name (and checkpoint origin) derived from the public URL, e.g. `id.example.com/keyledger`. */
export function ledgerKeyName(publicUrl: string): string {
  const url = new URL(publicUrl);
  return `${url.host}${url.pathname.replace(/\/+$/, '')}/keyledger`;
}

/**
 * Loads the ledger signing key, generating it on first use. The private key is
 * stored envelope-encrypted under the master key; creating it is a ledger
 * event that publishes the verifier key.
 */
export async function loadOrCreateLedgerSigner(deps: { db: Db; runner: CommandRunner; master: MasterKey; publicUrl: string }): Promise<LedgerSigner> {
  let row = await deps.db.selectFrom('signing_keys').selectAll().where('purpose', '=', 'ledger').where('status', '=', 'active').executeTakeFirst();
  if (!row) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const keyName = ledgerKeyName(deps.publicUrl);
    const raw = rawEd25519PublicKey(publicKey);
    const envelope = encryptSecret(deps.master, privateKey.export({ format: 'der', type: 'pkcs8' }), PURPOSE);
    try {
      await deps.runner.run(systemContext('ledger', 'Keyledger ledger'), async ({ trx, now, record }) => {
        await trx
          .insertInto('signing_keys')
          .values({
            id: LEDGER_KEY_ID,
            purpose: 'ledger',
            key_name: keyName,
            public_key: raw,
            encrypted_private_key: JSON.stringify(envelope),
            status: 'active',
            created_at: now.toISOString(),
          })
          .execute();
        record({
          action: 'ledger.signing_key.created',
          targets: [{ type: 'signing_key', id: LEDGER_KEY_ID, display: keyName }],
          data: { keyName, keyId: keyIdFor(keyName, publicKey).toString('hex'), verifierKey: verifierKeyString(keyName, publicKey) },
        });
      });
    } catch (err) {
      // Another process created it first: use theirs.
      const existing = await deps.db.selectFrom('signing_keys').select('id').where('id', '=', LEDGER_KEY_ID).executeTakeFirst();
      if (!existing) throw err;
    }
    row = await deps.db.selectFrom('signing_keys').selectAll().where('id', '=', LEDGER_KEY_ID).executeTakeFirstOrThrow();
  }
  const der = decryptSecret(deps.master, JSON.parse(row.encrypted_private_key) as Envelope, PURPOSE);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return {
    keyName: row.key_name,
    keyId: keyIdFor(row.key_name, publicKey).toString('hex'),
    publicKey,
    privateKey,
    verifierKey: verifierKeyString(row.key_name, publicKey),
  };
}
