import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

/**
 * A software WebAuthn authenticator and the browser around it, in Node: real
 * P-256 (ES256) or RSA (RS256) keys from node:crypto, a CBOR attestationObject
 * (fmt "none") over authenticator data with rpIdHash, flags, signature
 * counter and attested credential data, and clientDataJSON, returned as the
 * RegistrationResponseJSON / AuthenticationResponseJSON a browser hands the
 * page. Like a browser, it refuses to create a credential it already holds
 * (excludeCredentials) and offers only credentials of the options' RP id.
 * Knobs (`Tamper`) produce what an attacker or a broken client would send.
 */

/** Minimal CBOR (RFC 8949) encoder: the major types WebAuthn uses, definite lengths, maps in insertion order. */
export function encodeCbor(value: unknown): Buffer {
  const head = (major: number, n: number): Buffer => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
    if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(encodeCbor)]);
  if (value instanceof Map) return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)])]);
  throw new Error(`cannot CBOR-encode ${typeof value}`);
}

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

export const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

/** What a test may alter in what the browser and authenticator produce. */
export interface Tamper {
  /** The origin the browser reports (a phishing page, say). */
  origin?: string;
  /** The RP id whose SHA-256 goes into authenticator data (a credential scoped to another site). */
  rpIdHashOf?: string;
  /** The challenge put into clientDataJSON instead of the one in the options. */
  challenge?: string;
  /** clientDataJSON.type instead of webauthn.create / webauthn.get. */
  type?: string;
  /** Flags to clear (e.g. FLAG.UV) or set, applied after the authenticator's own. */
  clearFlags?: number;
  setFlags?: number;
  /** The signature counter to report instead of the next one. */
  counter?: number;
  /** Sign with this key instead of the credential's (a forged assertion). */
  signWith?: KeyObject;
  /** The userHandle to return instead of the credential's (null: none). */
  userHandle?: string | null;
  /** Report clientData.crossOrigin true and this topOrigin. */
  topOrigin?: string;
  /** Registration: give the new key this credential id (claiming another credential's id). */
  credentialId?: Buffer;
}

interface StoredCredential {
  id: Buffer;
  rpId: string;
  userHandle: string;
  alg: number;
  privateKey: KeyObject;
  cose: Buffer;
  spki: Buffer;
  counter: number;
}

export interface SoftAuthenticatorOptions {
  /** COSE algorithm: -7 ES256 (default), -257 RS256, -8 EdDSA (which Keyledger does not offer). */
  alg?: -7 | -257 | -8;
  aaguid?: string;
  /** Backup eligible (a synced passkey provider) and backed up: BE and BS flags. Default true/true. */
  backupEligible?: boolean;
  backedUp?: boolean;
  /** How much the counter grows per use; 0 for authenticators that keep none (most synced passkeys). Default 1. */
  counterStep?: number;
  transports?: string[];
}

function makeKey(alg: number): { privateKey: KeyObject; cose: Buffer; spki: Buffer } {
  if (alg === -7) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = encodeCbor(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
    return { privateKey, cose, spki: publicKey.export({ format: 'der', type: 'spki' }) };
  }
  if (alg === -257) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = encodeCbor(new Map<number, unknown>([[1, 3], [3, -257], [-1, Buffer.from(jwk.n!, 'base64url')], [-2, Buffer.from(jwk.e!, 'base64url')]]));
    return { privateKey, cose, spki: publicKey.export({ format: 'der', type: 'spki' }) };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = encodeCbor(new Map<number, unknown>([[1, 1], [3, -8], [-1, 6], [-2, Buffer.from(jwk.x!, 'base64url')]]));
  return { privateKey, cose, spki: publicKey.export({ format: 'der', type: 'spki' }) };
}

function signWith(key: KeyObject, alg: number, data: Buffer): Buffer {
  // ES256 signatures are DER (node's default for EC keys); RS256 is PKCS#1 v1.5; EdDSA signs the message itself.
  return sign(alg === -8 ? null : 'sha256', data, key);
}

export class SoftAuthenticator {
  readonly aaguid: string;
  readonly options: Required<Omit<SoftAuthenticatorOptions, 'aaguid'>>;
  credentials: StoredCredential[] = [];

  constructor(options: SoftAuthenticatorOptions = {}) {
    this.aaguid = options.aaguid ?? randomUUID();
    this.options = { alg: options.alg ?? -7, backupEligible: options.backupEligible ?? true, backedUp: options.backedUp ?? options.backupEligible ?? true, counterStep: options.counterStep ?? 1, transports: options.transports ?? ['hybrid', 'internal'] };
  }

  /** A copy holding the same keys and counters, counting on independently: a cloned authenticator. */
  clone(): SoftAuthenticator {
    const copy = new SoftAuthenticator({ ...this.options, aaguid: this.aaguid });
    copy.credentials = this.credentials.map((c) => ({ ...c }));
    return copy;
  }

  private flags(extra: number, tamper: Tamper): number {
    let f = FLAG.UP | FLAG.UV | extra;
    if (this.options.backupEligible) f |= FLAG.BE;
    if (this.options.backedUp) f |= FLAG.BS;
    return (f | (tamper.setFlags ?? 0)) & ~(tamper.clearFlags ?? 0);
  }

  private clientData(type: string, challenge: string, origin: string, tamper: Tamper): Buffer {
    const data: Record<string, unknown> = { type: tamper.type ?? type, challenge: tamper.challenge ?? challenge, origin: tamper.origin ?? origin, crossOrigin: tamper.topOrigin !== undefined };
    if (tamper.topOrigin !== undefined) data.topOrigin = tamper.topOrigin;
    return Buffer.from(JSON.stringify(data), 'utf8');
  }

  /** navigator.credentials.create() on `origin`: makes a discoverable credential and returns the browser's JSON. */
  create(options: PublicKeyCredentialCreationOptionsJSON, origin: string, tamper: Tamper = {}): RegistrationResponseJSON {
    const rpId = options.rp.id!;
    for (const excluded of options.excludeCredentials ?? []) {
      if (this.credentials.some((c) => b64url(c.id) === excluded.id)) throw Object.assign(new Error('The authenticator already holds one of the excluded credentials'), { name: 'InvalidStateError' });
    }
    if (!options.pubKeyCredParams.some((p) => p.alg === this.options.alg) && this.options.alg !== -8) throw Object.assign(new Error('No supported algorithm'), { name: 'NotSupportedError' });
    const { privateKey, cose, spki } = makeKey(this.options.alg);
    const cred: StoredCredential = { id: tamper.credentialId ?? randomBytes(32), rpId, userHandle: options.user.id, alg: this.options.alg, privateKey, cose, spki, counter: 0 };
    const aaguid = Buffer.from(this.aaguid.replace(/-/g, ''), 'hex');
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(cred.id.length);
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(tamper.counter ?? 0);
    const authData = Buffer.concat([sha256(tamper.rpIdHashOf ?? rpId), Buffer.from([this.flags(FLAG.AT, tamper)]), counter, aaguid, idLength, cred.id, cose]);
    const attestationObject = encodeCbor(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    this.credentials.push(cred);
    return {
      id: b64url(cred.id),
      rawId: b64url(cred.id),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: { credProps: { rk: true } },
      response: {
        clientDataJSON: b64url(this.clientData('webauthn.create', options.challenge, origin, tamper)),
        attestationObject: b64url(attestationObject),
        authenticatorData: b64url(authData),
        transports: this.options.transports,
        publicKeyAlgorithm: this.options.alg,
        publicKey: b64url(cred.spki),
      },
    };
  }

  /**
   * navigator.credentials.get() on `origin`: signs with a credential for the
   * options' RP id (one in allowCredentials when given; else `pick`, else the
   * newest discoverable one) and returns the browser's JSON.
   */
  get(options: PublicKeyCredentialRequestOptionsJSON, origin: string, tamper: Tamper = {}, pick?: string): AuthenticationResponseJSON {
    const allowed = (options.allowCredentials ?? []).map((c) => c.id);
    const candidates = this.credentials.filter((c) => c.rpId === options.rpId && (allowed.length === 0 || allowed.includes(b64url(c.id))) && (!pick || b64url(c.id) === pick));
    const cred = candidates.at(-1);
    if (!cred) throw Object.assign(new Error('No credential for this RP id'), { name: 'NotAllowedError' });
    return this.assert(cred, options.challenge, origin, tamper);
  }

  /** Signs an assertion with a given credential regardless of RP id or allowCredentials (what a malicious client can do). */
  assert(cred: StoredCredential, challenge: string, origin: string, tamper: Tamper = {}): AuthenticationResponseJSON {
    cred.counter += this.options.counterStep;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(tamper.counter ?? cred.counter);
    const authData = Buffer.concat([sha256(tamper.rpIdHashOf ?? cred.rpId), Buffer.from([this.flags(0, tamper)]), counter]);
    const clientDataJSON = this.clientData('webauthn.get', challenge, origin, tamper);
    const signature = signWith(tamper.signWith ?? cred.privateKey, cred.alg, Buffer.concat([authData, sha256(clientDataJSON)]));
    const userHandle = tamper.userHandle === undefined ? cred.userHandle : tamper.userHandle;
    return {
      id: b64url(cred.id),
      rawId: b64url(cred.id),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authData), signature: b64url(signature), ...(userHandle !== null ? { userHandle } : {}) },
    };
  }
}
