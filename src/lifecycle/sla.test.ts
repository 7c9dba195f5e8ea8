import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/thrown.ts';
import { judgeRemoval, readDeprovisioningSla, slaDeadline } from './sla.ts';
import { csvField, leaversCsv } from './leavers-report.ts';

describe('the deprovisioning SLA', () => {
  it('reads the organization setting: 24 hours by default, integers 1 to 720', () => {
    expect(readDeprovisioningSla({})).toBe(24);
    expect(readDeprovisioningSla(null)).toBe(24);
    expect(readDeprovisioningSla({ deprovisioningSlaHours: 1 })).toBe(1);
    expect(readDeprovisioningSla({ deprovisioningSlaHours: 720 })).toBe(720);
    for (const bad of [0, 721, -1, 1.5, '24', null, true]) expect({ bad, code: codeOf(() => readDeprovisioningSla({ deprovisioningSlaHours: bad })) }).toEqual({ bad, code: 'organization.settings_invalid' });
  });

  it('judges a removal exactly at the deadline within, a second later breached', () => {
    const t = '2026-05-01T00:00:00.000Z';
    expect(judgeRemoval(t, '2026-05-02T00:00:00.000Z', 24)).toEqual({ elapsedSeconds: 86_400, slaHours: 24, withinSla: true });
    expect(judgeRemoval(t, '2026-05-02T00:00:01.000Z', 24)).toEqual({ elapsedSeconds: 86_401, slaHours: 24, withinSla: false });
    expect(judgeRemoval(t, '2026-05-01T00:00:00.999Z', 24)).toEqual({ elapsedSeconds: 0, slaHours: 24, withinSla: true });
    // A removal before the announced termination counts as immediate.
    expect(judgeRemoval('2026-05-03T00:00:00.000Z', '2026-05-01T00:00:00.000Z', 1)).toEqual({ elapsedSeconds: 0, slaHours: 1, withinSla: true });
    expect(slaDeadline(t, 24)).toBe('2026-05-02T00:00:00.000Z');
  });
});

describe('the leavers CSV', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx']) expect(csvField(formula)).toBe(`'${formula}`);
    expect(leaversCsv([])).toBe('user_id,email,employee_number,source,source_ref,terminated_at,access_removed_at,elapsed_seconds,sla_hours,verdict,reactivated_at\r\n');
  });
});
