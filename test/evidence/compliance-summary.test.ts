import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createUser, expectError, expectNothingChanged, grantRole, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { ORIGIN } from '../support/passkeys.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';
import { enrollTotp } from '../monitor/detection-fixtures.ts';
import { openCampaign } from '../access/review-fixtures.ts';
import { systemContext } from '../../src/audit/event.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { buildEvidencePackage } from '../../src/evidence/build-package.ts';
import { collectCriteria, createEvidenceContext } from '../../src/evidence/collect.ts';
import type { CriterionSection } from '../../src/evidence/model.ts';

type Json = Record<string, any>;
const setup = systemContext('test', 'compliance summary setup');
const WINDOW = { from: '2026-04-01T00:00:00.000Z', to: '2026-05-10T00:00:00.000Z' };
const NOW = '2026-05-10T09:00:00.000Z';
const summaryUrl = (query: string) => `/api/v1/compliance/summary?${query}`;
const windowed = `org=acme&from=${WINDOW.from}&to=${WINDOW.to}`;

/** The value of a fact of a section, by its label. */
function fact(sections: CriterionSection[], id: string, label: string): string | number | undefined {
  return sections.find((s) => s.id === id)?.facts.find((f) => f.label === label)?.value;
}

/**
 * A small organization played with a moved clock: mia (TOTP), nia (no second
 * factor), pat (a privileged role and a passkey), two leavers (leo removed two
 * hours after leaving, lex two days after), a review closed with items left
 * undecided, one left open past its due time, one due soon and one due later;
 * findings evaluated, one of them acknowledged and one resolved. globex's
 * member must never count.
 */
describe.each(DIALECTS)('the compliance summary on %s', (dialect) => {
  const clock = new ManualClock('2026-04-01T09:00:00.000Z');
  let s: HttpSuite;
  const u: Record<string, string> = {};
  const c: Record<string, string> = {};
  let summary: Json;

  beforeAll(async () => {
    s = await startHttpSuite(dialect, { clock, env: { KEYLEDGER_PUBLIC_URL: ORIGIN } });
    await createOrg(s, 'acme', 'Acme Inc');
    await createOrg(s, 'globex');
    for (const name of ['mia', 'nia', 'pat', 'leo', 'lex']) u[name] = (await createUser(s, { email: `${name}@acme.test`, name: name.toUpperCase(), org: 'acme' })).id;
    u.gus = (await createUser(s, { email: 'gus@globex.test', org: 'globex' })).id;
    await createRole(s, 'acme', 'admin', { name: 'Administrator', privileged: true });
    await createRole(s, 'acme', 'viewer', { name: 'Viewer' });
    await createRole(s, 'globex', 'admin', { privileged: true });
    await grantRole(s, 'acme', 'admin', u.pat, { approvalRef: 'CHG-1', expiresAt: '2026-12-31T00:00:00.000Z' });
    for (const name of ['mia', 'nia', 'leo', 'lex']) await grantRole(s, 'acme', 'viewer', u[name], { approvalRef: 'CHG-2' });
    await grantRole(s, 'globex', 'admin', u.gus, { approvalRef: 'CHG-3' });
    await enrollTotp(s, clock, u.mia);
    const { challengeId, options } = await s.rt.passkeys.startRegistration(setup, u.pat);
    await s.rt.passkeys.finishRegistration(setup, u.pat, challengeId, new SoftAuthenticator().create(options, ORIGIN), 'laptop');

    // The first review, closed by an administrator with every item undecided.
    clock.set('2026-04-02T09:00:00.000Z');
    c.q1 = (await openCampaign(s, 'acme', { name: 'Q1 review', ownerId: u.pat, dueAt: '2026-04-16T09:00:00.000Z' })).id;
    clock.set('2026-04-05T09:00:00.000Z');
    await ok(s, 200, 'POST', `/api/v1/organizations/acme/access-reviews/${c.q1}/close`);

    // Leavers: leo removed two hours after leaving (inside the 24-hour SLA), lex forty-eight hours after.
    clock.set('2026-04-10T10:00:00.000Z');
    await ok(s, 200, 'POST', `/api/v1/organizations/acme/users/${u.leo}/deprovision`, { reason: 'resigned', terminatedAt: '2026-04-10T08:00:00.000Z' });
    clock.set('2026-04-20T12:00:00.000Z');
    await ok(s, 200, 'POST', `/api/v1/organizations/acme/users/${u.lex}/deprovision`, { reason: 'resigned', terminatedAt: '2026-04-18T12:00:00.000Z' });

    // Three open reviews: one due before NOW (overdue by then), one due within 30 days of NOW, one later.
    clock.set('2026-05-01T09:00:00.000Z');
    c.late = (await openCampaign(s, 'acme', { name: 'Q2 review', ownerId: u.pat, dueAt: '2026-05-03T09:00:00.000Z' })).id;
    c.soon = (await openCampaign(s, 'acme', { name: 'Vendor access', ownerId: u.pat, dueAt: '2026-05-25T09:00:00.000Z' })).id;
    c.later = (await openCampaign(s, 'acme', { name: 'Q3 review', ownerId: u.pat, dueAt: '2026-07-01T09:00:00.000Z' })).id;

    clock.set(NOW);
    await s.rt.findings.evaluate();
    const findings: Json[] = (await ok(s, 200, 'GET', '/api/v1/findings?org=acme&limit=200')).items;
    const breach = findings.find((f) => f.type === 'deprovisioning_sla_breach');
    const undecided = findings.find((f) => f.type === 'review_items_undecided');
    expect([breach?.status, undecided?.status]).toEqual(['open', 'open']);
    await ok(s, 200, 'POST', `/api/v1/findings/${breach!.id}/acknowledge`, { note: 'looking into the HR feed' });
    await ok(s, 200, 'POST', `/api/v1/findings/${undecided!.id}/resolve`, { resolution: 'false_positive', note: 'decided on paper' });
    summary = await ok(s, 200, 'GET', summaryUrl(windowed));
  }, 120_000);
  afterAll(async () => s?.close());

  it('names the organization and the window, and counts MFA coverage of the window’s members', () => {
    expect(summary.org).toEqual({ id: expect.any(String), slug: 'acme', name: 'Acme Inc' });
    expect(summary.window).toEqual(WINDOW);
    expect(summary.generatedAt).toBe(NOW);
    // mia, nia, pat, and the two leavers were members in the window; gus (globex) never counts.
    expect(summary.mfa).toEqual({ members: 5, withMfa: 2, withPasskey: 1, privilegedMembers: 1, privilegedWithPasskey: 1 });
  });

  it('charts each leaver newest first with the removal latency and the SLA verdict', () => {
    expect(summary.deprovisioning).toEqual({
      slaHours: 24,
      leavers: 2,
      withinSla: 1,
      outsideSla: 1,
      open: 0,
      points: [
        { userId: u.lex, displayName: 'lex@acme.test', terminatedAt: '2026-04-18T12:00:00.000Z', removedAt: '2026-04-20T12:00:00.000Z', latencySeconds: 48 * 3600, withinSla: false },
        { userId: u.leo, displayName: 'leo@acme.test', terminatedAt: '2026-04-10T08:00:00.000Z', removedAt: '2026-04-10T10:00:00.000Z', latencySeconds: 2 * 3600, withinSla: true },
      ],
    });
  });

  it('agrees with the compliance API’s deprovisioning dataset for the same window', async () => {
    const dataset: Json[] = (await ok(s, 200, 'GET', `/api/v1/compliance/deprovisioning?${windowed}`)).items;
    const asPoints = dataset.map((l) => ({ userId: l.userId, displayName: l.email, terminatedAt: l.terminatedAt, removedAt: l.accessRemovedAt, latencySeconds: l.latencySeconds, withinSla: l.withinSla }));
    expect(summary.deprovisioning.points).toEqual(asPoints.sort((a, b) => b.terminatedAt.localeCompare(a.terminatedAt)));
  });

  it('lists open reviews past their due time and those due within 30 days, and the last completed review', () => {
    // pat's admin, mia's and nia's viewer: the leavers' assignments ended with their access.
    const items = { itemsTotal: 3, itemsDecided: 0 };
    expect(summary.reviews).toEqual({
      overdue: [{ id: c.late, name: 'Q2 review', dueAt: '2026-05-03T09:00:00.000Z', ...items }],
      upcoming: [{ id: c.soon, name: 'Vendor access', dueAt: '2026-05-25T09:00:00.000Z', ...items }],
      lastCompletedAt: '2026-04-05T09:00:00.000Z',
      quarterlyCovered: true,
    });
  });

  it('counts unresolved findings (open and acknowledged, not resolved) by severity and rule, as the findings API lists them', async () => {
    const all: Json[] = (await ok(s, 200, 'GET', '/api/v1/findings?org=acme&limit=200')).items;
    const unresolved = all.filter((f) => f.status === 'open' || f.status === 'acknowledged');
    // The SLA breach (acknowledged, high), the overdue review (high), pat's standing privileged grant with an expiry (medium);
    // the resolved undecided-items finding and globex's findings do not count.
    expect(unresolved.map((f) => [f.type, f.severity]).sort()).toEqual([
      ['deprovisioning_sla_breach', 'high'],
      ['review_campaign_overdue', 'high'],
      ['standing_privileged_assignment', 'medium'],
    ]);
    expect(summary.findings).toEqual({
      open: 3,
      bySeverity: { high: 2, medium: 1, low: 0 },
      byRule: [
        { rule: 'deprovisioning_sla_breach', open: 1 },
        { rule: 'review_campaign_overdue', open: 1 },
        { rule: 'standing_privileged_assignment', open: 1 },
      ],
    });
    expect((await ok(s, 200, 'GET', '/api/v1/findings?org=globex&limit=200')).items.length).toBeGreaterThan(0);
  });

  it('gives each criterion the status and headline the evidence export computes for the same window', async () => {
    const org = summary.org.id as string;
    const built = await buildEvidencePackage(s.rt, { orgId: org, ...WINDOW, seed: null, samples: {} }, () => {});
    expect(summary.criteria.map((x: Json) => ({ id: x.id, status: x.status, headline: x.headline }))).toEqual(built.summary);
    expect(summary.criteria.map((x: Json) => x.id)).toEqual(['CC6.1', 'CC6.2', 'CC6.3', 'CC6.5', 'CC6.6', 'CC6.7', 'CC7.2-CC7.3', 'privileged-access', 'log-integrity']);
    const cc65 = summary.criteria.find((x: Json) => x.id === 'CC6.5');
    expect(cc65).toMatchObject({ title: 'CC6.5 — Removal of access for leavers', status: 'attention' });
    // The numbers are the package's facts.
    const sections = await collectCriteria(s.rt, await createEvidenceContext(s.rt, { org, ...WINDOW }));
    expect(summary.mfa.members).toBe(fact(sections, 'CC6.6', 'Members active in the window'));
    expect(summary.mfa.withMfa).toBe(fact(sections, 'CC6.6', 'Members with MFA enrolled'));
    expect(summary.mfa.privilegedMembers).toBe(fact(sections, 'CC6.6', 'Privileged users at window end'));
    expect([summary.deprovisioning.leavers, summary.deprovisioning.withinSla, summary.deprovisioning.outsideSla, summary.deprovisioning.open]).toEqual(
      ['Leavers', 'Within SLA', 'Outside SLA', 'Not removed by window end'].map((label) => fact(sections, 'CC6.5', label)),
    );
  });

  it('defaults to the 90 days ending now; a window before the leavers shows none', async () => {
    const byDefault = await ok(s, 200, 'GET', summaryUrl('org=acme'));
    expect(byDefault.window).toEqual({ from: '2026-02-09T09:00:00.000Z', to: NOW });
    expect(byDefault.deprovisioning).toMatchObject({ leavers: 2, withinSla: 1, outsideSla: 1 });
    const onlyTo = await ok(s, 200, 'GET', summaryUrl('org=acme&to=2026-04-09'));
    expect(onlyTo.window).toEqual({ from: '2026-01-09T00:00:00.000Z', to: '2026-04-09T00:00:00.000Z' });
    expect(onlyTo.deprovisioning).toEqual({ slaHours: 24, leavers: 0, withinSla: 0, outsideSla: 0, open: 0, points: [] });
    expect(onlyTo.criteria.find((x: Json) => x.id === 'CC6.5')).toMatchObject({ status: 'pass', headline: 'No leavers were terminated in the window.' });
    // By id as well as by slug.
    expect((await ok(s, 200, 'GET', summaryUrl(`org=${summary.org.id}&from=${WINDOW.from}&to=${WINDOW.to}`))).mfa).toEqual(summary.mfa);
  });

  it('ninety-three days after the last completed review, the quarter is no longer covered and the later review is overdue', async () => {
    clock.set('2026-07-07T09:00:00.000Z');
    try {
      const later = await ok(s, 200, 'GET', summaryUrl('org=acme'));
      expect(later.reviews).toMatchObject({ lastCompletedAt: '2026-04-05T09:00:00.000Z', quarterlyCovered: false, upcoming: [] });
      expect(later.reviews.overdue.map((r: Json) => r.id)).toEqual([c.late, c.soon, c.later]);
    } finally {
      clock.set(NOW);
    }
  });

  it('reads change nothing and append nothing to the ledger', async () => {
    await expectNothingChanged(s.rt, () => ok(s, 200, 'GET', summaryUrl(windowed)));
  });

  it('refuses a bad window with the export’s stable code, an unknown organization, and unknown parameters, changing nothing', async () => {
    await expectNothingChanged(s.rt, async () => {
      for (const query of [
        'org=acme&from=2026-05-01T00:00:00Z&to=2026-04-01T00:00:00Z',
        'org=acme&from=2026-05-01&to=2026-05-01',
        'org=acme&to=2026-05-11T00:00:00Z',
        'org=acme&from=not-a-date',
        'org=acme&to=2026-13-45T99:00:00Z',
      ]) {
        expectError(await s.request('GET', summaryUrl(query)), 422, 'evidence.invalid_window');
      }
      expectError(await s.request('GET', summaryUrl('org=no-such-org')), 404, 'organization.not_found');
      expectError(await s.request('GET', summaryUrl('')), 400, 'request.invalid');
      expectError(await s.request('GET', summaryUrl('org=acme&from=yesterday')), 400, 'request.invalid');
      expectError(await s.request('GET', summaryUrl('org=acme&limit=5')), 400, 'request.invalid');
    });
  });

  it('admits compliance:read, admin:read and audit:read; refuses a key with only another scope (403) and no key (401)', async () => {
    for (const scope of ['compliance:read', 'admin:read', 'audit:read'] as const) {
      const key = (await s.issueKey(`reader ${scope}`, [scope])).key;
      expect((await s.request('GET', summaryUrl(windowed), { key })).statusCode).toBe(200);
    }
    for (const scope of ['admin:write', 'api_keys:manage'] as const) {
      const key = (await s.issueKey(`other ${scope}`, [scope])).key;
      expectError(await s.request('GET', summaryUrl(windowed), { key }), 403, 'auth.forbidden');
    }
    expectError(await s.request('GET', summaryUrl(windowed), { key: null }), 401, 'auth.unauthenticated');
  });
});
