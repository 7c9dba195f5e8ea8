import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unzipSync, zipSync } from 'fflate';
import { DIALECTS } from '../support/databases.ts';
import { createOrg, createRole, createUser, grantRole, ok, startHttpSuite, type HttpSuite } from '../support/http.ts';
import { openUserSession, sessionHeaders } from '../support/user-session.ts';
import { allItems, openCampaign, signedIn } from '../access/review-fixtures.ts';
import { WRONG, browser, makeUser, signIn } from '../monitor/detection-fixtures.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { verifyEvidencePackage } from '../../src/evidence/package/verify-package.ts';
import { drawSample } from '../../src/evidence/package/sampling.ts';
import { CONTROL_IMPLEMENTATIONS } from '../../src/evidence/controls.ts';
import type { CitedRow } from '../../src/evidence/model.ts';

type Json = Record<string, any>;
const HOUR = 3_600_000;
const WINDOW = { from: '2026-07-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z' };
const SEED = 'auditor-2026-q3';

/**
 * A quarter an auditor samples, played with a moved clock: three hires (one
 * through an approved request, one granted with no approval, one with a change
 * ticket), a quarterly access review, two leavers (one inside the 24-hour SLA,
 * one outside), a just-in-time elevation, and a brute-force attack that raises
 * an alert. The package is exported through the API like an auditor's export,
 * verified offline, and each criterion's numbers are checked against the play.
 */
describe.each(DIALECTS)('a quarter exported as an evidence package, on %s', (dialect) => {
  const clock = new ManualClock('2026-06-01T09:00:00.000Z');
  let s: HttpSuite;
  const u: Record<string, string> = {};
  let files: Record<string, Uint8Array>;
  let zip: Uint8Array;
  let exported: Json;
  const json = (path: string): Json => JSON.parse(new TextDecoder().decode(files[path]));
  const rows = (path: string): Json[] => json(path).rows;

  beforeAll(async () => {
    s = await startHttpSuite(dialect, { clock });
    // Before the window: the organization, a role owner, a reviewer, and the roles.
    await createOrg(s, 'acme');
    u.owen = (await createUser(s, { email: 'owen@acme.test', name: 'Owen Owner', org: 'acme' })).id;
    u.fay = (await createUser(s, { email: 'fay@acme.test', name: 'Fay Oncall', org: 'acme' })).id;
    u.dan = (await createUser(s, { email: 'dan@acme.test', name: 'Dan Leaver', org: 'acme' })).id;
    u.eve = (await createUser(s, { email: 'eve@acme.test', name: 'Eve Leaver', org: 'acme' })).id;
    await createRole(s, 'acme', 'viewer', { ownerId: u.owen });
    await createRole(s, 'acme', 'db-admin', { privileged: true, elevation: { maxActivationMinutes: 60 } });
    await grantRole(s, 'acme', 'viewer', u.dan, { approvalRef: 'CHG-10' });
    await grantRole(s, 'acme', 'viewer', u.eve, { approvalRef: 'CHG-11' });
    await ok(s, 201, 'POST', '/api/v1/organizations/acme/role-eligibilities', { role: 'db-admin', principalId: u.fay, reason: 'on call', approvalRef: 'CHG-12' });

    // Hires. ada: a request the role owner approves, which grants; bob: granted with no approval; cat: a change ticket.
    clock.set('2026-07-06T09:00:00.000Z');
    u.ada = await makeUser(s, 'ada');
    const filed = await ok(s, 201, 'POST', '/api/v1/organizations/acme/access-requests', { role: 'viewer', principalType: 'user', principalId: u.ada, reason: 'onboarding' });
    clock.advance(2 * HOUR);
    const owner = await signedIn(s, u.owen);
    expect((await owner.post(`/api/v1/me/approvals/${filed.id}/approve`, { comment: 'welcome' })).statusCode).toBe(200);
    clock.set('2026-07-07T09:00:00.000Z');
    u.bob = (await createUser(s, { email: 'bob@acme.test', name: 'Bob Direct', org: 'acme' })).id;
    await grantRole(s, 'acme', 'viewer', u.bob);
    clock.set('2026-07-08T09:00:00.000Z');
    u.cat = (await createUser(s, { email: 'cat@acme.test', name: 'Cat Ticket', org: 'acme' })).id;
    await grantRole(s, 'acme', 'viewer', u.cat, { approvalRef: 'CHG-20' });

    // Leavers: dan removed 2 hours after leaving (inside the SLA), eve 48 hours after (outside).
    clock.set('2026-08-01T10:00:00.000Z');
    await ok(s, 200, 'POST', `/api/v1/organizations/acme/users/${u.dan}/deprovision`, { reason: 'resigned', terminatedAt: '2026-08-01T08:00:00.000Z' });
    clock.set('2026-08-12T00:00:00.000Z');
    await ok(s, 200, 'POST', `/api/v1/organizations/acme/users/${u.eve}/deprovision`, { reason: 'resigned', terminatedAt: '2026-08-10T00:00:00.000Z' });

    // A just-in-time elevation of 30 minutes, ended by expiry.
    clock.set('2026-08-20T14:00:00.000Z');
    const [eligibility] = (await ok(s, 200, 'GET', `/api/v1/organizations/acme/role-eligibilities?principalId=${u.fay}&active=true`)).items;
    const { cookie } = await openUserSession(s.rt, u.fay);
    const activated = await s.request('POST', '/api/v1/me/elevations', { key: null, body: { eligibilityId: eligibility.id, justification: 'INC-7: database failover', durationMinutes: 30 }, headers: sessionHeaders(cookie) });
    expect(activated.statusCode).toBe(201);
    clock.advance(31 * 60_000);
    await s.rt.elevation.endExpired();

    // The quarterly review: every item decided by its reviewer, everyone signs off, the owner closes it.
    clock.set('2026-09-01T09:00:00.000Z');
    const campaign = await openCampaign(s, 'acme', { name: 'Q3 access review', ownerId: u.owen, dueAt: '2026-09-15T00:00:00.000Z' });
    const items = await allItems(s, 'acme', campaign.id);
    u.campaign = campaign.id;
    u.items = String(items.length);
    clock.advance(HOUR);
    const reviewers = [...new Set(items.map((i) => i.reviewerId as string))];
    for (const reviewer of reviewers) {
      const me = await signedIn(s, reviewer);
      const mine = items.filter((i) => i.reviewerId === reviewer);
      const decisions = mine.map((i) => ({ itemId: i.id, decision: i.principal.id === u.bob ? 'revoke' : 'keep', comment: 'checked' }));
      expect((await me.post('/api/v1/me/access-reviews/decisions', { decisions })).statusCode).toBe(200);
      expect((await me.post(`/api/v1/me/access-reviews/${campaign.id}/sign-off`)).statusCode).toBe(200);
    }
    clock.advance(HOUR);
    await ok(s, 200, 'POST', `/api/v1/organizations/acme/access-reviews/${campaign.id}/close`);

    // An attack: eight wrong passwords against ada, found by the detection scan.
    clock.set('2026-09-10T03:00:00.000Z');
    for (let i = 0; i < 8; i++) await signIn(browser(s, `203.0.113.${i + 1}`), 'ada@acme.test', WRONG);
    await s.rt.detections.scan();

    // After the window: the auditor asks for the package with their seed and sample sizes.
    clock.set('2026-10-02T09:00:00.000Z');
    const requested = await ok(s, 202, 'POST', '/api/v1/evidence/exports', { org: 'acme', ...WINDOW, seed: SEED, samples: { 'CC6.2/new-users': 2, 'CC6.5/leavers': 5 } });
    for (let i = 0; i < 600; i++) {
      exported = await ok(s, 200, 'GET', `/api/v1/evidence/exports/${requested.id}`);
      if (exported.status === 'succeeded' || exported.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const download = await s.request('GET', `/api/v1/evidence/exports/${requested.id}/package`);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/zip');
    zip = new Uint8Array(download.rawPayload);
    files = unzipSync(zip);
  }, 240_000);
  afterAll(async () => s?.close());

  it('finishes as a job, records who asked and who downloaded, and the package verifies offline against the published key', async () => {
    expect(exported).toMatchObject({ status: 'succeeded', progress: { percent: 100 }, error: null, samples: { 'CC6.2/new-users': 2, 'CC6.5/leavers': 5 } });
    const report = verifyEvidencePackage(zip, { verifierKey: s.rt.signer.verifierKey });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, pinned: true });
    expect(report.counts.rowsRecomputed).toBeGreaterThan(20);
    const actions = (await s.rt.ledger.listEvents({ actionPrefix: 'evidence.export.' }, { limit: 10 })).events.map((e) => e.action);
    expect(actions).toEqual(['evidence.export.requested', 'evidence.export.completed', 'evidence.export.downloaded']);
    const completed = (await s.rt.ledger.listEvents({ actionPrefix: 'evidence.export.completed' }, { limit: 1 })).events[0];
    expect(completed.data).toMatchObject({ packageSha256: exported.package.sha256, manifestSha256: exported.package.manifestSha256 });
  });

  it('has every evidence file the controls matrix promises, a report, and a README per criterion', () => {
    for (const c of CONTROL_IMPLEMENTATIONS) {
      expect(files[`${c.criterion}/README.md`], c.criterion).toBeDefined();
      for (const e of c.evidence) expect(files[/\.[a-z]+$/.test(e) ? e : `${e}.csv`], e).toBeDefined();
    }
    const html = new TextDecoder().decode(files['report.html']);
    for (const c of CONTROL_IMPLEMENTATIONS) expect(html).toContain(c.criterion);
    expect(html).toMatch(/attention/i);
  });

  it('CC6.2: three hires, approval before access for the requested one, and the unapproved grant flagged', () => {
    const hires = rows('CC6.2/new-users.json').filter((r) => [u.ada, u.bob, u.cat].includes(r.user_id));
    expect(rows('CC6.2/new-users.json').map((r) => r.user_id).sort()).toEqual([u.ada, u.bob, u.cat].sort());
    const by = (id: string) => hires.find((r) => r.user_id === id)!;
    expect(by(u.ada)).toMatchObject({ authorization: 'request_approved', approved_by: u.owen, approved_before_access: true, approved_at: '2026-07-06T11:00:00.000Z' });
    expect(by(u.bob)).toMatchObject({ authorization: 'none', approved_before_access: false, lacks_approval: true });
    expect(by(u.cat)).toMatchObject({ authorization: 'approval_reference', approval_reference: 'CHG-20' });
    expect(json('manifest.json').sections.find((x: Json) => x.id === 'CC6.2').status).toBe('attention');
  });

  it('CC6.3: the quarterly review with every item decided and signed off, and the revoke applied', () => {
    const [campaign] = rows('CC6.3/access-review-campaigns.json');
    expect(campaign).toMatchObject({ campaign_id: u.campaign, name: 'Q3 access review', items: Number(u.items), decided: Number(u.items), undecided: 0, revoked: 1, overdue: false });
    expect(rows('CC6.3/access-review-decisions.json')).toHaveLength(Number(u.items));
    expect(rows('CC6.3/role-changes.json').some((r) => r.principal_id === u.bob && r.change === 'revoked')).toBe(true);
  });

  it('CC6.5: two leavers, one inside and one outside the SLA, with the latency chart', () => {
    const leavers = rows('CC6.5/leavers.json');
    expect(leavers.map((r) => [r.user_id, r.elapsed_hours, r.within_sla])).toEqual([
      [u.dan, 2, true],
      [u.eve, 48, false],
    ]);
    expect(new TextDecoder().decode(files['CC6.5/deprovisioning-latency.svg'])).toContain('<svg');
    expect(json('manifest.json').sections.find((x: Json) => x.id === 'CC6.5').status).toBe('attention');
  });

  it('privileged access: the activation with its justification and 30 minutes held', () => {
    const [activation] = rows('privileged-access/jit-activations.json');
    expect(activation).toMatchObject({ user_id: u.fay, role_key: 'db-admin', justification: 'INC-7: database failover', activated_at: '2026-08-20T14:00:00.000Z' });
  });

  it('CC7.2: the brute-force alert raised in the window', () => {
    const alerts = rows('CC7.2-CC7.3/alerts.json');
    expect(alerts).toEqual([expect.objectContaining({ rule: 'brute_force', subject: u.ada, occurrences: 8 })]);
  });

  it('log integrity: a consistency proof from the window start to the package checkpoint', () => {
    const proof = json('log-integrity/consistency-proof.json');
    expect(proof.toSize).toBe(exported.package.checkpointSize);
    expect(proof.fromSize).toBeLessThan(proof.toSize);
  });

  it('the samples are the ones the auditor re-derives from the population and the seed', () => {
    const population = json('CC6.2/new-users.json').rows as Json[];
    const cited: CitedRow[] = population.map(({ cites, ...row }) => ({ row, cites }));
    const again = drawSample(cited, 'user_id', SEED, 2).map((r) => r.row.user_id);
    const sampling = json('samples/sampling.json');
    expect(sampling.seed).toBe(SEED);
    expect(Object.values(sampling.drawn).flat()).toEqual(expect.arrayContaining(again));
    expect(again).toHaveLength(2);
  });

  it('fails verification, naming the file and row, after one byte of a CSV or an embedded event changes', () => {
    const tamper = (path: string, edit: (text: string) => string) => {
      const copy = { ...files, [path]: new TextEncoder().encode(edit(new TextDecoder().decode(files[path]))) };
      return verifyEvidencePackage(zipSync(copy), { verifierKey: s.rt.signer.verifierKey });
    };
    const csv = tamper('CC6.5/leavers.csv', (t) => t.replace(',48,', ',23,'));
    expect(csv.ok).toBe(false);
    expect(csv.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: 'CC6.5/leavers.csv' })]));
    expect(csv.problems.some((p) => p.file === 'CC6.5/leavers.csv' && p.row !== undefined)).toBe(true);
    const event = tamper('ledger/events.jsonl', (t) => t.replace('"resigned"', '"retired!"'));
    expect(event.ok).toBe(false);
    expect(event.problems.some((p) => p.file === 'ledger/events.jsonl' && p.line !== undefined)).toBe(true);
  });
});
