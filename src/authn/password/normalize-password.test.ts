import { describe, expect, it } from 'vitest';
import { countPasswordCodePoints, normalizePassword } from './normalize-password.ts';

describe('normalize-password', () => {
  it('composes combining marks, so NFC and NFD spellings are one password', () => {
    expect(normalizePassword('cafe\u0301')).toBe('caf\u00e9');
    expect(normalizePassword('caf\u00e9')).toBe('caf\u00e9');
  });

  it('folds compatibility characters (ligatures, full-width, superscripts)', () => {
    expect(normalizePassword('\uFB01ne')).toBe('fine');
    expect(normalizePassword('\uFF30\uFF57\uFF44')).toBe('Pwd');
    expect(normalizePassword('x\u00B2')).toBe('x2');
  });

  it('changes nothing else: case, spaces and symbols stay', () => {
    const password = '  Two  Spaces\tTab !@#$%^&*() ';
    expect(normalizePassword(password)).toBe(password);
  });

  it('counts code points, not UTF-16 units, after normalization', () => {
    expect(countPasswordCodePoints('\u{1F98A}\u{1F419}')).toBe(2);
    expect(countPasswordCodePoints('e\u0301')).toBe(1);
    expect(countPasswordCodePoints('\uFB01')).toBe(2);
    expect(countPasswordCodePoints('')).toBe(0);
    // A ZWJ emoji sequence is several code points, as NIST counts them.
    expect(countPasswordCodePoints('\u{1F469}\u200D\u{1F4BB}')).toBe(3);
  });
});
