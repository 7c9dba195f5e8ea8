import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KeyledgerError } from './errors.ts';

/**
 * Envelope encryption of secrets at rest: each secret gets its own random data
 * key (AES-256-GCM); the data key is wrapped by the master key (also
 * AES-256-GCM). Rotating the master key re-wraps data keys without touching
 * the secrets. The associated data binds a ciphertext to its purpose, so a
 * wrapped TOTP secret cannot be replayed as a signing key.
 */
export interface Envelope {
  v: 1;
  kek: string; // master key id
  wrappedKey: string; // base64: iv(12) | tag(16) | ciphertext(32)
  data: string; // base64: iv(12) | tag(16) | ciphertext
}

export interface MasterKey {
  id: string;
  key: Buffer;
}

export function encryptSecret(master: MasterKey, plaintext: Buffer, purpose: string): Envelope {
  const dataKey = randomBytes(32);
  const aad = Buffer.from(`keyledger:${purpose}`, 'utf8');
  return {
    v: 1,
    kek: master.id,
    wrappedKey: seal(master.key, dataKey, aad).toString('base64'),
    data: seal(dataKey, plaintext, aad).toString('base64'),
  };
}

export function decryptSecret(master: MasterKey, envelope: Envelope, purpose: string): Buffer {
  if (envelope.kek !== master.id) {
    throw new KeyledgerError('config.invalid', `secret was encrypted with master key "${envelope.kek}", but the configured master key is "${master.id}"`);
  }
  const aad = Buffer.from(`keyledger:${purpose}`, 'utf8');
  const dataKey = open(master.key, Buffer.from(envelope.wrappedKey, 'base64'), aad);
  return open(dataKey, Buffer.from(envelope.data, 'base64'), aad);
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
  } catch {
    throw new KeyledgerError('config.invalid', 'a secret could not be decrypted: wrong master key or altered ciphertext');
  }
}

/**
 * The master key comes from KEYLEDGER_MASTER_KEY (32 bytes, base64 or hex) or,
 * when unset, from `<dataDir>/master.key`, generated with mode 0600 on first use.
 * Its id is a short fingerprint, recorded in every envelope.
 */
export function loadMasterKey(configured: string | null, dataDir: string): MasterKey {
  let key: Buffer;
  if (configured) {
    key = decodeKey(configured, 'KEYLEDGER_MASTER_KEY');
  } else {
    const file = join(dataDir, 'master.key');
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    }
    key = decodeKey(readFileSync(file, 'utf8').trim(), file);
  }
  return { id: masterKeyId(key), key };
}

function decodeKey(text: string, source: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) {
    throw new KeyledgerError('config.invalid', `master key from ${source} must be 32 bytes (base64 or hex), got ${key.length} bytes`);
  }
  return key;
}

function masterKeyId(key: Buffer): string {
  const mac = createCipheriv('aes-256-gcm', key, Buffer.alloc(12));
  mac.setAAD(Buffer.from('keyledger:master-key-id'));
  mac.final();
  return `mk_${mac.getAuthTag().subarray(0, 6).toString('hex')}`;
}
