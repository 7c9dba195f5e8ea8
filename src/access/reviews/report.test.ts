import { describe, expect, it } from 'vitest';
import { campaignReportCsv, REPORT_CSV_COLUMNS, type CampaignReport, type ReportRow } from './report.ts';

const row = (over: Partial<ReportRow>): ReportRow => ({
  id: 'i1',
  campaignId: 'c1',
  orgId: 'o1',
  assignmentId: 'a1',
  principal: { type: 'user', id: 'u1', display: 'ada@acme.test' },
  roleId: 'r1',
  roleKey: 'viewer',
  privileged: false,
  reviewerId: 'u2',
  delegatedFrom: null,
  decision: null,
  comment: null,
  decidedBy: null,
  decidedAt: null,
  appliedAt: null,
  reviewerEmail: 'mgr@acme.test',
  decidedByEmail: null,
  ...over,
});

describe('campaignReportCsv', () => {
  it('writes a header and one CRLF line per item; undecided items say so', () => {
    const csv = campaignReportCsv({ campaign: {} as CampaignReport['campaign'], items: [row({ privileged: true })] });
    expect(csv).toBe(`${REPORT_CSV_COLUMNS.join(',')}\r\ni1,user,u1,ada@acme.test,r1,viewer,yes,u2,mgr@acme.test,,undecided,,,,,\r\n`);
  });

  it('neutralises formulas and quotes commas, quotes and line breaks in free text', () => {
    const csv = campaignReportCsv({
      campaign: {} as CampaignReport['campaign'],
      items: [row({ decision: 'revoke', comment: '=cmd|" /C calc"!A0', decidedBy: 'u2', decidedByEmail: 'mgr@acme.test', decidedAt: '2026-03-02T09:00:00.000Z' }), row({ id: 'i2', comment: 'kept, because\r\nneeded', principal: { type: 'service_account', id: 's1', display: '@bot' } })],
    });
    const lines = csv.split('\r\n');
    expect(lines[1]).toContain(`,revoke,"'=cmd|"" /C calc""!A0",u2,mgr@acme.test,2026-03-02T09:00:00.000Z,`);
    expect(csv).toContain(`i2,service_account,s1,'@bot,`);
    expect(csv).toContain('"kept, because\r\nneeded"');
  });
});
