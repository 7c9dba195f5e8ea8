import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DIALECTS } from '../support/databases.ts';
import { openSignedInConsole, startConsoleSuite, unlockChanges, type ConsoleSuite } from '../support/console.ts';
import { failSignIns } from '../support/lockout.ts';

type Rec = Record<string, any>;

describe.each(DIALECTS)('console monitoring (%s)', (dialect) => {
  let s: ConsoleSuite;
  let page: Page;
  let receiver: Server;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
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
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    ({ page } = await openSignedInConsole(s, { passkey: true }));
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

  it('the severity filter on findings shows exactly what the API returns for that severity', async () => {
    const all = (await s.api<{ items: Rec[] }>('GET', '/api/v1/findings?limit=100')).items;
    expect(all.length).toBeGreaterThan(0);
    const severity = all[0].severity as string;
    const expected = (await s.api<{ items: Rec[] }>('GET', `/api/v1/findings?severity=${severity}&limit=25`)).items;
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.every((f) => f.severity === severity)).toBe(true);
    await page.goto('/console/monitoring/findings');
    const table = page.getByRole('table', { name: 'Findings' });
    await table.waitFor();
    await page.getByRole('group', { name: 'Filter findings' }).getByLabel('Severity').selectOption(severity);
    await page.waitForURL(new RegExp(`severity=${severity}`));
    const links = table.getByRole('link');
    await expect.poll(async () => (await links.allTextContents()).length).toBe(expected.length);
    expect(await links.allTextContents()).toEqual(expected.map((f) => f.summary));
    expect(await table.getByRole('row').filter({ hasNot: page.getByRole('columnheader') }).count()).toBe(expected.length);
    // Another severity that has none shows the empty state, as the API does.
    const other = ['low', 'medium', 'high'].find((v) => !all.some((f) => f.severity === v));
    if (other) {
      await page.getByRole('group', { name: 'Filter findings' }).getByLabel('Severity').selectOption(other);
      await page.getByText('No findings match').waitFor();
      expect((await s.api<{ items: Rec[] }>('GET', `/api/v1/findings?severity=${other}`)).items).toEqual([]);
    }
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
    const [incident] = (await s.api<{ items: Rec[] }>('GET', '/api/v1/incidents')).items;
    const detail = await s.api('GET', `/api/v1/incidents/${incident.id}`);
    expect(detail).toMatchObject({ title: 'Password guessing against victim', severity: 'high', status: 'open', ownerId: s.admin.userId });
    expect(detail.notes.map((n: Rec) => n.text)).toEqual(['Reset the password and told the user']);
    // Owner and note author by name, not by id.
    const facts = page.getByRole('region', { name: 'Incident', exact: true });
    await facts.getByText('Root Operator (root@operator.test)').first().waitFor();
    expect(await facts.textContent()).not.toContain(s.admin.userId);
    await page.getByRole('list', { name: 'Incident timeline' }).getByText(/— Root Operator/).waitFor();

    // Find a ledger event by its id, see what it is, then link it.
    const [failed] = await events('action=authn.login.failed');
    await page.getByLabel('Ledger event ID').fill('not-an-id');
    await page.getByRole('button', { name: 'Find event' }).click();
    await page.getByText('is not a ledger event id').waitFor();
    await page.getByLabel('Ledger event ID').fill(failed.id);
    await page.getByRole('button', { name: 'Find event' }).click();
    const found = page.getByRole('region', { name: 'Ledger event found' });
    await found.getByText('authn.login.failed').waitFor();
    await found.getByRole('button', { name: `Link event #${failed.seq}` }).click();
    await page.getByRole('list', { name: 'Incident timeline' }).getByText(/authn\.login\.failed/).waitFor();
    expect((await s.api('GET', `/api/v1/incidents/${incident.id}`)).events.map((e: Rec) => e.id)).toEqual([failed.id]);

    // Link the brute-force alert.
    const [alert] = (await s.api<{ items: Rec[] }>('GET', '/api/v1/alerts?rule=brute_force')).items.filter((a) => a.subject === victimId);
    await page.getByLabel('Alert', { exact: true }).selectOption(alert.id);
    await page.getByRole('button', { name: 'Link alert' }).click();
    await facts.getByRole('link', { name: 'brute force' }).waitFor();
    expect((await s.api('GET', `/api/v1/incidents/${incident.id}`)).alerts.map((a: Rec) => a.id)).toEqual([alert.id]);
    expect((await events('action=monitor.incident.alert_linked')).map((e) => e.data)).toEqual([{ incidentId: incident.id, alertIds: [alert.id] }]);

    // Change the status.
    await page.getByLabel('Status', { exact: true }).selectOption('investigating');
    await page.getByRole('button', { name: 'Change status' }).click();
    await facts.getByText('investigating').waitFor();
    expect((await s.api('GET', `/api/v1/incidents/${incident.id}`)).status).toBe('investigating');
    expect((await events('action=monitor.incident.updated')).some((e) => e.data.after.status === 'investigating' && e.actor.type === 'user')).toBe(true);
    await s.screenshot(page, 'console-incident');
    await page.goto('/console/monitoring/incidents');
    await page.getByRole('link', { name: 'Password guessing against victim' }).waitFor();
    await s.screenshot(page, 'console-incidents');
  });

  it('creates a webhook destination in the console; the receiver verifies the delivered batch with the secret shown once; the secret rotates; edit, pause and delete', async () => {
    const { port } = receiver.address() as AddressInfo;
    const verifies = (r: { headers: IncomingHttpHeaders; body: string }, secret: string): boolean => {
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['keyledger-signature']));
      if (!m) return false;
      const mac = createHmac('sha256', secret).update(`${m[1]}.${r.body}`).digest();
      return timingSafeEqual(mac, Buffer.from(m[2], 'hex'));
    };
    await page.goto('/console/monitoring/siem');
    await page.getByText('No SIEM destinations').waitFor();
    await page.getByRole('link', { name: 'Add a destination' }).click();
    await page.getByLabel('Name').fill('Loopback SOC');
    await page.getByLabel('Kind').selectOption('webhook');
    await page.getByLabel('URL').fill(`http://127.0.0.1:${port}/ingest`);
    await page.getByLabel('Batch size').fill('200');
    await s.screenshot(page, 'console-siem-new');
    // A bad URL is refused with its code and creates nothing.
    await page.getByLabel('URL').fill('http://siem.example.com/ingest');
    await page.getByRole('button', { name: 'Create destination' }).click();
    await page.getByText('stream.destination_invalid').waitFor();
    expect((await s.api<{ items: Rec[] }>('GET', '/api/v1/siem-destinations')).items).toEqual([]);
    await page.getByLabel('URL').fill(`http://127.0.0.1:${port}/ingest`);
    await page.getByRole('button', { name: 'Create destination' }).click();
    const secretBox = page.getByRole('region', { name: 'Webhook signing secret' });
    const secret = (await secretBox.getByTestId('one-time-secret').textContent())!.trim();
    expect(secret).toMatch(/^kl_whsec_/);
    await s.screenshot(page, 'console-siem-secret');

    const [dest] = (await s.api<{ items: Rec[] }>('GET', '/api/v1/siem-destinations')).items;
    expect(dest).toMatchObject({ name: 'Loopback SOC', kind: 'webhook', orgId: null, config: { url: `http://127.0.0.1:${port}/ingest`, batchSize: 200 } });
    expect(secret.startsWith(dest.secretPrefix)).toBe(true);
    const created = (await events('action=stream.destination.created')).find((e) => e.targets.some((t: Rec) => t.id === dest.id))!;
    expect(created.actor.type).toBe('user');
    expect(JSON.stringify(created)).not.toContain(secret);

    // The receiver verifies the delivered batch with the secret copied from the page, and a wrong secret does not verify.
    received.length = 0;
    await s.t.rt.streamDelivery.deliverOnce();
    expect(received.length).toBeGreaterThan(0);
    const first = received[0];
    expect(verifies(first, secret)).toBe(true);
    expect(verifies(first, `${secret.slice(0, -1)}x`)).toBe(false);
    expect(verifies({ ...first, body: first.body.replace('stream.destination.created', 'stream.destination.deleted') }, secret)).toBe(false);
    const batch = JSON.parse(first.body) as Rec[];
    expect(batch.some((o) => JSON.stringify(o).includes(created.id))).toBe(true);

    // Saved: the secret leaves the page.
    await secretBox.getByRole('button', { name: 'I have saved it' }).click();
    await page.getByRole('heading', { name: 'Delivery' }).waitFor();
    expect(await page.getByText(secret).count()).toBe(0);
    await page.getByText('healthy').first().waitFor();
    await s.screenshot(page, 'console-siem-destination');

    // Rotate: a new secret shown once; the next batch verifies with it and not with the old one.
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = (await page.getByRole('region', { name: 'New webhook signing secret' }).getByTestId('one-time-secret').textContent())!.trim();
    expect(rotated).toMatch(/^kl_whsec_/);
    expect(rotated).not.toBe(secret);
    expect((await s.api('GET', `/api/v1/siem-destinations/${dest.id}`)).secretPrefix).toBe(rotated.slice(0, dest.secretPrefix.length));
    received.length = 0;
    await s.t.rt.streamDelivery.deliverOnce();
    const afterRotation = received.find((r) => r.body.includes('stream.destination.secret_rotated'))!;
    expect(afterRotation).toBeDefined();
    expect(verifies(afterRotation, rotated)).toBe(true);
    expect(verifies(afterRotation, secret)).toBe(false);
    await page.getByRole('button', { name: 'I have saved it' }).click();
    expect(await page.getByText(rotated).count()).toBe(0);

    // Edit (PATCH): only what changed is sent; the URL is kept.
    await page.getByLabel('Action prefixes').fill('authn. monitor.');
    await page.getByLabel('Batch size').fill('100');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('authn., monitor.').waitFor();
    expect(await s.api('GET', `/api/v1/siem-destinations/${dest.id}`)).toMatchObject({ filter: { actionPrefixes: ['authn.', 'monitor.'], orgIds: [] }, config: { url: `http://127.0.0.1:${port}/ingest`, batchSize: 100 } });
    expect((await events('action=stream.destination.updated')).some((e) => e.data.after.filter?.actionPrefixes?.join() === 'authn.,monitor.')).toBe(true);

    // Pause and resume from the page.
    await page.getByRole('button', { name: 'Pause delivery' }).click();
    await page.getByRole('button', { name: 'Resume delivery' }).waitFor();
    expect((await s.api('GET', `/api/v1/siem-destinations/${dest.id}`)).status).toBe('paused');
    await page.getByRole('button', { name: 'Resume delivery' }).click();
    await page.getByRole('button', { name: 'Pause delivery' }).waitFor();

    // The list shows kind, status and lag.
    await page.goto('/console/monitoring/siem');
    const row = page.getByRole('row').filter({ hasText: 'Loopback SOC' });
    await row.waitFor();
    const health = await s.api('GET', `/api/v1/siem-destinations/${dest.id}/health`);
    expect(await row.textContent()).toContain('HTTPS webhook');
    expect(await row.textContent()).toContain(health.status);
    await row.getByText(/\d+ events? · /).waitFor();
    await s.screenshot(page, 'console-siem');

    // Delete asks first; "Keep it" keeps it; confirming deletes it.
    await row.getByRole('link', { name: 'Loopback SOC' }).click();
    await page.getByRole('button', { name: 'Delete destination' }).click();
    await page.getByRole('button', { name: 'Keep it' }).click();
    expect((await s.api('GET', `/api/v1/siem-destinations/${dest.id}`)).id).toBe(dest.id);
    await page.getByRole('button', { name: 'Delete destination' }).click();
    await page.getByRole('button', { name: 'Yes, delete Loopback SOC' }).click();
    await page.getByText('No SIEM destinations').waitFor();
    expect((await s.api<{ items: Rec[] }>('GET', '/api/v1/siem-destinations')).items).toEqual([]);
    expect((await events('action=stream.destination.deleted')).some((e) => e.targets.some((t: Rec) => t.id === dest.id))).toBe(true);
  });

  it('lists the detection rules in force', async () => {
    await page.goto('/console/monitoring/detection-rules');
    await page.getByRole('table', { name: 'Detection rules' }).getByRole('link', { name: 'brute force' }).waitFor();
  });
});
