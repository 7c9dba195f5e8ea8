import { URI } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { TotpConfigInvalidError } from './errors.ts';
import {
  generateTotpCode,
  generateTotpSecret,
  totpQrDataUrl,
  totpQrSvg,
  totpSecretForDisplay,
  totpSecretToBase32,
  totpStep,
  totpUri,
  verifyTotp,
  type TotpAlgorithm,
} from './totp.ts';

// RFC 6238 Appendix B. The seeds are ASCII strings; Buffer.from() of a short
// string lands in Node's shared pool, so these vectors also prove the secret
// is copied out rather than read through its (8 KiB) backing ArrayBuffer.
const SEEDS: Record<TotpAlgorithm, Buffer> = {
  SHA1: Buffer.from('12345678901234567890', 'ascii'),
  SHA256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  SHA512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
};

const RFC6238_VECTORS: Array<{ time: number; SHA1: string; SHA256: string; SHA512: string }> = [
  { time: 59, SHA1: '94287082', SHA256: '46119246', SHA512: '90693936' },
  { time: 1111111109, SHA1: '07081804', SHA256: '68084774', SHA512: '25091201' },
  { time: 1111111111, SHA1: '14050471', SHA256: '67062674', SHA512: '99943326' },
  { time: 1234567890, SHA1: '89005924', SHA256: '91819424', SHA512: '93441116' },
  { time: 2000000000, SHA1: '69279037', SHA256: '90698825', SHA512: '38618901' },
  { time: 20000000000, SHA1: '65353130', SHA256: '77737706', SHA512: '47863826' },
];

const ALGORITHMS: TotpAlgorithm[] = ['SHA1', 'SHA256', 'SHA512'];
const at = (seconds: number): Date => new Date(seconds * 1000);

describe('RFC 6238 Appendix B vectors (8 digits, 30 s)', () => {
  for (const vector of RFC6238_VECTORS) {
    for (const algorithm of ALGORITHMS) {
      const expected = vector[algorithm];
      it(`${algorithm} at T=${vector.time} is ${expected}`, () => {
        const secret = SEEDS[algorithm];
        const now = at(vector.time);
        expect(generateTotpCode({ secret, now, algorithm, digits: 8 })).toBe(expected);
        const step = Math.floor(vector.time / 30);
        expect(totpStep(now)).toBe(step);
        expect(verifyTotp({ secret, code: expected, now, lastUsedStep: null, window: 0, algorithm, digits: 8 })).toEqual({ ok: true, step });
        expect(verifyTotp({ secret, code: expected, now, lastUsedStep: null, algorithm, digits: 8 })).toEqual({ ok: true, step });
      });
    }
  }
});

describe('verifyTotp', () => {
  const secret = SEEDS.SHA1;
  const now = new Date('2026-03-14T12:00:10.000Z');
  const step = totpStep(now);
  const codeAt = (s: number, digits = 6): string => generateTotpCode({ secret, now: at(s * 30), digits });

  it('accepts the current code and returns its step', () => {
    expect(verifyTotp({ secret, code: codeAt(step), now, lastUsedStep: null })).toEqual({ ok: true, step });
  });

  it('accepts ±1 step of clock skew with the default window, returning the matched step', () => {
    expect(verifyTotp({ secret, code: codeAt(step - 1), now, lastUsedStep: null })).toEqual({ ok: true, step: step - 1 });
    expect(verifyTotp({ secret, code: codeAt(step + 1), now, lastUsedStep: null })).toEqual({ ok: true, step: step + 1 });
  });

  it('refuses codes two steps away with window 1', () => {
    expect(verifyTotp({ secret, code: codeAt(step - 2), now, lastUsedStep: null, window: 1 })).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyTotp({ secret, code: codeAt(step + 2), now, lastUsedStep: null, window: 1 })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses skewed codes with window 0 and accepts two steps with window 2', () => {
    expect(verifyTotp({ secret, code: codeAt(step - 1), now, lastUsedStep: null, window: 0 })).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyTotp({ secret, code: codeAt(step - 2), now, lastUsedStep: null, window: 2 })).toEqual({ ok: true, step: step - 2 });
  });

  it('refuses the same code a second time (replayed)', () => {
    const code = codeAt(step);
    const first = verifyTotp({ secret, code, now, lastUsedStep: null });
    expect(first).toEqual({ ok: true, step });
    const again = verifyTotp({ secret, code, now: new Date(now.getTime() + 5_000), lastUsedStep: step });
    expect(again).toEqual({ ok: false, reason: 'replayed' });
  });

  it('refuses the code of step s-1 after step s was used (replayed)', () => {
    expect(verifyTotp({ secret, code: codeAt(step - 1), now, lastUsedStep: step })).toEqual({ ok: false, reason: 'replayed' });
  });

  it('refuses the current code after a skewed future code was used (replayed)', () => {
    expect(verifyTotp({ secret, code: codeAt(step), now, lastUsedStep: step + 1 })).toEqual({ ok: false, reason: 'replayed' });
  });

  it('accepts a newer code after an older one was used', () => {
    expect(verifyTotp({ secret, code: codeAt(step), now, lastUsedStep: step - 1 })).toEqual({ ok: true, step });
  });

  it('refuses a code generated from a different secret (invalid)', () => {
    const other = Buffer.from('abcdefghijabcdefghij', 'ascii');
    const code = generateTotpCode({ secret: other, now });
    expect(code).not.toBe(codeAt(step));
    expect(verifyTotp({ secret, code, now, lastUsedStep: null })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a code generated with a different algorithm (invalid)', () => {
    const code = generateTotpCode({ secret, now, algorithm: 'SHA256' });
    expect(verifyTotp({ secret, code, now, lastUsedStep: null })).toEqual({ ok: false, reason: 'invalid' });
  });

  it.each([
    ['too short', '12345'],
    ['too long', '1234567'],
    ['a letter', '12a456'],
    ['empty', ''],
    ['only spaces', '      '],
    ['twenty digits', '12345678901234567890'],
    ['a sign', '-12345'],
    ['a plus', '+123456'],
    ['a decimal point', '12345.6'],
    ['fullwidth digits', '１２３４５６'],
    ['Arabic-Indic digits', '١٢٣٤٥٦'],
    ['a NUL byte', '123456\u0000'],
  ])('refuses %s as malformed', (_label, code) => {
    expect(verifyTotp({ secret, code, now, lastUsedStep: null })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses non-string input as malformed', () => {
    for (const code of [undefined, null, 123456, ['123456']]) {
      expect(verifyTotp({ secret, code: code as unknown as string, now, lastUsedStep: null })).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('ignores spaces inside and around the code', () => {
    const code = codeAt(step);
    expect(verifyTotp({ secret, code: ` ${code.slice(0, 3)} ${code.slice(3)} `, now, lastUsedStep: null })).toEqual({ ok: true, step });
  });

  it('reports malformed (not replayed) for a malformed code even when lastUsedStep is set', () => {
    expect(verifyTotp({ secret, code: '12a456', now, lastUsedStep: step })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('checks the digit count of 8-digit authenticators', () => {
    const code8 = codeAt(step, 8);
    expect(verifyTotp({ secret, code: code8, now, lastUsedStep: null, digits: 8 })).toEqual({ ok: true, step });
    expect(verifyTotp({ secret, code: code8.slice(2), now, lastUsedStep: null, digits: 8 })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('honours a non-default period', () => {
    const code = generateTotpCode({ secret, now, period: 60 });
    expect(verifyTotp({ secret, code, now, lastUsedStep: null, period: 60 })).toEqual({ ok: true, step: totpStep(now, 60) });
  });

  it('does not look at steps before the epoch', () => {
    const code = generateTotpCode({ secret, now: at(0) });
    expect(verifyTotp({ secret, code, now: at(0), lastUsedStep: null })).toEqual({ ok: true, step: 0 });
    expect(verifyTotp({ secret, code, now: at(0), lastUsedStep: 0 })).toEqual({ ok: false, reason: 'replayed' });
  });

  // Found by scanning steps of the SHA1 seed: two consecutive steps share a code.
  describe('when one code matches two steps in the window', () => {
    const first = 59061240;
    const shared = '963181';
    const inMiddle = at((first + 1) * 30 + 10);

    it('the fixture really is a collision', () => {
      expect(codeAt(first)).toBe(shared);
      expect(codeAt(first + 1)).toBe(shared);
    });

    it('returns the newest matching step, so the code cannot be replayed against the other', () => {
      const result = verifyTotp({ secret, code: shared, now: inMiddle, lastUsedStep: null });
      expect(result).toEqual({ ok: true, step: first + 1 });
      expect(verifyTotp({ secret, code: shared, now: inMiddle, lastUsedStep: first + 1 })).toEqual({ ok: false, reason: 'replayed' });
    });

    it('examines every candidate: the later match is found after the earlier one', () => {
      expect(verifyTotp({ secret, code: shared, now: inMiddle, lastUsedStep: first })).toEqual({ ok: true, step: first + 1 });
    });
  });

  it.each([
    ['window -1', { window: -1 }],
    ['window 1.5', { window: 1.5 }],
    ['window 11', { window: 11 }],
    ['digits 5', { digits: 5 }],
    ['digits 9', { digits: 9 }],
    ['period 0', { period: 0 }],
    ['period 29.5', { period: 29.5 }],
    ['algorithm MD5', { algorithm: 'MD5' as TotpAlgorithm }],
    ['lastUsedStep -1', { lastUsedStep: -1 }],
    ['lastUsedStep NaN', { lastUsedStep: Number.NaN }],
    ['lastUsedStep 1.5', { lastUsedStep: 1.5 }],
    ['an invalid date', { now: new Date('not a date') }],
    ['a pre-epoch date', { now: new Date('1969-12-31T23:59:59Z') }],
    ['a 15-byte secret', { secret: Buffer.alloc(15, 1) }],
    ['a string secret', { secret: '12345678901234567890' as unknown as Buffer }],
  ])('throws TotpConfigInvalidError for %s', (_label, override) => {
    const call = () => verifyTotp({ secret, code: '123456', now, lastUsedStep: null, ...override });
    expect(call).toThrow(TotpConfigInvalidError);
    expect(call).toThrow(expect.objectContaining({ code: 'authn.totp_config_invalid', status: 500, expose: false }));
  });
});

describe('generateTotpSecret and base32', () => {
  it('returns 20 fresh random bytes as a Buffer', () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    expect(Buffer.isBuffer(a)).toBe(true);
    expect(a).toHaveLength(20);
    expect(a.equals(b)).toBe(false);
  });

  it('encodes RFC 4648 base32 without padding', () => {
    expect(totpSecretToBase32(SEEDS.SHA1)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(totpSecretToBase32(generateTotpSecret())).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('groups the base32 secret in fours for display', () => {
    expect(totpSecretForDisplay(SEEDS.SHA1)).toBe('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
    expect(totpSecretForDisplay(Buffer.alloc(16, 0xff))).toBe('7777 7777 7777 7777 7777 7777 74');
  });

  it('refuses secrets under 128 bits', () => {
    expect(() => totpSecretToBase32(Buffer.alloc(10))).toThrow(TotpConfigInvalidError);
  });
});

describe('totpUri', () => {
  const secret = SEEDS.SHA1;

  it('puts the issuer in the label and the parameter, percent-encoded', () => {
    const uri = totpUri({ secret, issuer: 'Keyledger Corp', accountName: 'alice@example.com' });
    expect(uri).toBe(
      'otpauth://totp/Keyledger%20Corp:alice%40example.com?issuer=Keyledger%20Corp&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30',
    );
    expect(uri).not.toMatch(/[ +@]/);
  });

  it.each([
    ['plain', 'Keyledger', 'alice'],
    ['spaces and @', 'Acme Corp', 'Alice Smith <alice@acme.example>'],
    ['a colon in the account name', 'Acme', 'ops:alice@acme.example'],
    ['URI metacharacters', 'Acme & Sons?', 'a/b#c%d=e&f+g'],
    ['non-ASCII', 'Société Générale', 'zoë@exämple.fr'],
  ])('round-trips through OTPAuth.URI.parse (%s)', (_label, issuer, accountName) => {
    for (const params of [{}, { algorithm: 'SHA512' as const, digits: 8, period: 60 }]) {
      const uri = totpUri({ secret, issuer, accountName, ...params });
      const parsed = URI.parse(uri);
      expect(parsed.constructor.name).toBe('TOTP');
      expect(parsed).toMatchObject({
        issuer,
        label: accountName,
        issuerInLabel: true,
        algorithm: params.algorithm ?? 'SHA1',
        digits: params.digits ?? 6,
        period: params.period ?? 30,
      });
      expect(Buffer.from(parsed.secret.bytes).equals(secret)).toBe(true);
    }
  });

  it.each([
    ['an issuer with a colon', { issuer: 'Acme: EU' }],
    ['an empty issuer', { issuer: '' }],
    ['a blank issuer', { issuer: '   ' }],
    ['an empty account name', { accountName: '' }],
    ['a short secret', { secret: Buffer.alloc(8) }],
    ['digits 10', { digits: 10 }],
  ])('refuses %s', (_label, override) => {
    expect(() => totpUri({ secret, issuer: 'Acme', accountName: 'alice', ...override })).toThrow(TotpConfigInvalidError);
  });
});

describe('QR codes', () => {
  const uri = totpUri({ secret: SEEDS.SHA1, issuer: 'Keyledger', accountName: 'alice@example.com' });

  it('draws an SVG', async () => {
    const svg = await totpQrSvg(uri);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.length).toBeGreaterThan(1000);
  });

  it('draws a PNG data URL', async () => {
    const url = await totpQrDataUrl(uri);
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    const png = Buffer.from(url.slice('data:image/png;base64,'.length), 'base64');
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(png.length).toBeGreaterThan(200);
  });

  it('refuses anything but an otpauth://totp/ URI', async () => {
    await expect(totpQrSvg('https://evil.example/')).rejects.toThrow(TotpConfigInvalidError);
    await expect(totpQrDataUrl('otpauth://hotp/x?secret=AAAA&counter=0')).rejects.toThrow(TotpConfigInvalidError);
  });
});
