import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.ts';
import { signInToConsole, startConsoleSuite, type ConsoleSuite } from '../support/console.ts';
import { OffsetClock, playQuarter, previousQuarter, type QuarterPlay } from './evidence-fixtures.ts';

type Json = Record<string, any>;

describe.each(DIALECTS)('console overview (%s)', (dialect) => {
  const clock = new OffsetClock();
  let s: ConsoleSuite;
  let play: QuarterPlay;

  beforeAll(async () => {
    clock.set(new Date(Date.parse(`${previousQuarter().from}T00:00:00Z`) + 86_400_000));
    s = await startConsoleSuite(dialect, { clock });
    play = await playQuarter(s, clock);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('shows the compliance summary of the chosen organization and window, the same numbers as the API', async () => {
    const context = await s.newContext();
    const page = await context.newPage();
    await signInToConsole(page);
    await page.getByRole('combobox', { name: /^Organization/ }).selectOption({ label: 'Acme Corp (acme)' });
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.getByLabel('Period').selectOption('last-quarter');
    expect(await page.getByLabel('From', { exact: true }).inputValue()).toBe(play.window.from);
    await page.getByText(`${play.window.from} through`).waitFor();

    const api = await s.api<Json>('GET', `/api/v1/compliance/summary?org=acme&from=${play.window.from}&to=${play.window.to}`);
    expect(api.deprovisioning).toMatchObject({ leavers: 2, withinSla: 1, outsideSla: 1, open: 0 });

    // Every criterion with its verdict and headline, as the endpoint computes them; the leaver outside the SLA makes CC6.5 attention.
    for (const c of api.criteria as Json[]) {
      const item = page.getByTestId(`criterion-${c.id}`);
      const text = await item.textContent();
      expect(text, c.id).toContain(c.headline);
      expect(text, c.id).toContain(c.status === 'pass' ? 'healthy' : c.status);
    }
    expect(api.criteria.find((c: Json) => c.id === 'CC6.5').status).toBe('attention');
    expect(await page.getByTestId('criterion-CC6.5').textContent()).toContain('attention');

    const stat = async (id: string) => (await page.getByTestId(`stat-${id}`).textContent())?.trim();
    expect(await stat('leavers')).toBe(String(api.deprovisioning.leavers));
    expect(await stat('within-sla')).toBe(String(api.deprovisioning.withinSla));
    expect(await stat('outside-sla')).toBe(String(api.deprovisioning.outsideSla));
    expect(await stat('leavers-open')).toBe(String(api.deprovisioning.open));
    expect(await stat('findings-open')).toBe(String(api.findings.open));
    expect(await stat('findings-high')).toBe(String(api.findings.bySeverity.high));
    expect(await stat('mfa-members')).toBe(String(api.mfa.members));
    expect(await stat('mfa-with-mfa')).toBe(String(api.mfa.withMfa));
    expect(await stat('mfa-with-passkey')).toBe(String(api.mfa.withPasskey));
    expect(await stat('mfa-privileged')).toBe(`${api.mfa.privilegedWithPasskey} of ${api.mfa.privilegedMembers}`);

    // The chart says its numbers to a screen reader, and its table alternative has each leaver with the SLA verdict.
    const chart = page.getByRole('img', { name: /Deprovisioning latency for 2 leavers/ });
    expect(await chart.getAttribute('aria-label')).toContain('1 within the 24-hour SLA, 1 outside it');
    await page.getByText('Show the leavers as a table').click();
    const table = page.getByRole('table', { name: 'Deprovisioning latency per leaver' });
    const rows = table.getByRole('row');
    expect(await rows.count()).toBe(1 + api.deprovisioning.points.length);
    const row = (userId: string) => table.getByRole('row').filter({ has: page.locator(`a[href="/console/users/${userId}"]`) });
    expect(await row(play.users.eve).textContent()).toMatch(/2\.0 d.*outside/);
    expect(await row(play.users.dan).textContent()).toMatch(/2\.0 h.*within/);
    await s.screenshot(page, 'console-overview');

    // A window that ends before it starts: the API's stable code, and no summary shown.
    await page.getByLabel('From', { exact: true }).fill('2026-03-10');
    await page.getByLabel('To', { exact: true }).fill('2026-03-01');
    await page.getByText('evidence.invalid_window', { exact: true }).waitFor();
    expect(await page.getByTestId('criterion-CC6.5').count()).toBe(0);
    await context.close();
  }, 180_000);
});
