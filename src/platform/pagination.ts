import { KeyledgerError } from './errors.ts';

/**
 * Opaque cursors: base64url of `<kind>:<value>`. A cursor from another endpoint
 * (another kind) or a forged one is refused with `pagination.invalid_cursor`.
 */
export function encodeCursor(kind: string, value: string | number): string {
  return Buffer.from(`${kind}:${value}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, kind: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const prefix = `${kind}:`;
  const value = text.startsWith(prefix) ? text.slice(prefix.length) : '';
  if (value.length === 0 || value.length > 200) throw new KeyledgerError('pagination.invalid_cursor', `cursor "${cursor.slice(0, 40)}" was not issued by this list`);
  if (kind === 'seq' && !/^\d+$/.test(value)) throw new KeyledgerError('pagination.invalid_cursor', `cursor "${cursor.slice(0, 40)}" was not issued by this list`);
  return value;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
