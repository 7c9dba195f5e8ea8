import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isKeyledgerError } from '../../platform/errors.ts';
import {
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

  it('hashes the normalized code with SHA-256, so every typed form matches the stored hash', () => {
    const [code] = generateRecoveryCodes(1);
    const stored = hashRecoveryCode(code);
    expect(stored).toBe(createHash('sha256').update(code.replace('-', '')).digest('hex'));
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    for (const typed of [code.toLowerCase(), code.replace('-', ''), code.replace('-', ' '), ` ${code.toLowerCase().replace('-', '  ')} `]) {
      expect(hashRecoveryCode(typed)).toBe(stored);
    }
    // Fixed vector, computed with coreutils: printf 'ABCDEFGHJK' | sha256sum
    expect(hashRecoveryCode('abcde-fghjk')).toBe('f57cbf1e3e471b25db4b8ad0844df41b2dae9c7d1944944d128e49294d412f66');
    expect(hashRecoveryCode('ABCDE-FGHJL')).not.toBe(hashRecoveryCode('ABCDE-FGHJK'));
  });

  it('tells well-formed input from garbage before any lookup', () => {
    expect(isWellFormedRecoveryCode('abcde fghjk')).toBe(true);
    for (const bad of ['', 'ABCDE-FGHJ', 'ABCDE-FGHJKL', 'ABCDE-FGH0K', 'ABCDE-FGHIK', 'ABCDE-FGH1K', 'ABCDE_FGHJK', 'ABCDE-FGHJ\u00c9']) {
      expect(isWellFormedRecoveryCode(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
