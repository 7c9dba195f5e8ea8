import { decryptSecret, encryptSecret, type Envelope, type MasterKey } from '../platform/crypto.ts';

/** The envelope purpose TOTP secrets are bound to: a TOTP ciphertext cannot be opened as any other kind of secret. */
export const TOTP_SECRET_PURPOSE = 'authn.totp_secret';

/** The stored form of a TOTP secret: JSON text of its envelope under the master key. */
export function sealTotpSecret(master: MasterKey, secret: Buffer): string {
  return JSON.stringify(encryptSecret(master, secret, TOTP_SECRET_PURPOSE));
}

/** The secret from its stored form; throws `config.invalid` with another master key or an altered ciphertext. */
export function openTotpSecret(master: MasterKey, stored: string): Buffer {
  return decryptSecret(master, JSON.parse(stored) as Envelope, TOTP_SECRET_PURPOSE);
}
