import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/thrown.ts';
import { parseSignatureHeader, signHrEvent, verifyHrSignature } from './hr-signature.ts';

const SECRET = 'kl_hr_test-secret';
const NOW = new Date('2026-05-01T12:00:00.000Z');
const T = NOW.getTime() / 1000;
const BODY = Buffer.from('{"id":"evt-1","type":"employee.terminated","employeeId":"E1","effectiveAt":"2026-05-01T09:00:00Z"}');

describe('HR webhook signatures', () => {
  it('signs HMAC-SHA256 over "t." and the raw body, as openssl would', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY.toString()}`).digest('hex');
    expect(signHrEvent(SECRET, T, BODY)).toBe(expected);
    // A fixed vector computed with openssl (docs/lifecycle.md shows the command), so a change of the scheme shows.
    expect(signHrEvent(SECRET, T, BODY)).toBe('e8fa2b49ba23402ad0d36fad89cf1321007bfc26d11eadd76cd8165a43b43355');
  });

  it('accepts a matching signature within five minutes either way, by any of the given secrets', () => {
    for (const skew of [-300, 0, 300]) {
      const t = T + skew;
      expect(() => verifyHrSignature(`t=${t},v1=${signHrEvent(SECRET, t, BODY)}`, BODY, [SECRET], NOW)).not.toThrow();
    }
    expect(() => verifyHrSignature(`t=${T},v1=${signHrEvent('old', T, BODY)}`, BODY, [SECRET, 'old'], NOW)).not.toThrow();
    expect(() => verifyHrSignature(`t=${T}, v1=${'0'.repeat(64)}, v1=${signHrEvent(SECRET, T, BODY)}, v0=zz`, BODY, [SECRET], NOW)).not.toThrow();
  });

  it('refuses a stale or future timestamp before looking at the signature', () => {
    for (const skew of [-301, 301, -600]) {
      const t = T + skew;
      expect(codeOf(() => verifyHrSignature(`t=${t},v1=${signHrEvent(SECRET, t, BODY)}`, BODY, [SECRET], NOW))).toBe('lifecycle.timestamp_outside_window');
    }
  });

  it('refuses tampered bodies, other secrets, other timestamps and flipped bits', () => {
    const good = signHrEvent(SECRET, T, BODY);
    const flipped = (good[0] === 'a' ? 'b' : 'a') + good.slice(1);
    const cases: Array<[string, string, Buffer, string[]]> = [
      ['body changed', `t=${T},v1=${good}`, Buffer.from(BODY.toString().replace('E1', 'E2')), [SECRET]],
      ['body truncated', `t=${T},v1=${good}`, BODY.subarray(0, BODY.length - 1), [SECRET]],
      ['other secret', `t=${T},v1=${good}`, BODY, ['kl_hr_other']],
      ['no secret', `t=${T},v1=${good}`, BODY, []],
      ['timestamp moved by one', `t=${T + 1},v1=${good}`, BODY, [SECRET]],
      ['bit flipped', `t=${T},v1=${flipped}`, BODY, [SECRET]],
    ];
    for (const [label, header, body, secrets] of cases) expect({ label, code: codeOf(() => verifyHrSignature(header, body, secrets, NOW)) }).toEqual({ label, code: 'lifecycle.signature_invalid' });
  });

  it('parses only well-formed headers', () => {
    expect(parseSignatureHeader(`t=${T},v1=${'a'.repeat(64)}`)).toEqual({ timestamp: T, signatures: [Buffer.from('a'.repeat(64), 'hex')] });
    for (const bad of [undefined, '', `v1=${'a'.repeat(64)}`, `t=${T}`, `t=abc,v1=${'a'.repeat(64)}`, `t=${T},t=${T},v1=${'a'.repeat(64)}`, `t=${T},v1=${'a'.repeat(63)}`, `t=${T},v1=${'g'.repeat(64)}`, `t=-5,v1=${'a'.repeat(64)}`, `t=${T},v1=${'a'.repeat(64)},${'x'.repeat(1100)}`]) {
      expect({ bad, code: codeOf(() => parseSignatureHeader(bad)) }).toEqual({ bad, code: 'lifecycle.signature_invalid' });
    }
  });
});
