import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createUser, ok, startHttpSuite, walkPages, type HttpSuite } from '../support/http.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { LEAVER_CSV_COLUMNS } from '../../src/lifecycle/leavers-report.ts';

const HOUR = 3_600_000;
const T0 = '2026-03-02T09:00:00.000Z';

/** The auditor's leavers report: every leaver of a window with both timestamps and the verdict, as JSON pages and as CSV. */
for (const dialect of DIALECTS) {
  describe(`the leavers report, on ${dialect}`, () => {
    const clock = new ManualClock(T0);
    let s: HttpSuite;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      s = await startHttpSuite(dialect, { clock });
      await createOrg(s, 'acme');
      await createOrg(s, 'globex');
      // Three acme leavers on three days (one removed late, one with a formula-like employee number), one globex leaver.
      const plan: Array<[string, string, string | null, number]> = [
        ['ann@acme.test', 'acme', 'E1', 2],
        ['ben@acme.test', 'acme', '=HYPERLINK("x")', 30],
        ['cy, "the third"@acme.test', 'acme', null, 0],
        ['dan@globex.test', 'globex', 'G1', 1],
      ];
      for (const [email, org, employeeNumber, hoursLate] of plan) {
        const user = await createUser(s, { email: email.includes('"') ? 'cy@acme.test' : email, org, employeeNumber, name: email });
        ids[email] = user.id;
        const terminatedAt = new Date(clock.now().getTime() - hoursLate * HOUR).toISOString();
        await ok(s, 200, 'POST', `/api/v1/organizations/${org}/users/${user.id}/deprovision`, { reason: `left, ${hoursLate}h`, ...(hoursLate ? { terminatedAt } : {}) });
        clock.advance(24 * HOUR);
      }
    });
    afterAll(async () => s?.close());

    it('lists every leaver of the organization with both timestamps and the SLA verdict', async () => {
      const page = await ok(s, 200, 'GET', '/api/v1/organizations/acme/leavers');
      expect(page.nextCursor).toBeNull();
      const day = (n: number) => new Date(Date.parse(T0) + n * 24 * HOUR);
      expect(page.items.map((l: Record<string, unknown>) => [l.email, l.employeeNumber, l.source, l.terminatedAt, l.accessRemovedAt, l.elapsedSeconds, l.slaHours, l.verdict])).toEqual([
        ['ann@acme.test', 'E1', 'admin', new Date(day(0).getTime() - 2 * HOUR).toISOString(), day(0).toISOString(), 7200, 24, 'within_sla'],
        ['ben@acme.test', '=HYPERLINK("x")', 'admin', new Date(day(1).getTime() - 30 * HOUR).toISOString(), day(1).toISOString(), 108_000, 24, 'breached'],
        ['cy@acme.test', null, 'admin', day(2).toISOString(), day(2).toISOString(), 0, 24, 'within_sla'],
      ]);
      // Another organization's leavers are not in this report.
      expect((await ok(s, 200, 'GET', '/api/v1/organizations/globex/leavers')).items.map((l: { email: string }) => l.email)).toEqual(['dan@globex.test']);
    });

    it('filters by termination time (from inclusive, to exclusive) and pages with a cursor', async () => {
      const from = new Date(Date.parse(T0) - 2 * HOUR).toISOString();
      const only = await ok(s, 200, 'GET', `/api/v1/organizations/acme/leavers?from=${encodeURIComponent(from)}&to=${encodeURIComponent(new Date(Date.parse(from) + 1).toISOString())}`);
      expect(only.items.map((l: { email: string }) => l.email)).toEqual(['ann@acme.test']);
      // Ben's termination was 30 hours before his removal: before Ann's, so a window from Ann's termination leaves him out.
      const since = await ok(s, 200, 'GET', `/api/v1/organizations/acme/leavers?from=${encodeURIComponent(from)}`);
      expect(since.items.map((l: { email: string }) => l.email)).toEqual(['ann@acme.test', 'cy@acme.test']);
      const walked = await walkPages(s, '/api/v1/organizations/acme/leavers', 1);
      expect(walked.pages).toBe(3);
      expect(walked.ids).toEqual((await ok(s, 200, 'GET', '/api/v1/organizations/acme/leavers')).items.map((l: { id: string }) => l.id));
    });

    it('gives the whole window as CSV for ?format=csv or Accept: text/csv, escaped for spreadsheets', async () => {
      const byQuery = await s.request('GET', '/api/v1/organizations/acme/leavers?format=csv&limit=1');
      const byAccept = await s.request('GET', '/api/v1/organizations/acme/leavers', { headers: { accept: 'text/csv' } });
      for (const res of [byQuery, byAccept]) {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
        expect(res.headers['content-disposition']).toBe('attachment; filename="leavers.csv"');
      }
      expect(byAccept.body).toBe(byQuery.body);
      const lines = byQuery.body.split('\r\n');
      expect(lines.at(-1)).toBe('');
      expect(lines[0]).toBe(LEAVER_CSV_COLUMNS.join(','));
      expect(lines[0]).toBe('user_id,email,employee_number,source,source_ref,terminated_at,access_removed_at,elapsed_seconds,sla_hours,verdict,reactivated_at');
      const day1 = new Date(Date.parse(T0) + 24 * HOUR);
      // limit does not cut the file: all three leavers are there.
      expect(lines.slice(1, -1)).toEqual([
        `${ids['ann@acme.test']},ann@acme.test,E1,admin,,${new Date(Date.parse(T0) - 2 * HOUR).toISOString()},${T0},7200,24,within_sla,`,
        // A value a spreadsheet would run as a formula is defused, and quotes are doubled.
        `${ids['ben@acme.test']},ben@acme.test,"'=HYPERLINK(""x"")",admin,,${new Date(day1.getTime() - 30 * HOUR).toISOString()},${day1.toISOString()},108000,24,breached,`,
        `${ids['cy, "the third"@acme.test']},cy@acme.test,,admin,,${new Date(Date.parse(T0) + 48 * HOUR).toISOString()},${new Date(Date.parse(T0) + 48 * HOUR).toISOString()},0,24,within_sla,`,
      ]);
      // ?format=json wins over the Accept header.
      const json = await s.request('GET', '/api/v1/organizations/acme/leavers?format=json', { headers: { accept: 'text/csv' } });
      expect(json.headers['content-type']).toMatch(/^application\/json/);
      expect(json.json().items).toHaveLength(3);
      // An empty window is a header line only.
      const empty = await s.request('GET', '/api/v1/organizations/acme/leavers?format=csv&from=2030-01-01T00:00:00Z');
      expect(empty.body).toBe(`${LEAVER_CSV_COLUMNS.join(',')}\r\n`);
    });
  });
}
