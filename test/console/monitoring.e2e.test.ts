import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DIALECTS } from '../support/databases.ts';
import { addPasskey, addVirtualAuthenticator, signInToConsole, startConsoleSuite, unlockChanges, type ConsoleSuite } from '../support/console.ts';
import { failSignIns } from '../support/lockout.ts';

type Rec = Record<string, any>;

describe.each(DIALECTS)('console monitoring (%s)', (dialect) => {
  let s: ConsoleSuite;
  let page: Page;
  let receiver: Server;
  let received = 0;
  let victimId: string;
  let memberId: string;

  const events = async (query: string): Promise<Rec[]> => (await s.api<{ items: Rec[] }>('GET', `/api/v1/audit/events?${query}&limit=100`)).items;

  beforeAll(async () => {
    s = await startConsoleSuite(dialect);
    // A member of an organization that requires MFA, without a second factor: a finding.
    await s.api('POST', '/api/v1/organizations', { slug: 'mfa-org', name: 'MFA Org' }, 201);
    memberId = (await s.api('POST', '/api/v1/users', { email: 'ada@mfa.test', name: 'Ada', org: 'mfa-org' }, 201)).id;
    await s.api('PATCH', '/api/v1/organizations/mfa-org', { settings: { mfaPolicy: 'required', mfaGracePeriodDays: 0 } });
    await s.t.rt.findings.evaluateChanged();
    // A scripted brute force: eight wrong passwords against one account from rotating addresses.
    victimId = (await s.api('POST', '/api/v1/users', { email: 'victim@mfa.test', name: 'Victim', org: 'mfa-org' }, 201)).id;
    await s.t.rt.authn.setPassword({ actor: { type: 'system', id: 'test', display: 'test' }, request: { requestId: 'setup', ip: null, userAgent: null } }, victimId, 'quartz-lantern-orbit-meadow-42');
    await failSignIns(s.t.rt, 'victim@mfa.test', 8);
    await s.t.rt.detections.scan();
    // A SIEM webhook receiver on loopback.
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const context = await s.newContext();
    page = await context.newPage();
    await addVirtualAuthenticator(context, page);
    await signInToConsole(page);
    await addPasskey(page);
  });
  afterAll(async () => {
    await s?.close();
    await new Promise((r) => receiver?.close(r));
  });

  it('a finding appears; acknowledging before unlocking is refused and changes nothing; then it is acknowledged and resolved with a risk acceptance, in the ledger', async () => {
    const [finding] = (await s.api<{ items: Rec[] }>('GET', '/api/v1/findings?type=member_without_required_mfa')).items.filter((f) => f.subject.id === memberId);
    expect(finding.status).toBe('open');
    await page.goto('/console/monitoring/findings?type=member_without_required_mfa');
    const link = page.getByRole('link', { name: finding.summary });
    await link.waitFor();
    await s.screenshot(page, 'console-findings');
    await link.click();
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    await page.getByText('monitor.finding.opened').waitFor();

    await page.getByLabel('Acknowledgement note').fill('Asked Ada to enroll');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByText('Confirm it is you.').waitFor();
    expect((await s.api('GET', `/api/v1/findings/${finding.id}`)).status).toBe('open');

    await unlockChanges(page);
    await page.getByLabel('Acknowledgement note').fill('Asked Ada to enroll');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByText('monitor.finding.acknowledged').waitFor();
    await page.getByLabel('Resolution', { exact: true }).selectOption('risk_accepted');
    await page.getByLabel('Resolution note').fill('Contractor leaves in January');
    // More than a year of accepted risk is refused with its code; nothing changes.
    await page.getByLabel('Risk accepted until').fill('2099-01-31');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByText('finding.resolution_invalid').waitFor();
    expect((await s.api('GET', `/api/v1/findings/${finding.id}`)).status).toBe('acknowledged');
    const until = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Risk accepted until').fill(until);
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByText('monitor.finding.resolved').waitFor();
    await s.screenshot(page, 'console-finding');

    const after = await s.api('GET', `/api/v1/findings/${finding.id}`);
    expect(after).toMatchObject({ status: 'resolved', acknowledgement: { note: 'Asked Ada to enroll' }, resolution: { resolution: 'risk_accepted', note: 'Contractor leaves in January' } });
    expect(after.resolution.acceptedUntil.slice(0, 10)).toBe(until);
    const resolved = after.timeline.find((e: Rec) => e.action === 'monitor.finding.resolved');
    expect(resolved.actor.type).toBe('user');
    expect(resolved.data).toMatchObject({ findingId: finding.id });
    // The timeline links to the ledger explorer.
    await page.getByRole('link', { name: `ledger event #${resolved.seq}` }).click();
    await page.getByRole('heading', { name: `Event #${resolved.seq}` }).waitFor();
  });

  it('the brute-force alert appears with its occurrences and is closed as a true positive', async () => {
    await page.goto('/console/monitoring/alerts?rule=brute_force');
    const row = page.getByRole('row').filter({ hasText: victimId });
    await row.getByRole('link', { name: 'brute force' }).click();
    await page.getByRole('heading', { name: 'Occurrences' }).waitFor();
    expect(await page.getByRole('list', { name: 'Events that raised the alert' }).getByText('authn.login.failed').count()).toBe(8);
    await page.getByLabel('Note').fill('Blocked the addresses at the edge');
    await page.getByLabel('Disposition').selectOption('true_positive');
    await page.getByRole('button', { name: 'Close alert' }).click();
    await page.getByText(/closed/).first().waitFor();
    await page.getByRole('heading', { name: 'Triage' }).waitFor({ state: 'detached' });
    const [alert] = (await s.api<{ items: Rec[] }>('GET', '/api/v1/alerts?rule=brute_force')).items.filter((a) => a.subject === victimId);
    expect(alert).toMatchObject({ status: 'closed', disposition: 'true_positive', note: 'Blocked the addresses at the edge' });
    expect((await events('action=monitor.alert.closed')).some((e) => e.data.alertId === alert.id)).toBe(true);
    await page.goto('/console/monitoring/alerts');
    await page.getByRole('table', { name: 'Alerts' }).waitFor();
    await s.screenshot(page, 'console-alerts');
  });

  it('opens an incident and adds a note to its timeline', async () => {
    await page.goto('/console/monitoring/incidents');
    await page.getByRole('button', { name: 'Open an incident' }).click();
    await page.getByLabel('Title').fill('Password guessing against victim');
    await page.getByLabel('Severity').selectOption('high');
    await page.getByLabel('Summary').fill('Eight wrong passwords from rotating addresses');
    await page.getByRole('button', { name: 'Open incident' }).click();
    await page.getByRole('heading', { name: 'Password guessing against victim' }).waitFor();
    await page.getByLabel('Note', { exact: true }).fill('Reset the password and told the user');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByRole('list', { name: 'Incident timeline' }).getByText(/Reset the password and told the user/).waitFor();
    await s.screenshot(page, 'console-incident');
    const [incident] = (await s.api<{ items: Rec[] }>('GET', '/api/v1/incidents')).items;
    const detail = await s.api('GET', `/api/v1/incidents/${incident.id}`);
    expect(detail).toMatchObject({ title: 'Password guessing against victim', severity: 'high', status: 'open' });
    expect(detail.notes.map((n: Rec) => n.text)).toEqual(['Reset the password and told the user']);
    await page.goto('/console/monitoring/incidents');
    await page.getByRole('link', { name: 'Password guessing against victim' }).waitFor();
    await s.screenshot(page, 'console-incidents');
  });

  it('a SIEM webhook destination shows its health and lag, and can be paused', async () => {
    const { port } = receiver.address() as AddressInfo;
    const { destination } = await s.api('POST', '/api/v1/siem-destinations', { name: 'Loopback SOC', kind: 'webhook', config: { url: `http://127.0.0.1:${port}/ingest`, batchSize: 500 } }, 201);
    await s.t.rt.streamDelivery.deliverOnce();
    expect(received).toBeGreaterThan(0);
    const health = await s.api('GET', `/api/v1/siem-destinations/${destination.id}/health`);
    await page.goto('/console/monitoring/siem');
    const card = page.getByRole('region', { name: 'Loopback SOC' });
    await card.getByText('healthy').waitFor();
    expect(await card.textContent()).toContain(`seq ${health.lastDeliveredSeq}`);
    expect(await card.getByText('Never').count()).toBe(0);
    await card.getByText(/\d+ events? · /).waitFor();
    await s.screenshot(page, 'console-siem');
    await card.getByRole('button', { name: 'Pause Loopback SOC' }).click();
    await card.getByRole('button', { name: 'Resume Loopback SOC' }).waitFor();
    expect((await s.api('GET', `/api/v1/siem-destinations/${destination.id}`)).status).toBe('paused');
  });

  it('lists the detection rules in force', async () => {
    await page.goto('/console/monitoring/detection-rules');
    await page.getByRole('table', { name: 'Detection rules' }).getByRole('link', { name: 'brute force' }).waitFor();
  });
});
