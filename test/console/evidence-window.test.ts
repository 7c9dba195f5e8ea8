import { describe, expect, it } from 'vitest';
import { describeWindow, last90Days, lastQuarter, windowFor } from '../../console/src/pages/evidence/window.ts';
import { parseSamples } from '../../console/src/pages/evidence/samples.ts';

describe('console evidence windows', () => {
  it('last quarter is the previous calendar quarter in UTC, across a year boundary too', () => {
    expect(lastQuarter(new Date('2026-11-30T12:00:00Z'))).toEqual({ from: '2026-07-01', to: '2026-10-01' });
    expect(lastQuarter(new Date('2026-10-01T00:00:00Z'))).toEqual({ from: '2026-07-01', to: '2026-10-01' });
    expect(lastQuarter(new Date('2026-02-14T08:00:00Z'))).toEqual({ from: '2025-10-01', to: '2026-01-01' });
    // 23:30 on 31 March in UTC-2 is already April in UTC: the quarter is the UTC one.
    expect(lastQuarter(new Date('2026-03-31T23:30:00-02:00'))).toEqual({ from: '2026-01-01', to: '2026-04-01' });
  });

  it('last 90 days ends at today’s midnight UTC, so the window has ended', () => {
    expect(last90Days(new Date('2026-11-30T12:00:00Z'))).toEqual({ from: '2026-09-01', to: '2026-11-30' });
    expect(windowFor('custom', new Date(), { from: '2026-01-05', to: '2026-02-01' })).toEqual({ pick: 'custom', from: '2026-01-05', to: '2026-02-01' });
  });

  it('reads a window with its last day included', () => {
    expect(describeWindow('2026-07-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z')).toBe('2026-07-01 through 2026-09-30 (UTC)');
    expect(describeWindow('2026-07-01', '2026-07-02')).toBe('2026-07-01 through 2026-07-01 (UTC)');
  });
});

describe('console sample sizes', () => {
  it('parses the CLI form, and says what is wrong with a malformed entry', () => {
    expect(parseSamples('')).toEqual({ samples: {} });
    expect(parseSamples(' CC6.5/leavers=8, CC6.2/new-users = 5 ')).toEqual({ samples: { 'CC6.5/leavers': 8, 'CC6.2/new-users': 5 } });
    expect(parseSamples('CC6.5/leavers')).toHaveProperty('error');
    expect(parseSamples('CC6.5/leavers=eight')).toHaveProperty('error');
    expect(parseSamples('=4')).toHaveProperty('error');
    expect(parseSamples('CC6.5/leavers=2.5')).toHaveProperty('error');
  });
});
