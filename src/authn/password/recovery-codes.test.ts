import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isKeyledgerError } from '../../platform/errors.ts';
import { thrown } from '../../../test/support/thrown.ts';
import {
  deriveRecoveryCodeKey,
  generateRecoveryCodes,
  hashRecoveryCode,
  isWellFormedRecoveryCode,
  normalizeRecoveryCode,
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_LENGTH,
} from './recovery-codes.ts';

const FORMAT = /^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{5}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{5}$/;

describe('recovery-codes', () => {
  it('uses a 32-symbol alphabet without 0, O, 1, l or I', () => {
    expect(RECOVERY_CODE_ALPHABET).toHaveLength(32);
    expect(new Set(RECOVERY_CODE_ALPHABET).size).toBe(32);
    for (const ambiguous of ['0', 'O', '1', 'l', 'I']) expect(RECOVERY_CODE_ALPHABET).not.toContain(ambiguous);
    expect(RECOVERY_CODE_LENGTH * Math.log2(RECOVERY_CODE_ALPHABET.length)).toBe(50);
  });

  it('generates ten codes by default, formatted XXXXX-XXXXX', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(FORMAT);
    expect(generateRecoveryCodes(1)).toHaveLength(1);
    expect(generateRecoveryCodes(100)).toHaveLength(100);
  });

  it('never repeats a code over many generations, and uses every symbol in every position', () => {
    const seen = new Set<string>();
    const symbolsAt = Array.from({ length: RECOVERY_CODE_LENGTH }, () => new Set<string>());
    for (let i = 0; i < 2_000; i += 1) {
      for (const code of generateRecoveryCodes(10)) {
        expect(seen.has(code)).toBe(false);
        seen.add(code);
        [...code.replace('-', '')].forEach((symbol, position) => symbolsAt[position].add(symbol));
      }
    }
    expect(seen.size).toBe(20_000);
    for (const symbols of symbolsAt) expect(symbols.size).toBe(32);
  });

  it('refuses counts outside 1..100', () => {
    for (const count of [0, -1, 101, 2.5, Number.NaN]) {
      let thrown: unknown;
      try {
        generateRecoveryCodes(count);
      } catch (err) {
        thrown = err;
      }
      expect(isKeyledgerError(thrown) && thrown.code, String(count)).toBe('config.invalid');
    }
  });

  it('normalizes case, spaces, missing or odd dashes and full-width forms to one form', () => {
    const canonical = 'ABCDEFGHJK';
    for (const typed of ['ABCDE-FGHJK', 'abcde-fghjk', 'abcdefghjk', 'abcde fghjk', ' ABCDE  FGHJK\n', 'ab-cde-fg hjk', 'ABCDE\u2013FGHJK', '\uFF21\uFF22\uFF23\uFF24\uFF25-\uFF26\uFF27\uFF28\uFF2A\uFF2B']) {
      expect(normalizeRecoveryCode(typed), JSON.stringify(typed)).toBe(canonical);
    }
  });

  const MASTER = Buffer.alloc(32, 0x11);
  const KEY = deriveRecoveryCodeKey(MASTER);

  it('derives its key from the master key with HMAC-SHA-256 under a fixed label', () => {
    expect(KEY).toEqual(createHmac('sha256', MASTER).update('keyledger:recovery-codes').digest());
    // Fixed vector, computed with OpenSSL: printf 'keyledger:recovery-codes' | openssl dgst -sha256 -mac HMAC -macopt hexkey:1111…11
    expect(KEY.toString('hex')).toBe('b0f82393f37f179c22ecda42c330957d5457474d608eb21d5eb47de65c1aa186');
    expect(deriveRecoveryCodeKey(Buffer.alloc(32, 0x12))).not.toEqual(KEY);
    for (const bad of [Buffer.alloc(16), 'key' as unknown as Buffer]) {
      expect(isKeyledgerError(thrown(() => deriveRecoveryCodeKey(bad))) && 'config.invalid').toBe('config.invalid');
    }
  });

  it('hashes the normalized code with HMAC-SHA-256 under the key and the user id, so every typed form matches the stored hash', () => {
    const [code] = generateRecoveryCodes(1);
    const stored = hashRecoveryCode(KEY, 'user-1', code);
    expect(stored).toBe(createHmac('sha256', KEY).update(`user-1\0${code.replace('-', '')}`).digest('hex'));
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    for (const typed of [code.toLowerCase(), code.replace('-', ''), code.replace('-', ' '), ` ${code.toLowerCase().replace('-', '  ')} `]) {
      expect(hashRecoveryCode(KEY, 'user-1', typed)).toBe(stored);
    }
    // Fixed vectors, computed with OpenSSL: printf 'user-1\0ABCDEFGHJK' | openssl dgst -sha256 -mac HMAC -macopt hexkey:<KEY>
    expect(hashRecoveryCode(KEY, 'user-1', 'abcde-fghjk')).toBe('d691bef2195e9f22d6c7b08196175ff5b70c63185490d26e48117c04ed7fe729');
    expect(hashRecoveryCode(KEY, 'user-2', 'abcde-fghjk')).toBe('e40b871ff9d65899a0c5516be3277ac24d29b0f62233a72ae7ca65e2524c85e2');
    expect(hashRecoveryCode(KEY, 'user-1', 'ABCDE-FGHJL')).not.toBe(hashRecoveryCode(KEY, 'user-1', 'ABCDE-FGHJK'));
    // Another key (another installation's master key) gives unrelated hashes: a stolen database alone cannot be searched.
    expect(hashRecoveryCode(deriveRecoveryCodeKey(Buffer.alloc(32, 0x12)), 'user-1', 'ABCDE-FGHJK')).not.toBe(hashRecoveryCode(KEY, 'user-1', 'ABCDE-FGHJK'));
  });

  it('refuses an empty user id or one containing NUL', () => {
    for (const bad of ['', 'a\0b']) {
      const err = thrown(() => hashRecoveryCode(KEY, bad, 'ABCDE-FGHJK'));
      expect(isKeyledgerError(err) && err.code).toBe('config.invalid');
    }
  });

  it('tells well-formed input from garbage before any lookup', () => {
    expect(isWellFormedRecoveryCode('abcde fghjk')).toBe(true);
    for (const bad of ['', 'ABCDE-FGHJ', 'ABCDE-FGHJKL', 'ABCDE-FGH0K', 'ABCDE-FGHIK', 'ABCDE-FGH1K', 'ABCDE_FGHJK', 'ABCDE-FGHJ\u00c9']) {
      expect(isWellFormedRecoveryCode(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
