import { describe, expect, it } from 'vitest';
import { parseHrEvent } from './hr-event.ts';
import { KeyledgerError } from '../platform/errors.ts';

const good = { id: 'evt-1', type: 'employee.terminated', employeeId: 'E1', effectiveAt: '2026-05-01T09:00:00+02:00' };
const parse = (v: unknown) => parseHrEvent(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));
function refusal(v: unknown): { code: string; field: unknown } {
  try {
    parse(v);
  } catch (err) {
    if (err instanceof KeyledgerError) return { code: err.code, field: (err.details as { field?: unknown }).field };
    throw err;
  }
  throw new Error('accepted');
}

describe('HR event payloads', () => {
  it('reads a well-formed event and normalizes its time to UTC', () => {
    expect(parse(good)).toEqual({ ...good, effectiveAt: '2026-05-01T07:00:00.000Z' });
    expect(parse({ ...good, type: 'employee.rehired', effectiveAt: '2026-05-01T09:00:00.123456Z' }).effectiveAt).toBe('2026-05-01T09:00:00.123Z');
  });

  it('refuses anything else, naming the field', () => {
    const cases: Array<[unknown, string]> = [
      ['', 'body'],
      ['{', 'body'],
      ['null', 'body'],
      ['[]', 'body'],
      ['"text"', 'body'],
      [{ ...good, extra: 1 }, 'extra'],
      [{ ...good, id: '' }, 'id'],
      [{ ...good, id: 'x'.repeat(201) }, 'id'],
      [{ ...good, id: 5 }, 'id'],
      [{ ...good, type: 'employee.hired' }, 'type'],
      [{ ...good, employeeId: '' }, 'employeeId'],
      [{ ...good, employeeId: 7 }, 'employeeId'],
      [{ ...good, employeeId: 'e'.repeat(65) }, 'employeeId'],
      [{ ...good, effectiveAt: '2026-05-01' }, 'effectiveAt'],
      [{ ...good, effectiveAt: '2026-05-01T09:00:00' }, 'effectiveAt'],
      [{ ...good, effectiveAt: '2026-13-45T09:00:00Z' }, 'effectiveAt'],
      [{ ...good, effectiveAt: 1714550400 }, 'effectiveAt'],
    ];
    for (const [value, field] of cases) expect({ value, ...refusal(value) }).toEqual({ value, code: 'lifecycle.event_invalid', field });
  });
});
