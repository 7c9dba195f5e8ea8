import { hash as argon2Hash, hashRaw as argon2HashRaw, type Algorithm } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { isKeyledgerError } from '../../platform/errors.ts';
import { PasswordError } from './errors.ts';
import { createPasswordHasher, OWASP_ARGON2ID, parsePasswordHash, type Argon2idParams } from './password-hasher.ts';

const LOW: Argon2idParams = { memoryCost: 256, timeCost: 1, parallelism: 1, outputLen: 32 };
const ARGON2ID = 2 as Algorithm;

// Argon2id vectors from the reference implementation, P-H-C/phc-winner-argon2
// src/test.c (commit f57e61e, 2021): password "password", salt "somesalt".
// RFC 9106 §5.3's argon2id vector needs associated data ("X"), which
// @node-rs/argon2 does not accept, so it cannot be reproduced here.
const REFERENCE = [
  { phc: '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', hex: '09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7', m: 65536, t: 2, p: 1 },
  { phc: '$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4', hex: '9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe', m: 256, t: 2, p: 1 },
  { phc: '$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc', hex: '6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037', m: 256, t: 2, p: 2 },
];

function expectHashInvalid(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(PasswordError);
    expect(err).toMatchObject({ code: 'authn.password_hash_invalid', status: 500, expose: false });
    return;
  }
  throw new Error('expected authn.password_hash_invalid');
}


describe('password-hasher', () => {
  const hasher = createPasswordHasher();

  it('writes argon2id at the OWASP parameters, with a 16-byte salt and a 32-byte tag', async () => {
    const encoded = await hasher.hash('correct horse battery staple');
    expect(encoded.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    const parsed = parsePasswordHash(encoded);
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.hash).toHaveLength(32);
    expect(hasher.params).toEqual(OWASP_ARGON2ID);
  });

  it('takes only the cost fields from its parameters, so a stray salt cannot fix every hash', async () => {
    const withSalt = { ...LOW, salt: Buffer.from('somesaltsomesalt') } as Argon2idParams;
    const sloppy = createPasswordHasher(withSalt);
    expect(sloppy.params).toEqual(LOW);
    expect(await sloppy.hash('pw')).not.toBe(await sloppy.hash('pw'));
  });

  it('verifies the password it hashed, and a fresh salt each time', async () => {
    const a = await hasher.hash('a long enough passphrase');
    const b = await hasher.hash('a long enough passphrase');
    expect(a).not.toBe(b);
    expect(await hasher.verify(a, 'a long enough passphrase')).toEqual({ ok: true, needsRehash: false });
    expect(await hasher.verify(b, 'a long enough passphrase')).toEqual({ ok: true, needsRehash: false });
  });

  it('refuses a wrong password, and never asks for a rehash on failure', async () => {
    const encoded = await hasher.hash('a long enough passphrase');
    expect(await hasher.verify(encoded, 'a long enough passphrasE')).toEqual({ ok: false, needsRehash: false });
    expect(await hasher.verify(encoded, '')).toEqual({ ok: false, needsRehash: false });
    const low = await createPasswordHasher(LOW).hash('pw');
    expect(await hasher.verify(low, 'not pw')).toEqual({ ok: false, needsRehash: false });
  });

  it('treats NFC and NFD spellings of the same password as one (NFKC before hashing)', async () => {
    const encoded = await hasher.hash('caf\u00e9 au lait, s\u2019il vous pla\u00eet');
    expect((await hasher.verify(encoded, 'cafe\u0301 au lait, s\u2019il vous plai\u0302t')).ok).toBe(true);
  });

  it('asks for a rehash when the stored parameters differ from the current ones', async () => {
    const low = await createPasswordHasher(LOW).hash('pw');
    expect(low.startsWith('$argon2id$v=19$m=256,t=1,p=1$')).toBe(true);
    expect(await hasher.verify(low, 'pw')).toEqual({ ok: true, needsRehash: true });
    expect(await createPasswordHasher(LOW).verify(low, 'pw')).toEqual({ ok: true, needsRehash: false });
    const stronger = await createPasswordHasher({ ...OWASP_ARGON2ID, timeCost: 3 }).hash('pw');
    expect(await hasher.verify(stronger, 'pw')).toEqual({ ok: true, needsRehash: true });
    const longerTag = await createPasswordHasher({ ...OWASP_ARGON2ID, memoryCost: 256, outputLen: 64 }).hash('pw');
    expect(await createPasswordHasher({ ...OWASP_ARGON2ID, memoryCost: 256 }).verify(longerTag, 'pw')).toEqual({ ok: true, needsRehash: true });
  });

  it('asks for a rehash of argon2i, argon2d and short-salt hashes', async () => {
    const argon2i = await argon2Hash('pw', { ...LOW, algorithm: 1 as Algorithm });
    expect(argon2i.startsWith('$argon2i$')).toBe(true);
    const low = createPasswordHasher(LOW);
    expect(await low.verify(argon2i, 'pw')).toEqual({ ok: true, needsRehash: true });
    const shortSalt = await argon2Hash('pw', { ...LOW, algorithm: ARGON2ID, salt: Buffer.from('somesalt') });
    expect(await low.verify(shortSalt, 'pw')).toEqual({ ok: true, needsRehash: true });
  });

  it('matches the reference implementation vectors byte for byte', async () => {
    for (const v of REFERENCE) {
      const params = { memoryCost: v.m, timeCost: v.t, parallelism: v.p, outputLen: 32, algorithm: ARGON2ID, salt: Buffer.from('somesalt') };
      expect((await argon2HashRaw('password', params)).toString('hex')).toBe(v.hex);
      expect(await argon2Hash('password', params)).toBe(v.phc);
      const parsed = parsePasswordHash(v.phc);
      expect(parsed).toMatchObject({ algorithm: 'argon2id', version: 19, memoryCost: v.m, timeCost: v.t, parallelism: v.p });
      expect(parsed.salt.toString()).toBe('somesalt');
      expect(parsed.hash.toString('hex')).toBe(v.hex);
      expect(await hasher.verify(v.phc, 'password')).toEqual({ ok: true, needsRehash: true });
      expect(await hasher.verify(v.phc, 'passworD')).toEqual({ ok: false, needsRehash: false });
    }
  });

  it('refuses tampered reference strings: flipped tag bit, swapped salt, edited parameter', async () => {
    const ref = REFERENCE[1].phc;
    const tag = Buffer.from('nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4', 'base64');
    tag[0] ^= 1;
    const flipped = ref.replace('nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4', tag.toString('base64').replace(/=+$/, ''));
    expect((await hasher.verify(flipped, 'password')).ok).toBe(false);
    expect((await hasher.verify(ref.replace('c29tZXNhbHQ', 'ZGlmZnNhbHQ'), 'password')).ok).toBe(false);
    expect((await hasher.verify(ref.replace('t=2', 't=3'), 'password')).ok).toBe(false);
  });

  it('refuses malformed stored hashes with authn.password_hash_invalid', async () => {
    const good = REFERENCE[1].phc;
    const malformed = [
      '',
      'password',
      '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
      good.slice(0, 40),
      ` ${good}`,
      `${good}\n`,
      good.replace('$argon2id$', '$argon2x$'),
      good.replace('$argon2id$', '$Argon2id$'),
      good.replace('v=19$', ''),
      good.replace('v=19', 'v=18'),
      good.replace('m=256,t=2,p=1', 't=2,m=256,p=1'),
      good.replace('m=256,t=2,p=1', 'm=256,t=2,p=1,keyid=abc'),
      good.replace('m=256', 'm=0256'),
      good.replace('m=256', 'm=-256'),
      good.replace('m=256', 'm=4'),
      good.replace('m=256', 'm=99999999999'),
      good.replace('m=256', 'm=2097152'),
      good.replace('t=2', 't=0'),
      good.replace('t=2', 't=65'),
      good.replace('p=1', 'p=0'),
      good.replace('p=1', 'p=1000'),
      good.replace('c29tZXNhbHQ', 'c29tZXNhbHQ='),
      good.replace('c29tZXNhbHQ', 'c29tZXNhbHR'),
      good.replace('c29tZXNhbHQ', 'c29tZX'),
      good.replace('c29tZXNhbHQ', 'c29t_XNhbHQ'),
      good.replace('/4', '/4='),
      good.replace('nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4', 'nf65'),
      `${good}$extra`,
    ];
    for (const encoded of malformed) {
      expectHashInvalid(() => parsePasswordHash(encoded));
      await expect(hasher.verify(encoded, 'password'), JSON.stringify(encoded)).rejects.toMatchObject({ code: 'authn.password_hash_invalid' });
    }
    await expect(hasher.verify(null as unknown as string, 'password')).rejects.toBeInstanceOf(PasswordError);
  });

  it('refuses hasher parameters outside what it can later verify', () => {
    for (const bad of [{ memoryCost: 4 }, { timeCost: 0 }, { parallelism: 0 }, { outputLen: 8 }, { memoryCost: 19456.5 }, { timeCost: 100 }]) {
      let thrown: unknown;
      try {
        createPasswordHasher({ ...OWASP_ARGON2ID, ...bad });
      } catch (err) {
        thrown = err;
      }
      expect(isKeyledgerError(thrown) && thrown.code, JSON.stringify(bad)).toBe('config.invalid');
    }
  });

  it('dummyVerify always fails, at the default and at other parameters', async () => {
    expect(await hasher.dummyVerify('anything')).toEqual({ ok: false, needsRehash: false });
    expect(await createPasswordHasher(LOW).dummyVerify('anything')).toEqual({ ok: false, needsRehash: false });
  });
});
